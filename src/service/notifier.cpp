#include "service/notifier.hpp"

#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "core/log.hpp"

namespace zc::service {
namespace {

constexpr const char* kName = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";
constexpr const char* kAppName = "zerocast";
// A server that takes longer than this is as good as absent; the call's only cost meanwhile is
// its slot.
constexpr uint64_t kReplyTimeoutUsec = 10'000'000;
// Replies due at once beyond which notifications are left out: a server that accepts calls but
// never answers must not make us hold an ever-growing list.
constexpr size_t kMaxPending = 16;

// The bus says nobody owns the name and nobody could be started for it.
bool no_server(const sd_bus_error* e) {
  const std::string_view name = e->name ? e->name : "";
  return name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
         name.starts_with("org.freedesktop.DBus.Error.Spawn.");
}

}  // namespace

Notifier::Notifier(sd_bus* bus, bool enabled) : bus_(bus), enabled_(enabled) {}

Notifier::~Notifier() = default;

void Notifier::replay_saved(const std::string& path, double seconds) {
  send("Replay saved", fmt::format("{:.1f} s: {}", seconds, path), Urgency::normal, "media-record",
       "transfer.complete");
}

void Notifier::capture_failed(uint32_t id, const std::string& message) {
  send("Capture stopped", fmt::format("Capture {} failed: {}", id, message), Urgency::critical, "dialog-error");
}

void Notifier::start_failed(uint32_t id, const std::string& message) {
  send("Capture failed", fmt::format("Capture {} could not start: {}", id, message), Urgency::critical, "dialog-error");
}

void Notifier::send(const std::string& summary, const std::string& body, Urgency urgency, const std::string& icon,
                    const std::string& category) {
  if (!enabled_) return;
  if (pending_.size() >= kMaxPending) {
    zc::log::debug("notify: {} notifications unanswered; '{}' left out", pending_.size(), summary);
    return;
  }
  // The same scrubbing as the Error signal: a URL's credentials never reach a screen.
  const std::string clean_summary = log::scrub(summary);
  const std::string clean_body = log::scrub(body);
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &raw, kName, kPath, kInterface, "Notify");
  MessagePtr m(raw);
  // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout).
  if (r >= 0) {
    r = sd_bus_message_append(m.get(), "susss", kAppName, uint32_t{0}, icon.c_str(), clean_summary.c_str(),
                              clean_body.c_str());
  }
  if (r >= 0) r = sd_bus_message_append(m.get(), "as", 0);  // no actions
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_append(m.get(), "{sv}", "urgency", "y", static_cast<uint8_t>(urgency));
  if (r >= 0 && !category.empty()) r = sd_bus_message_append(m.get(), "{sv}", "category", "s", category.c_str());
  if (r >= 0) r = sd_bus_message_close_container(m.get());
  if (r >= 0) r = sd_bus_message_append(m.get(), "i", int32_t{-1});  // the server's own timeout
  sd_bus_slot* slot = nullptr;
  if (r >= 0) r = sd_bus_call_async(bus_, &slot, m.get(), &Notifier::on_reply, this, kReplyTimeoutUsec);
  if (r < 0) {
    zc::log::debug("notify: cannot send '{}': {}", clean_summary, std::strerror(-r));
    return;
  }
  pending_.emplace_back(slot);
}

int Notifier::on_reply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Notifier*>(userdata);
  if (const sd_bus_error* e = sd_bus_message_get_error(reply); !e) {
    uint32_t id = 0;
    (void)sd_bus_message_read(reply, "u", &id);
    zc::log::debug("notify: shown as notification {}", id);
    self->absence_logged_ = false;
  } else if (no_server(e) && !self->absence_logged_) {
    self->absence_logged_ = true;
    zc::log::info("notify: no notification server on the bus ({}); notifications are not shown",
                  e->message ? e->message : e->name);
  } else {
    zc::log::debug("notify: the notification was not shown: {}: {}", e->name ? e->name : "",
                   e->message ? e->message : "");
  }
  // The call is over: its slot goes (sd-bus holds a reference of its own while we run).
  sd_bus_slot* done = sd_bus_get_current_slot(sd_bus_message_get_bus(reply));
  std::erase_if(self->pending_, [done](const SlotPtr& s) { return s.get() == done; });
  return 0;
}

}  // namespace zc::service
