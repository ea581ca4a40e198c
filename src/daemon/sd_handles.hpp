#pragma once
// RAII owners for libsystemd's handles (sd-bus, sd-event), and the daemon's D-Bus names.
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace zc::daemon {

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
  std::string message() const { return error_.message ? error_.message : (error_.name ? error_.name : ""); }
  bool set() const { return sd_bus_error_is_set(&error_) != 0; }

 private:
  sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

inline constexpr const char* kBusName = "io.github.zerocast.Zerocast1";
inline constexpr const char* kManagerPath = "/io/github/zerocast/Zerocast1";
inline constexpr const char* kManagerInterface = "io.github.zerocast.Zerocast1";
inline constexpr const char* kCaptureInterface = "io.github.zerocast.Capture1";
inline constexpr const char* kCapturePathPrefix = "/io/github/zerocast/Zerocast1/capture/";

// Named D-Bus errors (io.github.zerocast.Error.*).
namespace bus_error {
inline constexpr const char* kInvalidArgument = "io.github.zerocast.Error.InvalidArgument";
inline constexpr const char* kNotFound = "io.github.zerocast.Error.NotFound";
inline constexpr const char* kUnsupported = "io.github.zerocast.Error.Unsupported";
inline constexpr const char* kTooManyCaptures = "io.github.zerocast.Error.TooManyCaptures";
inline constexpr const char* kNoReplay = "io.github.zerocast.Error.NoReplay";
inline constexpr const char* kIO = "io.github.zerocast.Error.IO";
inline constexpr const char* kPipeWire = "io.github.zerocast.Error.PipeWire";
inline constexpr const char* kEncoder = "io.github.zerocast.Error.Encoder";
inline constexpr const char* kTimeout = "io.github.zerocast.Error.Timeout";
inline constexpr const char* kCancelled = "io.github.zerocast.Error.Cancelled";
inline constexpr const char* kConfig = "io.github.zerocast.Error.Config";
inline constexpr const char* kFailed = "io.github.zerocast.Error.Failed";
}  // namespace bus_error

// The D-Bus error name for an error a caller can act on.
const char* bus_error_name(const Error& error);

}  // namespace zc::daemon
