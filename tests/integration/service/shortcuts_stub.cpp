#include "shortcuts_stub.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace zc::test {

using namespace std::chrono_literals;

namespace {

constexpr const char* kPath = "/org/freedesktop/portal/desktop";
constexpr const char* kSessionPrefix = "/org/freedesktop/portal/desktop/session";
constexpr const char* kImpl = "org.freedesktop.impl.portal.GlobalShortcuts";
constexpr const char* kImplSession = "org.freedesktop.impl.portal.Session";
constexpr const char* kFrontend = "org.freedesktop.portal.GlobalShortcuts";
constexpr const char* kFrontendSession = "org.freedesktop.portal.Session";
constexpr const char* kRegistry = "org.freedesktop.host.portal.Registry";

std::string text(const char* s) {
  return s ? s : "";
}

// ":1.42" -> "1_42", as the portal writes a sender in object paths.
std::string path_token(std::string sender) {
  if (!sender.empty() && sender[0] == ':') sender.erase(0, 1);
  std::replace(sender.begin(), sender.end(), '.', '_');
  return sender;
}

// The string entries of an a{sv} ("handle_token", "description", ...); others are skipped.
int read_strings(sd_bus_message* m, std::vector<std::pair<std::string, std::string>>& out) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
    const char* contents = nullptr;
    if ((r = sd_bus_message_peek_type(m, nullptr, &contents)) < 0) return r;
    if (contents && std::strcmp(contents, "s") == 0) {
      const char* v = nullptr;
      if ((r = sd_bus_message_read(m, "v", "s", &v)) < 0) return r;
      out.emplace_back(text(key), text(v));
    } else if ((r = sd_bus_message_skip(m, "v")) < 0) {
      return r;
    }
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

std::string lookup(const std::vector<std::pair<std::string, std::string>>& entries, const std::string& key) {
  for (const auto& [k, v] : entries) {
    if (k == key) return v;
  }
  return "";
}

int read_shortcuts(sd_bus_message* m, std::vector<ShortcutsStub::Shortcut>& out) {
  int r = sd_bus_message_enter_container(m, 'a', "(sa{sv})");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) > 0) {
    const char* id = nullptr;
    if ((r = sd_bus_message_read(m, "s", &id)) < 0) return r;
    std::vector<std::pair<std::string, std::string>> entries;
    if ((r = read_strings(m, entries)) < 0) return r;
    out.push_back({text(id), lookup(entries, "description"), lookup(entries, "preferred_trigger")});
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

// Results {"shortcuts": a(sa{sv})}: each shortcut bound with its preferred trigger.
int append_bound(sd_bus_message* m, const std::vector<ShortcutsStub::Shortcut>& shortcuts) {
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "shortcuts");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(sa{sv})");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sa{sv})");
  for (const auto& s : shortcuts) {
    if (r >= 0) r = sd_bus_message_open_container(m, 'r', "sa{sv}");
    if (r >= 0) r = sd_bus_message_append(m, "s", s.id.c_str());
    if (r >= 0) {
      r = sd_bus_message_append(m, "a{sv}", 2, "description", "s", s.description.c_str(), "trigger_description", "s",
                                s.trigger.c_str());
    }
    if (r >= 0) r = sd_bus_message_close_container(m);
  }
  for (int i = 0; i < 4 && r >= 0; ++i)
    r = sd_bus_message_close_container(m);
  return r;
}

// A method return "ua{sv}" (the backend's answers) or the Response signal's body.
int reply_results(sd_bus_message* call, const std::vector<ShortcutsStub::Shortcut>& shortcuts) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_return(call, &raw);
  if (r >= 0) r = sd_bus_message_append(raw, "u", uint32_t{0});
  if (r >= 0) r = append_bound(raw, shortcuts);
  if (r >= 0) r = sd_bus_send(nullptr, raw, nullptr);
  sd_bus_message_unref(raw);
  return r;
}

int property_version(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*, sd_bus_error*) {
  return sd_bus_message_append(reply, "u", uint32_t{1});
}

}  // namespace

std::string ShortcutsStub::portal_file() {
  return std::string("[portal]\nDBusName=") + kBackendName + "\nInterfaces=" + kImpl + ";\nUseIn=" + kDesktop + "\n";
}

ShortcutsStub::ShortcutsStub(Role role) : role_(role) {
  if (sd_bus_open_user(&bus_) < 0) throw std::runtime_error("ShortcutsStub: no session bus");
  static const sd_bus_vtable backend[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("CreateSession", "oosa{sv}", "ua{sv}", &ShortcutsStub::on_create_session, 0),
      SD_BUS_METHOD("BindShortcuts", "ooa(sa{sv})sa{sv}", "ua{sv}", &ShortcutsStub::on_bind, 0),
      SD_BUS_METHOD("ListShortcuts", "oo", "ua{sv}", &ShortcutsStub::on_list, 0),
      SD_BUS_PROPERTY("version", "u", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_SIGNAL("Activated", "osta{sv}", 0),
      SD_BUS_SIGNAL("Deactivated", "osta{sv}", 0),
      SD_BUS_SIGNAL("ShortcutsChanged", "oa(sa{sv})", 0),
      SD_BUS_VTABLE_END,
  };
  static const sd_bus_vtable frontend[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("CreateSession", "a{sv}", "o", &ShortcutsStub::on_create_session, 0),
      SD_BUS_METHOD("BindShortcuts", "oa(sa{sv})sa{sv}", "o", &ShortcutsStub::on_bind, 0),
      SD_BUS_PROPERTY("version", "u", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_SIGNAL("Activated", "osta{sv}", 0),
      SD_BUS_SIGNAL("Deactivated", "osta{sv}", 0),
      SD_BUS_SIGNAL("ShortcutsChanged", "oa(sa{sv})", 0),
      SD_BUS_VTABLE_END,
  };
  static const sd_bus_vtable registry[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("Register", "sa{sv}", "", &ShortcutsStub::on_register, 0),
      SD_BUS_PROPERTY("version", "u", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_VTABLE_END,
  };
  static const sd_bus_vtable session[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("Close", "", "", &ShortcutsStub::on_close, 0),
      SD_BUS_SIGNAL("Closed", "a{sv}", 0),
      SD_BUS_VTABLE_END,
  };
  const bool is_backend = role_ == Role::backend;
  auto add = [&](const char* path, const char* iface, const sd_bus_vtable* v, bool fallback) {
    sd_bus_slot* slot = nullptr;
    const int r = fallback ? sd_bus_add_fallback_vtable(bus_, &slot, path, iface, v, nullptr, this)
                           : sd_bus_add_object_vtable(bus_, &slot, path, iface, v, this);
    if (r < 0)
      throw std::runtime_error(std::string("ShortcutsStub: cannot export ") + iface + ": " + std::strerror(-r));
    slots_.push_back(slot);
  };
  try {
    add(kPath, is_backend ? kImpl : kFrontend, is_backend ? backend : frontend, false);
    add(kSessionPrefix, is_backend ? kImplSession : kFrontendSession, session, true);
    if (!is_backend) add(kPath, kRegistry, registry, false);
    const char* name = is_backend ? kBackendName : "org.freedesktop.portal.Desktop";
    // Owned before the constructor returns: a call made from then on reaches us.
    if (int r = sd_bus_request_name(bus_, name, 0); r < 0) {
      throw std::runtime_error(std::string("ShortcutsStub: cannot own ") + name + ": " + std::strerror(-r));
    }
  } catch (...) {
    for (auto* s : slots_)
      sd_bus_slot_unref(s);
    sd_bus_flush_close_unref(bus_);
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

ShortcutsStub::~ShortcutsStub() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (auto* s : slots_)
    sd_bus_slot_unref(s);
  sd_bus_flush_close_unref(bus_);
}

void ShortcutsStub::run() {
  while (!stop_) {
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(tasks_);
    }
    for (auto& t : tasks)
      t();
    int r = sd_bus_process(bus_, nullptr);
    if (r < 0) break;
    if (r > 0) continue;
    sd_bus_wait(bus_, 20000);
  }
}

void ShortcutsStub::record(Call call) {
  std::lock_guard lock(mutex_);
  calls_.push_back(std::move(call));
}

std::vector<ShortcutsStub::Call> ShortcutsStub::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::optional<ShortcutsStub::Call> ShortcutsStub::wait_for(const std::function<bool(const Call&)>& pred,
                                                           std::chrono::milliseconds timeout, size_t from) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  do {
    {
      std::lock_guard lock(mutex_);
      for (size_t i = from; i < calls_.size(); ++i) {
        if (pred(calls_[i])) return calls_[i];
      }
    }
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < end);
  return std::nullopt;
}

void ShortcutsStub::activate(const std::string& id) {
  std::lock_guard lock(mutex_);
  tasks_.push_back([this, id] {
    const char* iface = role_ == Role::backend ? kImpl : kFrontend;
    const uint64_t ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
    for (const char* member : {"Activated", "Deactivated"}) {
      sd_bus_emit_signal(bus_, kPath, iface, member, "osta{sv}", bound_session_.c_str(), id.c_str(), ms, 0);
    }
  });
}

int ShortcutsStub::on_register(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ShortcutsStub*>(userdata);
  const char* app_id = nullptr;
  if (int r = sd_bus_message_read(m, "s", &app_id); r < 0) return r;
  Call call{"Register", text(sd_bus_message_get_sender(m)), text(app_id), "", {}, ""};
  // As xdg-desktop-portal: once per connection.
  if (std::find(self->registered_.begin(), self->registered_.end(), call.sender) != self->registered_.end()) {
    call.error = "already registered";
    self->record(call);
    return sd_bus_error_set(error, "org.freedesktop.portal.Error.Failed", "Connection already registered");
  }
  self->registered_.push_back(call.sender);
  self->record(call);
  return sd_bus_reply_method_return(m, "");
}

int ShortcutsStub::on_create_session(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto* self = static_cast<ShortcutsStub*>(userdata);
  Call call{"CreateSession", text(sd_bus_message_get_sender(m)), "", "", {}, ""};
  int r = 0;
  if (self->role_ == Role::backend) {
    const char *handle = nullptr, *session = nullptr, *app_id = nullptr;
    if ((r = sd_bus_message_read(m, "oos", &handle, &session, &app_id)) < 0) return r;
    call.session = text(session);
    call.app_id = text(app_id);
    self->record(call);
    return reply_results(m, {});
  }
  std::vector<std::pair<std::string, std::string>> options;
  if ((r = read_strings(m, options)) < 0) return r;
  if (std::find(self->registered_.begin(), self->registered_.end(), call.sender) == self->registered_.end()) {
    call.error = "An app id is required";
    self->record(call);
    return sd_bus_error_set(error, "org.freedesktop.portal.Error.NotAllowed", "An app id is required");
  }
  const std::string sender = path_token(call.sender);
  const std::string handle = std::string(kPath) + "/request/" + sender + "/" + lookup(options, "handle_token");
  call.session = std::string(kSessionPrefix) + "/" + sender + "/" + lookup(options, "session_handle_token");
  self->record(call);
  if ((r = sd_bus_reply_method_return(m, "o", handle.c_str())) < 0) return r;
  return sd_bus_emit_signal(self->bus_, handle.c_str(), "org.freedesktop.portal.Request", "Response", "ua{sv}",
                            uint32_t{0}, 1, "session_handle", "s", call.session.c_str());
}

int ShortcutsStub::on_bind(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ShortcutsStub*>(userdata);
  Call call{"BindShortcuts", text(sd_bus_message_get_sender(m)), "", "", {}, ""};
  const bool is_backend = self->role_ == Role::backend;
  const char* handle = nullptr;
  const char* session = nullptr;
  int r = is_backend ? sd_bus_message_read(m, "oo", &handle, &session) : sd_bus_message_read(m, "o", &session);
  if (r < 0) return r;
  call.session = text(session);
  if ((r = read_shortcuts(m, call.shortcuts)) < 0) return r;
  const char* parent = nullptr;
  if ((r = sd_bus_message_read(m, "s", &parent)) < 0) return r;
  std::vector<std::pair<std::string, std::string>> options;
  if ((r = read_strings(m, options)) < 0) return r;
  self->bound_session_ = call.session;
  self->bound_ = call.shortcuts;
  self->record(call);
  if (is_backend) return reply_results(m, self->bound_);
  const std::string request =
      std::string(kPath) + "/request/" + path_token(call.sender) + "/" + lookup(options, "handle_token");
  if ((r = sd_bus_reply_method_return(m, "o", request.c_str())) < 0) return r;
  sd_bus_message* raw = nullptr;
  r = sd_bus_message_new_signal(self->bus_, &raw, request.c_str(), "org.freedesktop.portal.Request", "Response");
  if (r >= 0) r = sd_bus_message_append(raw, "u", uint32_t{0});
  if (r >= 0) r = append_bound(raw, self->bound_);
  if (r >= 0) r = sd_bus_send(self->bus_, raw, nullptr);
  sd_bus_message_unref(raw);
  return r;
}

int ShortcutsStub::on_list(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return reply_results(m, static_cast<ShortcutsStub*>(userdata)->bound_);
}

int ShortcutsStub::on_close(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<ShortcutsStub*>(userdata);
  self->record({"Close", text(sd_bus_message_get_sender(m)), "", text(sd_bus_message_get_path(m)), {}, ""});
  return sd_bus_reply_method_return(m, "");
}

}  // namespace zc::test
