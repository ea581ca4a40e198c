#pragma once
// A private PipeWire for one test (pwtest's rule): its own XDG_RUNTIME_DIR, its own session bus,
// pipewire and WirePlumber. While it lives, this process's environment points at it, so neither
// the test nor any child it starts can reach the user's session.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "support/process.hpp"

namespace zc::test {

class PipeWireDaemon {
 public:
  struct Options {
    bool session_manager = true;  // start WirePlumber (links streams that ask for a target)
    bool session_bus = true;      // start a private dbus-daemon (WirePlumber wants one)
    bool null_sink = false;       // an Audio/Sink named zc-null (the default sink): sound to capture
  };

  // Starts everything and waits until it is usable. Throws std::runtime_error with the daemons'
  // output when it cannot.
  explicit PipeWireDaemon(Options options);
  PipeWireDaemon() : PipeWireDaemon(Options{}) {}
  ~PipeWireDaemon();
  PipeWireDaemon(const PipeWireDaemon&) = delete;
  PipeWireDaemon& operator=(const PipeWireDaemon&) = delete;

  const std::string& runtime_dir() const { return dir_; }
  const std::string& bus_address() const { return bus_; }

  // Kills pipewire (and WirePlumber) hard, as a crash or a restart would.
  void kill_pipewire();
  // Starts them again in the same runtime directory.
  void start_pipewire();
  // SIGSTOP (true) or SIGCONT (false) to pipewire: a daemon that still accepts connections on its
  // socket and answers nothing, as a hung one.
  void freeze_pipewire(bool frozen);
  // Kills WirePlumber hard (a crash; the links it made go with it) and starts it again `away`
  // later, waiting until its policy runs. Throws std::runtime_error when it was not started or
  // does not come back.
  void restart_session_manager(std::chrono::milliseconds away = std::chrono::milliseconds(0));

  std::string logs() const;

  // A null audio sink (support.null-audio-sink) that outlives pw-cli, e.g. a second device; waits
  // until the registry shows it. Throws std::runtime_error when it cannot.
  void create_null_sink(const std::string& name);

 private:
  void wait_ready();
  void start_session_manager();
  static bool default_metadata_listed();  // `pw-cli ls Metadata` shows WirePlumber's "default"
  Options options_;
  std::string dir_;
  std::string bus_;
  std::optional<std::string> saved_runtime_dir_;
  std::optional<std::string> saved_bus_;
  std::unique_ptr<Process> dbus_;
  std::unique_ptr<Process> pipewire_;
  std::unique_ptr<Process> wireplumber_;
};

}  // namespace zc::test
