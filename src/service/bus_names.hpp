#pragma once
// The daemon's D-Bus names and named errors (the owners are sdbus/handles.hpp).
#include "core/error.hpp"
#include "sdbus/handles.hpp"

namespace zc::service {

using sdbus::BusError;
using sdbus::BusPtr;
using sdbus::EventPtr;
using sdbus::EventSourcePtr;
using sdbus::MessagePtr;
using sdbus::ref_message;
using sdbus::SlotPtr;

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

}  // namespace zc::service
