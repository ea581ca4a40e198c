#pragma once
// Desktop notifications through org.freedesktop.Notifications on the daemon's bus: a replay
// saved, a capture ended by an error. Fire and forget: each Notify is sent asynchronously from the
// loop's thread and its reply only logged, so a missing, slow or broken notification server never
// delays or fails anything of the daemon's.
#include <cstdint>
#include <string>
#include <vector>

#include "service/bus_names.hpp"

namespace zc::service {

class Notifier {
 public:
  // The specification's urgency levels (the "urgency" hint).
  enum class Urgency : uint8_t { low = 0, normal = 1, critical = 2 };

  Notifier(sd_bus* bus, bool enabled);
  ~Notifier();  // replies still due are dropped unseen
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // daemon.notifications, on start and on reload.
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }

  // SaveReplay wrote `seconds` of replay into `path`.
  void replay_saved(const std::string& path, double seconds);
  // An error ended a running capture (`message`: its last Error signal's text).
  void capture_failed(uint32_t id, const std::string& message);
  // A capture could not start (StartCapture's caller got the error too, but a caller that is a
  // shortcut has no one to show it to).
  void start_failed(uint32_t id, const std::string& message);
  // Any other notification; `category` is the specification's ("transfer.complete"), or empty.
  void send(const std::string& summary, const std::string& body, Urgency urgency, const std::string& icon = "",
            const std::string& category = "");

 private:
  static int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* error);

  sd_bus* bus_;
  bool enabled_;
  // Whether "no notification server" was said since the last notification that got through:
  // once per absence, not once per notification.
  bool absence_logged_ = false;
  std::vector<SlotPtr> pending_;  // one per Notify whose reply is due
};

}  // namespace zc::service
