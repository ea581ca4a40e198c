#include "fake_portal.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

namespace zc::test {
namespace {

constexpr const char* kName = "org.freedesktop.portal.Desktop";
constexpr const char* kPath = "/org/freedesktop/portal/desktop";

// The options a{sv} at the read position, as strings and numbers (what the portal reads).
struct Options {
  std::map<std::string, std::string> strings;
  std::map<std::string, uint32_t> numbers;
};

int read_options(sd_bus_message* m, Options& out) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
    const char* contents = nullptr;
    if ((r = sd_bus_message_peek_type(m, nullptr, &contents)) < 0) return r;
    if (std::strcmp(contents, "s") == 0) {
      const char* v = nullptr;
      if ((r = sd_bus_message_read(m, "v", "s", &v)) < 0) return r;
      out.strings[key] = v;
    } else if (std::strcmp(contents, "u") == 0) {
      uint32_t v = 0;
      if ((r = sd_bus_message_read(m, "v", "u", &v)) < 0) return r;
      out.numbers[key] = v;
    } else if (std::strcmp(contents, "b") == 0) {
      int v = 0;
      if ((r = sd_bus_message_read(m, "v", "b", &v)) < 0) return r;
      out.numbers[key] = static_cast<uint32_t>(v);
    } else if ((r = sd_bus_message_skip(m, "v")) < 0) {
      return r;
    }
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

std::string sender_part(sd_bus_message* m) {
  std::string s = sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) + 1 : "";
  for (char& c : s) {
    if (c == '.') c = '_';
  }
  return s;
}

}  // namespace

FakePortal::FakePortal(Behaviour behaviour, std::string pipewire_socket)
    : b_(std::move(behaviour)), socket_(std::move(pipewire_socket)) {
  if (sd_bus_open_user(&bus_) < 0) throw std::runtime_error("fake portal: no session bus");
  static const sd_bus_vtable screencast[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD("CreateSession", "a{sv}", "o", &FakePortal::create_session, 0),
      SD_BUS_METHOD("SelectSources", "oa{sv}", "o", &FakePortal::select_sources, 0),
      SD_BUS_METHOD("Start", "osa{sv}", "o", &FakePortal::start, 0),
      SD_BUS_METHOD("OpenPipeWireRemote", "oa{sv}", "h", &FakePortal::open_remote, 0),
      SD_BUS_PROPERTY("version", "u", &FakePortal::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_PROPERTY("AvailableCursorModes", "u", &FakePortal::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_PROPERTY("AvailableSourceTypes", "u", &FakePortal::get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_VTABLE_END};
  static const sd_bus_vtable session[] = {SD_BUS_VTABLE_START(0), SD_BUS_METHOD("Close", "", "", &FakePortal::close, 0),
                                          SD_BUS_VTABLE_END};
  sd_bus_slot* slot = nullptr;
  if (b_.screencast) {
    if (sd_bus_add_object_vtable(bus_, &slot, kPath, "org.freedesktop.portal.ScreenCast", screencast, this) < 0) {
      throw std::runtime_error("fake portal: cannot export ScreenCast");
    }
    slots_.push_back(slot);
    if (sd_bus_add_fallback_vtable(bus_, &slot, "/org/freedesktop/portal/desktop/session",
                                   "org.freedesktop.portal.Session", session, nullptr, this) < 0) {
      throw std::runtime_error("fake portal: cannot export Session");
    }
    slots_.push_back(slot);
  }
  if (sd_bus_request_name(bus_, kName, 0) < 0) throw std::runtime_error("fake portal: cannot own the portal's name");
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

FakePortal::~FakePortal() {
  {
    std::lock_guard lock(mutex_);
    close_requested_ = false;
  }
  const uint64_t stop = 1ULL << 32;  // large: tells run() to leave
  (void)!::write(wake_, &stop, sizeof stop);
  thread_.join();
  for (auto* s : slots_)
    sd_bus_slot_unref(s);
  sd_bus_flush_close_unref(bus_);
  ::close(wake_);
}

FakePortal::Seen FakePortal::seen() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void FakePortal::close_sessions() {
  {
    std::lock_guard lock(mutex_);
    close_requested_ = true;
  }
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void FakePortal::run() {
  while (true) {
    while (sd_bus_process(bus_, nullptr) > 0) {
    }
    pollfd fds[2] = {{sd_bus_get_fd(bus_), static_cast<short>(sd_bus_get_events(bus_)), 0}, {wake_, POLLIN, 0}};
    ::poll(fds, 2, 100);
    if (fds[1].revents & POLLIN) {
      uint64_t v = 0;
      (void)!::read(wake_, &v, sizeof v);
      if (v >= (1ULL << 32)) return;
      std::set<std::string> sessions;
      std::vector<std::string> held;
      {
        std::lock_guard lock(mutex_);
        if (close_requested_) sessions.swap(sessions_);
        close_requested_ = false;
        if (release_held_) held.swap(held_starts_);
        release_held_ = false;
      }
      for (const auto& s : sessions)
        sd_bus_emit_signal(bus_, s.c_str(), "org.freedesktop.portal.Session", "Closed", "a{sv}", 0);
      for (const auto& request : held)
        respond_start(request);
      sd_bus_flush(bus_);
    }
  }
}

std::string FakePortal::request_path(sd_bus_message* m, const std::string& token) const {
  return std::string(kPath) + "/request/" + sender_part(m) + "/" + token;
}

void FakePortal::respond(const std::string& request, uint32_t code) {
  sd_bus_emit_signal(bus_, request.c_str(), "org.freedesktop.portal.Request", "Response", "ua{sv}", code, 0);
}

int FakePortal::get_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply, void* data,
                             sd_bus_error*) {
  auto* self = static_cast<FakePortal*>(data);
  uint32_t v = self->b_.version;
  if (std::strcmp(property, "AvailableCursorModes") == 0) v = self->b_.cursor_modes;
  if (std::strcmp(property, "AvailableSourceTypes") == 0) v = self->b_.source_types;
  return sd_bus_message_append(reply, "u", v);
}

int FakePortal::create_session(sd_bus_message* m, void* data, sd_bus_error*) {
  auto* self = static_cast<FakePortal*>(data);
  Options o;
  if (int r = read_options(m, o); r < 0) return r;
  const std::string request = self->request_path(m, o.strings["handle_token"]);
  const std::string session =
      std::string(kPath) + "/session/" + sender_part(m) + "/" + o.strings["session_handle_token"];
  {
    std::lock_guard lock(self->mutex_);
    ++self->seen_.create_session;
    self->sessions_.insert(session);
  }
  int r = sd_bus_reply_method_return(m, "o", request.c_str());
  if (r < 0) return r;
  return sd_bus_emit_signal(self->bus_, request.c_str(), "org.freedesktop.portal.Request", "Response", "ua{sv}", 0, 1,
                            "session_handle", "s", session.c_str());
}

int FakePortal::select_sources(sd_bus_message* m, void* data, sd_bus_error*) {
  auto* self = static_cast<FakePortal*>(data);
  const char* session = nullptr;
  if (int r = sd_bus_message_read(m, "o", &session); r < 0) return r;
  Options o;
  if (int r = read_options(m, o); r < 0) return r;
  std::optional<std::string> token;
  if (o.strings.count("restore_token")) token = o.strings["restore_token"];
  {
    std::lock_guard lock(self->mutex_);
    ++self->seen_.select_sources;
    self->seen_.tokens.push_back(token);
    self->seen_.cursor_modes.push_back(o.numbers.count("cursor_mode") ? std::optional(o.numbers["cursor_mode"])
                                                                      : std::nullopt);
    self->seen_.persist_modes.push_back(o.numbers.count("persist_mode") ? std::optional(o.numbers["persist_mode"])
                                                                        : std::nullopt);
    self->seen_.types.push_back(o.numbers["types"]);
  }
  if (token && self->b_.rejected_tokens.count(*token)) {
    return sd_bus_reply_method_errorf(m, "org.freedesktop.portal.Error.InvalidArgument",
                                      "Restore token %s is not valid", token->c_str());
  }
  const std::string request = self->request_path(m, o.strings["handle_token"]);
  if (int r = sd_bus_reply_method_return(m, "o", request.c_str()); r < 0) return r;
  const bool refused = token && self->b_.refused_tokens.count(*token);
  self->respond(request, refused ? 2 : self->b_.select_response);
  return 1;
}

int FakePortal::start(sd_bus_message* m, void* data, sd_bus_error*) {
  auto* self = static_cast<FakePortal*>(data);
  const char* session = nullptr;
  const char* parent = nullptr;
  if (int r = sd_bus_message_read(m, "os", &session, &parent); r < 0) return r;
  Options o;
  if (int r = read_options(m, o); r < 0) return r;
  {
    std::lock_guard lock(self->mutex_);
    ++self->seen_.start;
  }
  const std::string request = self->request_path(m, o.strings["handle_token"]);
  if (int r = sd_bus_reply_method_return(m, "o", request.c_str()); r < 0) return r;
  if (self->b_.never_answer_start) return 1;
  if (self->b_.close_instead_of_start) {
    {
      std::lock_guard lock(self->mutex_);
      self->sessions_.erase(session);
    }
    return sd_bus_emit_signal(self->bus_, session, "org.freedesktop.portal.Session", "Closed", "a{sv}", 0);
  }
  if (self->b_.start_response != 0) {
    self->respond(request, self->b_.start_response);
    return 1;
  }
  {
    std::lock_guard lock(self->mutex_);
    if (self->hold_starts_) {
      self->held_starts_.push_back(request);
      return 1;
    }
  }
  self->respond_start(request);
  return 1;
}

void FakePortal::set_node_id(uint32_t id) {
  {
    std::lock_guard lock(mutex_);
    b_.node_id = id;
    release_held_ = hold_starts_;
    hold_starts_ = false;
  }
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void FakePortal::hold_starts() {
  std::lock_guard lock(mutex_);
  hold_starts_ = true;
}

void FakePortal::respond_start(const std::string& request) {
  const std::string token = "fake-token-" + std::to_string(++token_counter_);
  uint32_t node_id = 0;
  {
    std::lock_guard lock(mutex_);
    seen_.tokens_given.push_back(token);
    node_id = b_.node_id;
  }
  sd_bus_message* m = nullptr;
  sd_bus_message_new_signal(bus_, &m, request.c_str(), "org.freedesktop.portal.Request", "Response");
  const int w = static_cast<int>(b_.width), h = static_cast<int>(b_.height);
  int r = sd_bus_message_append(m, "u", 0U);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "streams");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(ua{sv})");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(ua{sv})");
  if (r >= 0) r = sd_bus_message_open_container(m, 'r', "ua{sv}");
  if (r >= 0) r = sd_bus_message_append(m, "u", node_id);
  if (r >= 0) {
    r = sd_bus_message_append(m, "a{sv}", 4, "position", "(ii)", 10, 20, "size", "(ii)", w, h, "source_type", "u", 1U,
                              "id", "s", "stream-0");
  }
  for (int i = 0; i < 4 && r >= 0; ++i)
    r = sd_bus_message_close_container(m);  // r, a, v, e
  if (r >= 0) r = sd_bus_message_append(m, "{sv}", "restore_token", "s", token.c_str());
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) sd_bus_send(bus_, m, nullptr);
  if (r < 0) std::fprintf(stderr, "fake portal: cannot build Start's answer: %s\n", std::strerror(-r));
  sd_bus_message_unref(m);
}

int FakePortal::open_remote(sd_bus_message* m, void* data, sd_bus_error* error) {
  auto* self = static_cast<FakePortal*>(data);
  {
    std::lock_guard lock(self->mutex_);
    ++self->seen_.open_remote;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", self->socket_.c_str());
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return sd_bus_error_set_errno(error, EIO);
  }
  const int r = sd_bus_reply_method_return(m, "h", fd);  // sd-bus sends a duplicate
  ::close(fd);
  return r;
}

int FakePortal::close(sd_bus_message* m, void* data, sd_bus_error*) {
  auto* self = static_cast<FakePortal*>(data);
  {
    std::lock_guard lock(self->mutex_);
    ++self->seen_.close;
    self->sessions_.erase(sd_bus_message_get_path(m));
  }
  return sd_bus_reply_method_return(m, "");
}

}  // namespace zc::test
