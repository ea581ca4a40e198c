#include "cli/cli.hpp"
#include "cli/sources.hpp"
#include "session/record_options.hpp"

namespace zc::cli {

Commands add_commands(CLI::App& app, const Context& context) {
  app.description("zerocast: screen capture through PipeWire, encoded with FFmpeg (GPU zero-copy where possible)");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("zerocast ") + ZEROCAST_VERSION);
  Commands commands;
  commands.record = add_record_command(app, context);
  commands.test_source = add_test_source_command(app);
  commands.daemon = add_daemon_command(app, context);
  commands.ctl = add_ctl_command(app);
  commands.probe = add_probe_command(app, context);
  commands.sources = add_sources_command(app);
  return commands;
}

}  // namespace zc::cli
