// zerocast: capture Wayland screens through PipeWire and record or stream them.
#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "cli/sources.hpp"
#include "core/allocator.hpp"
#include "core/library_pages.hpp"
#include "core/log.hpp"
#include "ffmpeg/log.hpp"
#include "session/record_options.hpp"
#include "settings/table.hpp"

namespace {

int run(int argc, char** argv, const zc::cli::Context& context) {
  CLI::App app{"zerocast: screen capture through PipeWire, encoded with FFmpeg (GPU zero-copy where possible)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("zerocast ") + ZEROCAST_VERSION);
  auto record = zc::cli::add_record_command(app, context);
  auto test_source = zc::cli::add_test_source_command(app);
  auto daemon = zc::cli::add_daemon_command(app, context);
  auto ctl = zc::cli::add_ctl_command(app);
  auto probe = zc::cli::add_probe_command(app);
  auto sources = zc::cli::add_sources_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : zc::session::kExitUsage;
  }
  if (app.got_subcommand("record")) return record();
  if (app.got_subcommand("test-source")) return test_source();
  if (app.got_subcommand("daemon")) return daemon();
  if (app.got_subcommand("ctl")) return ctl();
  if (app.got_subcommand("zerocopy-probe")) return probe();
  if (app.got_subcommand("sources")) return sources();
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
