// `zerocast daemon`: the D-Bus service (see daemon_run.hpp).
#include <memory>

#include "core/log.hpp"

#include "cli/cli.hpp"
#include "cli/priority.hpp"
#include "service/daemon_run.hpp"
#include "settings/cli_options.hpp"

namespace zc::cli {

using service::DaemonArgs;
using service::kDaemonBadConfig;
using service::run_daemon;

std::function<int()> add_daemon_command(CLI::App& app, const Context& context) {
  struct Args {
    DaemonArgs daemon;
    settings::CommandLine line;
    std::vector<std::string> sets;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("daemon", "Run the D-Bus service (io.github.zerocast.Zerocast1) on the session bus");
  cmd->add_option("--config", args->daemon.config_path,
                  "Config file (default: $XDG_CONFIG_HOME/zerocast/config.toml; it must exist when given)")
      ->type_name("FILE");
  args->line.add_options(*cmd, settings::CommandLine::For::daemon);
  cmd->add_option("--set", args->sets, "Any config key: --set capture.codec=hevc (repeatable)")->type_name("KEY=VALUE");
  return [args, &context] {
    auto& o = args->daemon.overrides;
    for (const auto& s : args->sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0) {
        zc::log::error("daemon: --set wants KEY=VALUE, not '{}'", s);
        return static_cast<int>(kDaemonBadConfig);
      }
      o[s.substr(0, eq)] = s.substr(eq + 1);
    }
    // The daemon's own options win over --set.
    args->line.add_overrides(o);
    args->daemon.env = context.env;
    // Before any thread starts: they all take the main thread's priority (cli/priority.hpp).
    zc::log::info("daemon: threads at {}", raise_priority(context.settings.process.nice));
    return run_daemon(args->daemon, context.settings.process);
  };
}

}  // namespace zc::cli
