// PortalSession's life after the handshake: a thread that keeps the D-Bus connection served (the
// portal's Closed signal, the portal leaving the bus) until the session is destroyed, which closes
// the portal session and the connection.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/portal/portal.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace zc::capture {

using namespace portal_bus;

Target PortalSession::target(size_t index) const {
  if (index >= streams_.size()) return {};
  const auto& s = streams_[index];
  return Target{s.serial, s.node_id, "portal " + kind(index)};
}

std::string PortalSession::kind(size_t index) const {
  const bool one_asked = requested_types_ != 0 && (requested_types_ & (requested_types_ - 1)) == 0;
  uint32_t type = requested_types_;
  if (!one_asked && index < streams_.size() && streams_[index].source_type) type = streams_[index].source_type;
  return describe_source_types(type);
}

int PortalSession::on_closed_signal(sd_bus_message*, void* userdata, sd_bus_error*) {
  static_cast<PortalSession*>(userdata)->on_closed("the portal closed the screen cast session");
  return 0;
}

int PortalSession::on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  const char* name = nullptr;
  const char* old_owner = nullptr;
  const char* new_owner = nullptr;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  if (name && std::strcmp(name, kPortalName) == 0 && (!new_owner || !*new_owner)) {
    static_cast<PortalSession*>(userdata)->on_closed("the portal (" + std::string(kPortalName) +
                                                     ") left the session bus");
  }
  return 0;
}

Result<void> PortalSession::watch(const std::string& session_path) {
  sd_bus_slot* slot = nullptr;
  int r = sd_bus_match_signal(bus_.get(), &slot, kPortalName, session_path.c_str(), kSession, "Closed",
                              &PortalSession::on_closed_signal, this);
  if (r < 0)
    return fail(Errc::io, "portal", std::string("cannot watch the session's Closed signal: ") + std::strerror(-r));
  closed_slot_.reset(slot);
  if (!owner_slot_) {
    // NameOwnerChanged comes from the bus itself; arg0 keeps the others out.
    const std::string rule = std::string(
                                 "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                 "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
                             kPortalName + "'";
    r = sd_bus_add_match(bus_.get(), &slot, rule.c_str(), &PortalSession::on_owner_changed, this);
    if (r < 0) return fail(Errc::io, "portal", std::string("cannot watch the portal's bus name: ") + std::strerror(-r));
    owner_slot_.reset(slot);
  }
  return {};
}

void PortalSession::on_closed(const std::string& why) {
  std::function<void(const std::string&)> handler;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = why;
    if (!stopping_) handler = closed_handler_;
  }
  if (thread_.joinable()) zc::log::warn("portal: {}", why);
  if (handler) handler(why);
}

void PortalSession::set_closed_handler(const std::function<void(const std::string&)>& handler) {
  std::optional<std::string> already;
  {
    std::lock_guard lock(mutex_);
    closed_handler_ = handler;
    already = closed_;
  }
  if (already && handler) handler(*already);
}

std::optional<std::string> PortalSession::closed_reason() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

Result<void> PortalSession::start_thread() {
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake_.get() < 0) return fail(Errc::internal, "portal", std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
  return {};
}

void PortalSession::run() {
  name_this_thread("zc-portal");
  sd_bus* bus = bus_.get();
  while (true) {
    const int r = sd_bus_process(bus, nullptr);
    if (r < 0) {
      on_closed(std::string("lost the D-Bus connection to the portal: ") + std::strerror(-r));
      return;
    }
    if (r > 0) continue;
    pollfd fds[2] = {{sd_bus_get_fd(bus), static_cast<short>(sd_bus_get_events(bus)), 0}, {wake_.get(), POLLIN, 0}};
    uint64_t until = 0;
    int timeout_ms = -1;
    // sd-bus's own timeouts (pending method calls) are absolute CLOCK_MONOTONIC times.
    if (sd_bus_get_timeout(bus, &until) > 0 && until != UINT64_MAX) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      const uint64_t now_us =
          static_cast<uint64_t>(now.tv_sec) * 1000000ULL + static_cast<uint64_t>(now.tv_nsec) / 1000;
      timeout_ms = until > now_us ? static_cast<int>((until - now_us + 999) / 1000) : 0;
    }
    if (::poll(fds, 2, timeout_ms) < 0 && errno != EINTR) {
      on_closed(std::string("cannot wait on the D-Bus connection: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents) return;
  }
}

PortalSession::~PortalSession() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
  }
  if (bus_ && !session_handle_.empty() && !closed_) {
    // No reply awaited: sd_bus_flush_close_unref (the bus owner) sends it before closing.
    sd_bus_message* raw = nullptr;
    if (sd_bus_message_new_method_call(bus_.get(), &raw, kPortalName, session_handle_.c_str(), kSession, "Close") >=
        0) {
      MessagePtr m(raw);
      sd_bus_message_set_expect_reply(m.get(), 0);
      sd_bus_send(bus_.get(), m.get(), nullptr);
    }
    zc::log::info("portal: session closed");
  }
  closed_slot_.reset();
  owner_slot_.reset();
  bus_.reset();
}

}  // namespace zc::capture
