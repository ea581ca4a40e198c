#include "notification_server.hpp"

#include <cstring>
#include <stdexcept>

namespace zc::test {

using namespace std::chrono_literals;

namespace {

constexpr const char* kName = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";

// One hint's value (the variant is entered here) as text.
int read_hint(sd_bus_message* m, std::string& out) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r < 0) return r;
  if ((r = sd_bus_message_enter_container(m, 'v', contents)) < 0) return r;
  const std::string sig = contents ? contents : "";
  if (sig == "s") {
    const char* s = nullptr;
    if ((r = sd_bus_message_read_basic(m, 's', &s)) < 0) return r;
    out = s ? s : "";
  } else if (sig == "y") {
    uint8_t y = 0;
    if ((r = sd_bus_message_read_basic(m, 'y', &y)) < 0) return r;
    out = std::to_string(y);
  } else if (sig == "i") {
    int32_t i = 0;
    if ((r = sd_bus_message_read_basic(m, 'i', &i)) < 0) return r;
    out = std::to_string(i);
  } else if (sig == "b") {
    int b = 0;
    if ((r = sd_bus_message_read_basic(m, 'b', &b)) < 0) return r;
    out = b ? "true" : "false";
  } else {
    if ((r = sd_bus_message_skip(m, contents)) < 0) return r;
    out = "?";
  }
  return sd_bus_message_exit_container(m);
}

}  // namespace

const sd_bus_vtable* NotificationServer::vtable() {
  static const sd_bus_vtable v[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", &NotificationServer::on_notify, 0),
      SD_BUS_METHOD("GetCapabilities", "", "as", &NotificationServer::on_capabilities, 0),
      SD_BUS_METHOD("GetServerInformation", "", "ssss", &NotificationServer::on_server_information, 0),
      SD_BUS_METHOD("CloseNotification", "u", "", &NotificationServer::on_close, 0),
      SD_BUS_SIGNAL("NotificationClosed", "uu", 0),
      SD_BUS_SIGNAL("ActionInvoked", "us", 0),
      SD_BUS_VTABLE_END,
  };
  return v;
}

NotificationServer::NotificationServer() {
  if (sd_bus_open_user(&bus_) < 0) throw std::runtime_error("NotificationServer: no session bus");
  if (int r = sd_bus_add_object_vtable(bus_, &slot_, kPath, kName, vtable(), this); r < 0) {
    sd_bus_flush_close_unref(bus_);
    throw std::runtime_error(std::string("NotificationServer: cannot register the object: ") + std::strerror(-r));
  }
  // Owned before the constructor returns: a notification sent from then on reaches us.
  if (int r = sd_bus_request_name(bus_, kName, 0); r < 0) {
    sd_bus_slot_unref(slot_);
    sd_bus_flush_close_unref(bus_);
    throw std::runtime_error(std::string("NotificationServer: cannot own the name: ") + std::strerror(-r));
  }
  thread_ = std::thread([this] { run(); });
}

NotificationServer::~NotificationServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  sd_bus_slot_unref(slot_);
  sd_bus_flush_close_unref(bus_);
}

void NotificationServer::run() {
  while (!stop_) {
    int r = sd_bus_process(bus_, nullptr);
    if (r < 0) break;
    if (r > 0) continue;
    sd_bus_wait(bus_, 100000);
  }
}

int NotificationServer::on_notify(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<NotificationServer*>(userdata);
  Notification n;
  n.at = std::chrono::steady_clock::now();
  const char *app = nullptr, *icon = nullptr, *summary = nullptr, *body = nullptr;
  int r = sd_bus_message_read(m, "susss", &app, &n.replaces_id, &icon, &summary, &body);
  if (r < 0) return r;
  n.app_name = app ? app : "";
  n.app_icon = icon ? icon : "";
  n.summary = summary ? summary : "";
  n.body = body ? body : "";
  char** actions = nullptr;
  if ((r = sd_bus_message_read_strv(m, &actions)) < 0) return r;
  for (char** a = actions; a && *a; ++a) {
    n.actions.emplace_back(*a);
    free(*a);
  }
  free(actions);
  if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
    std::string value;
    if ((r = read_hint(m, value)) < 0) return r;
    n.hints[key ? key : ""] = value;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  if ((r = sd_bus_message_read(m, "i", &n.expire_timeout)) < 0) return r;
  n.id = n.replaces_id != 0 ? n.replaces_id : self->next_id_++;
  {
    std::lock_guard lock(self->mutex_);
    self->notifications_.push_back(n);
  }
  return sd_bus_reply_method_return(m, "u", n.id);
}

int NotificationServer::on_capabilities(sd_bus_message* m, void*, sd_bus_error*) {
  return sd_bus_reply_method_return(m, "as", 1, "body");
}

int NotificationServer::on_server_information(sd_bus_message* m, void*, sd_bus_error*) {
  return sd_bus_reply_method_return(m, "ssss", "zerocast-test", "zerocast", "1", "1.2");
}

int NotificationServer::on_close(sd_bus_message* m, void*, sd_bus_error*) {
  uint32_t id = 0;
  if (int r = sd_bus_message_read(m, "u", &id); r < 0) return r;
  // Reason 3: closed by a call to CloseNotification.
  sd_bus_emit_signal(sd_bus_message_get_bus(m), kPath, kName, "NotificationClosed", "uu", id, uint32_t{3});
  return sd_bus_reply_method_return(m, "");
}

std::vector<NotificationServer::Notification> NotificationServer::all() const {
  std::lock_guard lock(mutex_);
  return notifications_;
}

size_t NotificationServer::count() const {
  std::lock_guard lock(mutex_);
  return notifications_.size();
}

std::optional<NotificationServer::Notification> NotificationServer::wait_for(
    const std::function<bool(const Notification&)>& pred, std::chrono::milliseconds timeout, size_t from) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  do {
    {
      std::lock_guard lock(mutex_);
      for (size_t i = from; i < notifications_.size(); ++i) {
        if (pred(notifications_[i])) return notifications_[i];
      }
    }
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < end);
  return std::nullopt;
}

}  // namespace zc::test
