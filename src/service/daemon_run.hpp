#pragma once
// `zerocast daemon`: the D-Bus service under a systemd user unit (Type=notify). One sd-event
// loop runs the bus, the signals (SIGTERM/SIGINT stop every capture cleanly, SIGHUP reloads the
// config), the watchdog and a one-second tick; captures work on their own threads.
#include <string>

#include "session/pipeline.hpp"
#include "settings/config_file.hpp"

namespace zc::service {

struct DaemonArgs {
  std::string config_path;  // empty: the environment's (settings::Environment::config_path)
  settings::ConfigOverrides overrides;
  settings::Environment env{{}};  // the process's (ZEROCAST_* variables, XDG directories)
  session::PipelineHooks hooks;   // tests
};

// Exit codes of `zerocast daemon`.
enum DaemonExit : int {
  kDaemonOk = 0,
  kDaemonFailed = 1,     // the bus, the name or the metrics address could not be had
  kDaemonBadConfig = 2,  // the configuration (file, environment, options) is invalid
};

// `process`: the process's settings (the import path, the allocator).
int run_daemon(const DaemonArgs& args, const settings::Process& process);

}  // namespace zc::service
