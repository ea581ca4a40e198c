#include "cli/priority.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "sdbus/handles.hpp"

namespace zc::cli {
namespace {

// RealtimeKit's MakeThreadHighPriority: the thread's nice value, set by the daemon after it
// checked (polkit) that the caller may.
std::string through_realtimekit(pid_t tid, int nice) {
  sd_bus* raw = nullptr;
  if (int r = sd_bus_open_system(&raw); r < 0) return fmt::format("no system bus ({})", std::strerror(-r));
  sdbus::BusPtr bus(raw);
  sdbus::BusError error;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call_method(bus.get(), "org.freedesktop.RealtimeKit1", "/org/freedesktop/RealtimeKit1",
                                   "org.freedesktop.RealtimeKit1", "MakeThreadHighPriority", error.get(), &reply, "ti",
                                   static_cast<uint64_t>(tid), static_cast<int32_t>(nice));
  sdbus::MessagePtr owned(reply);
  return r < 0 ? "RealtimeKit: " + error.describe(r) : std::string();
}

}  // namespace

std::string raise_priority(int nice) {
  const pid_t tid = gettid();
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (errno != 0) return fmt::format("left as it is: getpriority: {}", std::strerror(errno));
  if (now <= nice) return fmt::format("nice {} (as started)", now);
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) == 0) return fmt::format("nice {} (setpriority)", nice);
  const std::string denied = std::strerror(errno);
  const std::string rtkit = through_realtimekit(tid, nice);
  if (rtkit.empty()) return fmt::format("nice {} (RealtimeKit)", nice);
  return fmt::format("left at nice {}: setpriority: {}; {}", now, denied, rtkit);
}

}  // namespace zc::cli
