// `zerocast daemon`: the D-Bus service (see daemon_run.hpp).
#include <memory>

#include <spdlog/spdlog.h>

#include "cli/cli.hpp"
#include "cli/priority.hpp"
#include "service/daemon_run.hpp"

namespace zc::cli {

using service::DaemonArgs;
using service::kDaemonBadConfig;
using service::run_daemon;

std::function<int()> add_daemon_command(CLI::App& app) {
  struct Args {
    DaemonArgs daemon;
    std::string metrics, source;
    uint32_t max_captures = 0, replay = 0;
    std::vector<std::string> sets;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("daemon", "Run the D-Bus service (io.github.zerocast.Zerocast1) on the session bus");
  cmd->add_option("--config", args->daemon.config_path,
                  "Config file (default: $XDG_CONFIG_HOME/zerocast/config.toml; it must exist when given)");
  cmd->add_option("--metrics", args->metrics, "Serve Prometheus metrics on HOST:PORT (daemon.metrics)");
  cmd->add_option("--max-captures", args->max_captures, "Captures at once (daemon.max_captures)");
  cmd->add_option("--source", args->source, "Default source for StartCapture (daemon.default_source)");
  cmd->add_option("--replay", args->replay, "Replay seconds every capture holds (replay.seconds)");
  cmd->add_option("--set", args->sets, "Any config key: --set capture.codec=hevc (repeatable)");
  return [args] {
    auto& o = args->daemon.overrides;
    for (const auto& s : args->sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0) {
        spdlog::error("daemon: --set wants KEY=VALUE, not '{}'", s);
        return static_cast<int>(kDaemonBadConfig);
      }
      o[s.substr(0, eq)] = s.substr(eq + 1);
    }
    // The dedicated options win over --set.
    if (!args->metrics.empty()) o["daemon.metrics"] = args->metrics;
    if (args->max_captures) o["daemon.max_captures"] = std::to_string(args->max_captures);
    if (!args->source.empty()) o["daemon.default_source"] = args->source;
    if (args->replay) o["replay.seconds"] = std::to_string(args->replay);
    // Before any thread starts: they all take the main thread's priority (cli/priority.hpp).
    const auto nice = nice_from_env();
    if (!nice) {
      spdlog::error("daemon: {}", nice.error().describe());
      return static_cast<int>(kDaemonBadConfig);
    }
    spdlog::info("daemon: threads at {}", raise_priority(*nice));
    return run_daemon(args->daemon);
  };
}

}  // namespace zc::cli
