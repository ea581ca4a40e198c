// The command line (settings/cli_options.cpp, CLI11) and the environment (settings/environment.cpp):
// the input split on NUL bytes into words; words that begin "env:" are NAME=VALUE variables, the
// rest argv after "zerocast". The commands are built as cli/ keeps them (record with its -o,
// -v, -q and --config; daemon with --set; ctl start), parsed, and what was given applied as each
// command applies it: onto the record defaults and validated, as config overrides, as StartCapture's
// options. A parse error is the usage error main() prints; anything thrown past it is a bug there.
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "settings/cli_options.hpp"
#include "settings/config_file.hpp"
#include "settings/environment.hpp"

namespace {

using zc::settings::CommandLine;

std::string absolute(const std::string& path) {
  return path.empty() || path.front() == '/' ? path : "/fuzz/" + path;
}

struct Words {
  std::vector<std::string> args{"zerocast"};
  std::map<std::string, std::string> env;
};

Words split(std::string_view input) {
  Words words;
  while (words.args.size() < 64) {
    const size_t end = input.find('\0');
    const std::string_view word = input.substr(0, end);
    if (word.rfind("env:", 0) == 0) {
      const std::string_view var = word.substr(4);
      const size_t eq = var.find('=');
      words.env[std::string(var.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(var.substr(eq + 1));
    } else {
      words.args.emplace_back(word);
    }
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return words;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Words words = split(std::string_view(reinterpret_cast<const char*>(data), size));
  const zc::settings::Environment env(words.env);
  zc::settings::Settings record_settings = zc::settings::defaults(zc::settings::Command::record);
  const bool env_ok = zc::settings::apply_environment(record_settings, env, zc::settings::Command::record).has_value();
  (void)zc::settings::unknown_variables(env);

  CLI::App app{"zerocast"};
  app.require_subcommand(1);
  CommandLine record_line;
  bool verbose = false;
  bool quiet = false;
  std::string config_path;
  auto* record = app.add_subcommand("record", "");
  record_line.add_options(*record, CommandLine::For::record);
  record->get_option("--output")->required();
  record->add_flag("-v,--verbose", verbose, "");
  record->add_flag("-q,--quiet", quiet, "");
  record->add_option("--config", config_path, "");
  CommandLine daemon_line;
  std::vector<std::string> sets;
  auto* daemon = app.add_subcommand("daemon", "");
  daemon->add_option("--config", config_path, "");
  daemon_line.add_options(*daemon, CommandLine::For::daemon);
  daemon->add_option("--set", sets, "");
  CommandLine start_line;
  auto* ctl = app.add_subcommand("ctl", "");
  ctl->require_subcommand(1);
  start_line.add_options(*ctl->add_subcommand("start", ""), CommandLine::For::ctl_start);

  std::vector<char*> argv;
  for (auto& a : words.args)
    argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    (void)app.exit(e, out, err);  // the usage text or --help, as main() prints it
    return 0;
  }
  if (app.got_subcommand("record") && env_ok) {
    if (record_line.apply(record_settings)) (void)zc::session::validate(record_settings.capture);
  } else if (app.got_subcommand("daemon")) {
    zc::settings::ConfigSources sources;
    sources.env = env;
    for (const auto& s : sets) {
      const size_t eq = s.find('=');
      if (eq != std::string::npos && eq != 0) sources.overrides[s.substr(0, eq)] = s.substr(eq + 1);
    }
    daemon_line.add_overrides(sources.overrides);
    (void)zc::settings::load_config(sources);
  } else if (app.got_subcommand("ctl")) {
    if (auto options = start_line.options(absolute)) {
      (void)zc::settings::capture_spec(zc::settings::defaults(zc::settings::Command::daemon), *options);
    }
  }
  return 0;
}
