#pragma once
// The sd-bus pieces the portal client needs: method calls with a timeout, waiting
// for a Request's Response signal, and walking a{sv} dictionaries.
#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "sdbus/handles.hpp"

namespace zc::capture::portal_bus {

using sdbus::BusError;
using sdbus::BusPtr;
using sdbus::MessagePtr;
using sdbus::SlotPtr;
using zc::UniqueFd;

inline constexpr const char* kPortalName = "org.freedesktop.portal.Desktop";
inline constexpr const char* kPortalPath = "/org/freedesktop/portal/desktop";
inline constexpr const char* kScreenCast = "org.freedesktop.portal.ScreenCast";
inline constexpr const char* kRequest = "org.freedesktop.portal.Request";
inline constexpr const char* kSession = "org.freedesktop.portal.Session";

// Which D-Bus error a failed call carried, for the caller's decision (missing portal, bad
// argument) and message.
struct CallError {
  int r = 0;
  std::string name;     // D-Bus error name, empty for a local failure
  std::string message;  // "name: text" or strerror
};

// Calls `member` on the portal object; `append` adds the arguments. Blocks up to `timeout`.
using Appender = std::function<int(sd_bus_message*)>;
tl::expected<MessagePtr, CallError> call(sd_bus* bus, const char* path, const char* interface, const char* member,
                                         const Appender& append, std::chrono::milliseconds timeout);

// Keeps the bus busy (sd_bus_process/sd_bus_wait) until `done()` holds. Errc::timeout after
// `timeout`, Errc::cancelled when `interrupted()` (polled a few times a second) says so, Errc::io
// when the connection breaks. `what` names the wait in messages.
Result<void> wait_until(sd_bus* bus, const std::function<bool()>& done, std::chrono::milliseconds timeout,
                        const std::function<bool()>& interrupted, const std::string& what);

// Calls `entry(key, message)` for each entry of the a{sv} at the message's read position. The
// callback reads the variant (sd_bus_message_enter_container 'v' ...) and returns 1, or returns
// 0 to have it skipped; a negative return aborts. Returns 0 or a negative errno.
int for_each_entry(sd_bus_message* m, const std::function<int(const char* key, sd_bus_message* m)>& entry);

// Reads a variant holding `type` ("s", "u", "o", "(ii)"...), or skips it if its type differs.
// Returns 1 read, 0 skipped, or a negative errno.
int read_variant(sd_bus_message* m, const char* type, void* a, void* b = nullptr);

// ":1.42" → "1_42", the sender part of request and session object paths.
std::string sender_token(const char* unique_name);

}  // namespace zc::capture::portal_bus
