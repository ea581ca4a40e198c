#pragma once
// A private desktop for portal tests, all in one runtime directory: dbus-daemon (with no service
// files, so nothing is activated behind the test's back), pipewire + WirePlumber, sway headless
// (pixman renderer, one output of the asked size with a solid background colour) with a client
// that keeps drawing, xdg-permission-store, xdg-desktop-portal-wlr (non-interactive chooser; the
// shared-memory shim of support/portal_shim.c preloaded) and xdg-desktop-portal. As root,
// sway and its client run as uid 65534 (sway refuses root). While it lives, this process's
// XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS and XDG_STATE_HOME point into it. Every process is in
// its own process group and is killed with it, also when a test fails.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace zc::test {

class Compositor {
 public:
  enum class Chooser {
    none,    // chooser_type=none + output_name: the output is picked without asking
    cancel,  // a chooser that fails: the portal answers SelectSources with 1 (cancelled)
  };
  struct Options {
    uint32_t width = 1280;
    uint32_t height = 720;
    uint32_t background = 0x4080c0;  // RGB the compositor paints behind the client
    bool compositor = true;          // sway + client (false: a bus and PipeWire only)
    bool portal = true;              // xdg-desktop-portal and its wlr backend
    bool shim = true;                // preload the shm shim into the backend (false: Start answers 2 without a GPU)
    Chooser chooser = Chooser::none;
  };

  // Why this machine cannot run it (a missing program, or the shim not built), or nullopt.
  static std::optional<std::string> unavailable(const Options& options);

  // Starts everything and waits until each piece answers. Throws std::runtime_error with the
  // logs when one does not.
  explicit Compositor(Options options);
  ~Compositor();
  Compositor(const Compositor&) = delete;
  Compositor& operator=(const Compositor&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& state_dir() const { return state_; }  // XDG_STATE_HOME for zerocast
  const Options& options() const { return options_; }

  // Restarts xdg-desktop-portal-wlr with another chooser (the frontend keeps its sessions).
  void restart_backend(Chooser chooser);
  // Kills xdg-desktop-portal (the frontend) as a crash would: its sessions vanish from the bus.
  void kill_portal();
  // The backend's log since it (last) started.
  std::string backend_log() const;
  // Every log, for failure messages.
  std::string logs() const;

 private:
  void teardown();
  Process& spawn(std::vector<std::string> argv, const Process::Options& options);
  void start_bus();
  void start_pipewire();
  void start_sway();
  void start_client();
  void start_backend();
  void start_frontend();
  void wait_for_name(const std::string& name, Process& owner, std::chrono::milliseconds timeout);

  Options options_;
  std::string dir_;
  std::string state_;
  std::string bus_;
  std::string sway_dir_;
  std::string wayland_;  // absolute socket path
  std::map<std::string, std::optional<std::string>> saved_env_;
  int backend_runs_ = 0;
  // Stopped in reverse order of start.
  std::vector<std::unique_ptr<Process>> processes_;
  Process* backend_ = nullptr;
  Process* frontend_ = nullptr;
};

}  // namespace zc::test
