#pragma once
// A GlobalShortcuts portal of the tests' own on $DBUS_SESSION_BUS_ADDRESS (its own sd-bus
// connection, served on a thread), in one of two roles:
//   backend   org.freedesktop.impl.portal.GlobalShortcuts under kBackendName, for the real
//             xdg-desktop-portal to forward to (found through kPortalFile in XDG_DESKTOP_PORTAL_DIR,
//             UseIn=zctest). It grants every session and binds every shortcut with its preferred
//             trigger.
//   frontend  a stand-in for xdg-desktop-portal 1.21+ on org.freedesktop.portal.Desktop: the
//             org.freedesktop.host.portal.Registry, and a GlobalShortcuts that refuses
//             CreateSession to a connection that has not registered an app id (NotAllowed "An app
//             id is required"), as 1.21+ refuses a host application it cannot name.
// Every call is recorded; activate() emits Activated for the session of the latest BindShortcuts,
// as a key press would (the backend's signal, which the real frontend passes on; the stand-in's
// own).
#include <systemd/sd-bus.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace zc::test {

class ShortcutsStub {
 public:
  enum class Role { backend, frontend };
  static constexpr const char* kBackendName = "org.freedesktop.impl.portal.desktop.zctest";
  static constexpr const char* kDesktop = "zctest";  // XDG_CURRENT_DESKTOP for the real frontend
  // The backend's .portal file, as xdg-desktop-portal reads it.
  static std::string portal_file();

  struct Shortcut {
    std::string id;
    std::string description;
    std::string trigger;  // preferred_trigger
  };
  struct Call {
    std::string member;  // Register, CreateSession, BindShortcuts, Close (a session's)
    std::string sender;
    std::string app_id;   // Register's; the backend's CreateSession: what the frontend passed
    std::string session;  // the session's object path
    std::vector<Shortcut> shortcuts;
    std::string error;  // the error it was answered with, if any
  };

  explicit ShortcutsStub(Role role);  // throws when it cannot own its name
  ~ShortcutsStub();
  ShortcutsStub(const ShortcutsStub&) = delete;
  ShortcutsStub& operator=(const ShortcutsStub&) = delete;

  std::vector<Call> calls() const;
  // The first call (from index `from`) that matches, waiting up to `timeout`.
  std::optional<Call> wait_for(const std::function<bool(const Call&)>& pred, std::chrono::milliseconds timeout,
                               size_t from = 0) const;
  // Activated(session of the last BindShortcuts, id), then Deactivated; from the serving thread.
  void activate(const std::string& id);

 private:
  void run();
  void record(Call call);
  static int on_create_session(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_bind(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_list(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_register(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_close(sd_bus_message* m, void* userdata, sd_bus_error* error);

  Role role_;
  sd_bus* bus_ = nullptr;
  std::vector<sd_bus_slot*> slots_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  std::vector<std::function<void()>> tasks_;  // for the serving thread
  // The serving thread's only:
  std::vector<std::string> registered_;  // senders that called Register
  std::string bound_session_;
  std::vector<Shortcut> bound_;
};

}  // namespace zc::test
