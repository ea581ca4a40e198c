#pragma once
// A stand-in desktop notification server of the tests' own: it owns org.freedesktop.Notifications
// on $DBUS_SESSION_BUS_ADDRESS (its own sd-bus connection, served on a thread), answers Notify
// with increasing ids and records each call; GetCapabilities, GetServerInformation and
// CloseNotification answer minimally. Made after the DaemonHarness (whose PipeWireDaemon sets
// the bus address).
#include <systemd/sd-bus.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace zc::test {

class NotificationServer {
 public:
  struct Notification {
    uint32_t id = 0;  // what Notify answered
    std::string app_name;
    uint32_t replaces_id = 0;
    std::string app_icon;
    std::string summary;
    std::string body;
    std::vector<std::string> actions;
    // Strings as they are, numbers (the "urgency" byte among them) as decimal text, anything else "?".
    std::map<std::string, std::string> hints;
    int32_t expire_timeout = 0;
    std::chrono::steady_clock::time_point at;
  };

  NotificationServer();  // throws when it cannot own the name
  ~NotificationServer();
  NotificationServer(const NotificationServer&) = delete;
  NotificationServer& operator=(const NotificationServer&) = delete;

  std::vector<Notification> all() const;
  size_t count() const;
  // The first notification (after `from`, an index into all()) that matches, waiting up to `timeout`.
  std::optional<Notification> wait_for(const std::function<bool(const Notification&)>& pred,
                                       std::chrono::milliseconds timeout, size_t from = 0) const;

 private:
  void run();
  static const sd_bus_vtable* vtable();
  static int on_notify(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_capabilities(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_server_information(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_close(sd_bus_message* m, void* userdata, sd_bus_error* error);

  sd_bus* bus_ = nullptr;
  sd_bus_slot* slot_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Notification> notifications_;
  uint32_t next_id_ = 1;  // the serving thread's only
};

}  // namespace zc::test
