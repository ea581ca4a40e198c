#pragma once
// For `record --source test` on a machine with no desktop session (a fresh server, CI): when no
// PipeWire daemon answers, start a private one (with WirePlumber, and a session bus for it) in a
// fresh runtime directory for this run only, and say so.
//
// The three daemons run in their own session, so a terminal's Ctrl-C (SIGINT to the whole
// foreground process group) reaches zerocast alone: it finishes its files and stops them last.
// Each gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG: start them from the
// main thread), so nothing survives zerocast, kill -9 included; the runtime directory such a run
// leaves (/tmp/zerocast-pipewire-*, its owner's pid inside) is removed by the next one.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "settings/environment.hpp"

namespace zc::cli {

class PrivatePipeWire {
 public:
  // nullptr when a daemon already answers (nothing is started). Otherwise starts the daemons,
  // points this process's environment (XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS) at them and
  // returns their owner, which stops them and removes the directory when destroyed.
  static Result<std::unique_ptr<PrivatePipeWire>> ensure(const settings::Environment& env);
  ~PrivatePipeWire();
  PrivatePipeWire(const PrivatePipeWire&) = delete;
  PrivatePipeWire& operator=(const PrivatePipeWire&) = delete;

  const std::string& runtime_dir() const { return dir_; }

 private:
  PrivatePipeWire() = default;
  Result<void> spawn(const std::vector<std::string>& argv, const std::string& log_name);
  Result<void> wait_for(const std::string& path) const;

  std::string dir_;
  std::string path_;             // PATH, where the daemons are looked for
  std::vector<pid_t> children_;  // in start order; stopped in reverse
};

}  // namespace zc::cli
