#pragma once
// `zerocast daemon`: the D-Bus service under a systemd user unit (Type=notify). One sd-event
// loop runs the bus, the signals (SIGTERM/SIGINT stop every capture cleanly, SIGHUP reloads the
// config), the watchdog and a one-second tick; captures work on their own threads.
#include <string>

#include "service/config.hpp"
#include "session/pipeline.hpp"

namespace zc::service {

struct DaemonArgs {
  std::string config_path;  // empty: default_config_path()
  ConfigOverrides overrides;
  session::PipelineHooks hooks;  // tests
};

// Exit codes of `zerocast daemon`.
enum DaemonExit : int {
  kDaemonOk = 0,
  kDaemonFailed = 1,     // the bus, the name or the metrics address could not be had
  kDaemonBadConfig = 2,  // the configuration (file, environment, options) is invalid
};

int run_daemon(const DaemonArgs& args);

}  // namespace zc::service
