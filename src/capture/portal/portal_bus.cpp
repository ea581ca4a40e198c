#include "capture/portal/portal_bus.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zc::capture::portal_bus {

tl::expected<MessagePtr, CallError> call(sd_bus* bus, const char* path, const char* interface, const char* member,
                                         const Appender& append, std::chrono::milliseconds timeout) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, kPortalName, path, interface, member);
  MessagePtr m(raw);
  if (r >= 0 && append) r = append(m.get());
  if (r < 0) return tl::unexpected(CallError{r, "", std::string("cannot build ") + member + ": " + std::strerror(-r)});
  BusError error;
  sd_bus_message* reply = nullptr;
  r = sd_bus_call(bus, m.get(), static_cast<uint64_t>(timeout.count()) * 1000, error.get(), &reply);
  MessagePtr owned(reply);
  if (r < 0) {
    CallError e{r, error.get()->name ? error.get()->name : "", error.describe(r)};
    return tl::unexpected(std::move(e));
  }
  return owned;
}

Result<void> wait_until(sd_bus* bus, const std::function<bool()>& done, std::chrono::milliseconds timeout,
                        const std::function<bool()>& interrupted, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int r = sd_bus_process(bus, nullptr);
    if (r < 0) {
      return fail(Errc::io, "portal", "lost the D-Bus connection while waiting for " + what + ": " + std::strerror(-r));
    }
    if (done()) return {};
    if (r > 0) continue;  // more may be queued
    if (interrupted && interrupted()) return fail(Errc::cancelled, "portal", "interrupted while waiting for " + what);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return fail(Errc::timeout, "portal",
                  "no answer from the portal to " + what + " within " +
                      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s");
    }
    // Short slices so that an interruption is seen while a dialog is on screen.
    const auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(200));
    const int w =
        sd_bus_wait(bus, static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(slice).count()));
    if (w < 0 && w != -EINTR) {
      return fail(Errc::io, "portal", "waiting for " + what + " failed: " + std::strerror(-w));
    }
  }
}

int for_each_entry(sd_bus_message* m, const std::function<int(const char* key, sd_bus_message* m)>& entry) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    r = sd_bus_message_read(m, "s", &key);
    if (r < 0) return r;
    r = entry(key, m);
    if (r < 0) return r;
    if (r == 0 && (r = sd_bus_message_skip(m, "v")) < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

int read_variant(sd_bus_message* m, const char* type, void* a, void* b) {
  const char* contents = nullptr;
  char t = 0;
  int r = sd_bus_message_peek_type(m, &t, &contents);
  if (r < 0) return r;
  if (t != SD_BUS_TYPE_VARIANT || !contents || std::strcmp(contents, type) != 0) return 0;
  if ((r = sd_bus_message_enter_container(m, 'v', type)) < 0) return r;
  if (std::strcmp(type, "(ii)") == 0) {
    r = sd_bus_message_read(m, "(ii)", a, b);
  } else {
    r = sd_bus_message_read_basic(m, type[0], a);
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  return 1;
}

std::string sender_token(const char* unique_name) {
  std::string s = unique_name ? unique_name : "";
  if (!s.empty() && s[0] == ':') s.erase(0, 1);
  for (char& c : s) {
    if (c == '.') c = '_';
  }
  return s;
}

}  // namespace zc::capture::portal_bus
