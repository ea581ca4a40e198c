#pragma once
// RAII owners for libsystemd's handles (sd-bus, sd-event), written once for every user: the
// portal client (capture), the daemon (service) and `zerocast ctl` (cli).
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>
#include <string>

namespace zc::sdbus {

struct BusUnref {
  void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct EventUnref {
  void operator()(sd_event* e) const { sd_event_unref(e); }
};
struct EventSourceUnref {
  void operator()(sd_event_source* s) const { sd_event_source_disable_unref(s); }
};

using BusPtr = std::unique_ptr<sd_bus, BusUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;
using EventPtr = std::unique_ptr<sd_event, EventUnref>;
using EventSourcePtr = std::unique_ptr<sd_event_source, EventSourceUnref>;

// A new reference to a message (for replies sent later).
inline MessagePtr ref_message(sd_bus_message* m) {
  return MessagePtr(sd_bus_message_ref(m));
}

// sd_bus_error owned for one call.
class BusError {
 public:
  BusError() = default;
  ~BusError() { sd_bus_error_free(&error_); }
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  sd_bus_error* get() { return &error_; }
  const char* name() const { return error_.name; }
  bool set() const { return sd_bus_error_is_set(&error_) != 0; }
  bool has_name(const char* name) const { return sd_bus_error_has_name(&error_, name) != 0; }
  // The message, else the name, else "".
  std::string message() const { return error_.message ? error_.message : (error_.name ? error_.name : ""); }
  // "org.freedesktop.portal.Error.InvalidArgument: Restore token is not a valid UUID string";
  // strerror(r) when no error is set.
  std::string describe(int r) const;

 private:
  sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

}  // namespace zc::sdbus
