// zerocast: capture Wayland screens through PipeWire and record or stream them.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "core/allocator.hpp"
#include "core/library_pages.hpp"
#include "core/log.hpp"
#include "ffmpeg/log.hpp"
#include "session/record_options.hpp"
#include "settings/suggest.hpp"
#include "settings/table.hpp"

namespace {

template <class Apps>
std::vector<std::string> names_of(const Apps& apps) {
  std::vector<std::string> names;
  names.reserve(apps.size());
  for (const auto* a : apps)
    names.push_back(a->get_name());
  return names;
}

// "zerocast recrod", "zerocast ctl statsu": the words before the first option name commands; one
// that names none is refused with the nearest command (CLI11 alone says only that a subcommand is
// required).
std::optional<std::string> mistyped_command(CLI::App& app, int argc, char** argv) {
  const CLI::App* at = &app;
  std::string path = "zerocast";
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    const auto subs = at->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return std::nullopt;  // a value, not a command
    const std::string word = argv[i];
    const auto it = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(word); });
    if (it != subs.end()) {
      at = *it;
      path += " " + word;
      continue;
    }
    const auto names = names_of(subs);
    const auto near = zc::settings::closest(word, names);
    std::string text = path;
    text.append(": '").append(word).append("' is not a command");
    if (near) {
      text.append("; did you mean '").append(*near).append("'?");
    } else {
      text.append(".");
    }
    text.append(" Commands:");
    for (size_t n = 0; n < names.size(); ++n)
      text.append(n == 0 ? " " : ", ").append(names[n]);
    text.append(" (").append(path).append(" --help).");
    return text;
  }
  return std::nullopt;
}

// After CLI11's own message for an option it does not know: the nearest option of the command.
std::optional<std::string> option_hint(CLI::App& app, const CLI::ParseError& e) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) == nullptr) return std::nullopt;
  const CLI::App* at = &app;
  for (;;) {
    const auto parsed = at->get_subcommands();
    if (parsed.empty()) break;
    at = parsed.front();
  }
  std::vector<std::string> options;
  for (const auto* o : at->get_options()) {
    for (const auto& n : o->get_lnames())
      options.push_back("--" + n);
  }
  const std::string what = e.what();
  for (size_t at_dash = what.find("--"); at_dash != std::string::npos; at_dash = what.find("--", at_dash + 2)) {
    size_t end = what.find_first_of(" =", at_dash);
    const std::string word = what.substr(at_dash, end == std::string::npos ? std::string::npos : end - at_dash);
    if (const auto near = zc::settings::closest(word, options)) return "did you mean " + *near + "?";
  }
  return std::nullopt;
}

int run(int argc, char** argv, const zc::cli::Context& context) {
  CLI::App app;
  const auto commands = zc::cli::add_commands(app, context);
  if (const auto typo = mistyped_command(app, argc, argv)) {
    std::fprintf(stderr, "%s\n", typo->c_str());
    return zc::session::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (const auto hint = option_hint(app, e)) std::fprintf(stderr, "%s\n", hint->c_str());
    return code == 0 ? 0 : zc::session::kExitUsage;
  }
  if (app.got_subcommand("record")) return commands.record();
  if (app.got_subcommand("test-source")) return commands.test_source();
  if (app.got_subcommand("daemon")) return commands.daemon();
  if (app.got_subcommand("ctl")) return commands.ctl();
  if (app.got_subcommand("zerocopy-probe")) return commands.probe();
  if (app.got_subcommand("sources")) return commands.sources();
  return zc::session::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // The environment, read once (settings/environment.hpp): every ZEROCAST_* variable is checked
  // here, whichever command runs.
  zc::cli::Context context{zc::settings::Environment::of_process(),
                           zc::settings::defaults(zc::settings::Command::record)};
  const auto read = zc::settings::apply_environment(context.settings, context.env, zc::settings::Command::record);
  const zc::settings::Process& process = context.settings.process;
  zc::tune_allocator(zc::settings::allocator_tuning(process, context.env));  // before frames or packets exist
  zc::log::init(process.log_level, process.log_time);
  zc::ffmpeg::route_logs(process.ffmpeg_debug);
  if (!read) {
    zc::log::error("zerocast: {}", read.error().describe());
    return zc::session::kExitUsage;
  }
  for (const auto& warning : zc::settings::unknown_variables(context.env))
    zc::log::warn("zerocast: environment: {}", warning);
  // While the process has one thread: the library pages only the loader used (core/library_pages.hpp).
  const zc::LoaderPages released = zc::release_loader_pages(process.trim_libraries);
  zc::log::debug("zerocast: released {:.1f} MB of loader-only library pages ({} mappings)",
                 static_cast<double>(released.bytes) / 1e6, released.mappings);
  try {
    return run(argc, argv, context);
  } catch (const std::exception& e) {
    // Errors are values everywhere; an exception reaching here is a bug (or out of memory).
    zc::log::critical("zerocast: unexpected exception: {}", e.what());
    return zc::session::kExitRuntime;
  }
}
