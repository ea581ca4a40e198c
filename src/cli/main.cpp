// zerocast: capture Wayland screens through PipeWire and record or stream them.
#include <cstdlib>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "cli/sources.hpp"
#include "core/allocator.hpp"
#include "core/library_pages.hpp"
#include "core/log.hpp"
#include "ffmpeg/log.hpp"
#include "session/record_options.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"zerocast: screen capture through PipeWire, encoded with FFmpeg (GPU zero-copy where possible)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("zerocast ") + ZEROCAST_VERSION);
  auto record = zc::cli::add_record_command(app);
  auto test_source = zc::cli::add_test_source_command(app);
  auto daemon = zc::cli::add_daemon_command(app);
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
  zc::tune_allocator();  // before anything allocates frames or packets (core/allocator.hpp)
  zc::log::init();
  const char* ffmpeg_debug = std::getenv("ZEROCAST_FFMPEG_DEBUG");
  zc::ffmpeg::route_logs(ffmpeg_debug && *ffmpeg_debug && std::string_view(ffmpeg_debug) != "0");
  // While the process has one thread: the library pages only the loader used (core/library_pages.hpp).
  const zc::LoaderPages released = zc::release_loader_pages();
  spdlog::debug("zerocast: released {:.1f} MB of loader-only library pages ({} mappings)",
                static_cast<double>(released.bytes) / 1e6, released.mappings);
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Errors are values everywhere; an exception reaching here is a bug (or out of memory).
    spdlog::critical("zerocast: unexpected exception: {}", e.what());
    return zc::session::kExitRuntime;
  }
}
