// The ScreenCast handshake: every request's answer arrives as a Response signal on a Request
// object whose path is known in advance (sender + handle_token), so the match is in place before
// the call goes out.
#include "capture/portal/portal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "capture/graph/source.hpp"
#include "core/log.hpp"

namespace zc::capture {

using namespace portal_bus;

namespace {

constexpr uint32_t kCursorHidden = 1;
constexpr uint32_t kCursorEmbedded = 2;
constexpr uint32_t kCursorMetadata = 4;

struct Response {
  bool done = false;
  uint32_t code = 2;
  MessagePtr message;  // read position just after the code: the results a{sv} come next
};

int on_response(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* r = static_cast<Response*>(userdata);
  if (r->done) return 0;
  uint32_t code = 2;
  if (sd_bus_message_read(m, "u", &code) < 0) code = 2;
  r->code = code;
  r->message.reset(sd_bus_message_ref(m));
  r->done = true;
  return 0;
}

// Appends {"key", <value>} to an open a{sv}.
int append_u(sd_bus_message* m, const char* key, uint32_t v) {
  return sd_bus_message_append(m, "{sv}", key, "u", v);
}
int append_s(sd_bus_message* m, const char* key, const std::string& v) {
  return sd_bus_message_append(m, "{sv}", key, "s", v.c_str());
}
int append_b(sd_bus_message* m, const char* key, bool v) {
  return sd_bus_message_append(m, "{sv}", key, "b", static_cast<int>(v));
}

bool portal_missing(const CallError& e) {
  return e.name == "org.freedesktop.DBus.Error.ServiceUnknown" || e.name == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

bool interface_missing(const CallError& e) {
  return e.name == "org.freedesktop.DBus.Error.UnknownInterface" ||
         e.name == "org.freedesktop.DBus.Error.UnknownProperty" || e.name == "org.freedesktop.DBus.Error.InvalidArgs" ||
         e.name == "org.freedesktop.DBus.Error.UnknownMethod" || e.name == "org.freedesktop.DBus.Error.UnknownObject";
}

}  // namespace

// One attempt at the whole handshake on a fresh portal session.
class PortalHandshake {
 public:
  PortalHandshake(PortalSession& s, const PortalOptions& o, std::string sender)
      : s_(s), o_(o), sender_(std::move(sender)) {}

  Result<uint32_t> property(const char* name) {
    auto reply = call(
        s_.bus_.get(), kPortalPath, "org.freedesktop.DBus.Properties", "Get",
        [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kScreenCast, name); }, o_.call_timeout);
    if (!reply) {
      const auto& e = reply.error();
      if (portal_missing(e)) {
        return fail(Errc::not_found, "portal",
                    "no desktop portal on the session bus (" + std::string(kPortalName) +
                        " is not running and cannot be activated): install xdg-desktop-portal and the backend for "
                        "your desktop (xdg-desktop-portal-wlr, -gnome, -kde) [" +
                        e.message + "]");
      }
      if (interface_missing(e)) {
        return fail(Errc::unsupported, "portal",
                    "the desktop portal offers no ScreenCast interface (no backend for this desktop? "
                    "XDG_CURRENT_DESKTOP decides which one is used) [" +
                        e.message + "]");
      }
      if (e.r == -ENOENT || e.r == -ECONNREFUSED) {
        return fail(Errc::not_found, "portal", "no D-Bus session bus to reach the portal: " + e.message);
      }
      return fail(Errc::io, "portal", std::string("cannot read the portal's ") + name + ": " + e.message);
    }
    uint32_t value = 0;
    if (read_variant(reply->get(), "u", &value) <= 0) {
      return fail(Errc::unsupported, "portal", std::string("the portal's ") + name + " is not a number");
    }
    return value;
  }

  static Result<std::unique_ptr<PortalSession>> run(const PortalOptions& o, const std::string& token,
                                                    bool* token_rejected);

  // Sends `member`: `args` appends the arguments before the options, `options` the entries of
  // the options besides handle_token. Waits for its Response: the results on 0, Errc::cancelled
  // for 1, Errc::rejected for anything else or a method error.
  Result<MessagePtr> request(const char* member, const std::function<int(sd_bus_message*)>& args,
                             const std::function<int(sd_bus_message*)>& options) {
    const std::string token = "zerocast" + std::to_string(::getpid()) + "_" + std::to_string(++counter_);
    const std::string path = std::string(kPortalPath) + "/request/" + sender_ + "/" + token;
    Response response;
    sd_bus_slot* raw = nullptr;
    int r = sd_bus_match_signal(s_.bus_.get(), &raw, kPortalName, path.c_str(), kRequest, "Response", on_response,
                                &response);
    if (r < 0)
      return fail(Errc::io, "portal",
                  std::string("cannot watch for the answer to ") + member + ": " + std::strerror(-r));
    SlotPtr slot(raw);
    auto reply = call(
        s_.bus_.get(), kPortalPath, kScreenCast, member,
        [&](sd_bus_message* m) {
          int rr = args ? args(m) : 0;
          if (rr < 0) return rr;
          if ((rr = sd_bus_message_open_container(m, 'a', "{sv}")) < 0) return rr;
          if ((rr = append_s(m, "handle_token", token)) < 0) return rr;
          if (options && (rr = options(m)) < 0) return rr;
          return sd_bus_message_close_container(m);
        },
        o_.call_timeout);
    if (!reply) {
      if (portal_missing(reply.error())) {
        return fail(Errc::not_found, "portal", std::string("the portal left the bus before ") + member);
      }
      return fail(Errc::rejected, "portal", std::string("the portal refused ") + member + ": " + reply.error().message);
    }
    const char* handle = nullptr;
    if (sd_bus_message_read(reply->get(), "o", &handle) >= 0 && handle && path != handle) {
      // Portals before 0.9 did not use the predictable path: listen where it says (a Response
      // sent in between would be lost, which those versions accepted too).
      r = sd_bus_match_signal(s_.bus_.get(), &raw, kPortalName, handle, kRequest, "Response", on_response, &response);
      if (r >= 0) slot.reset(raw);
    }
    auto waited = wait_until(
        s_.bus_.get(), [&] { return response.done || s_.closed_reason().has_value(); }, o_.response_timeout,
        o_.interrupted, member);
    if (!waited) return tl::unexpected(waited.error());
    if (!response.done) {
      return fail(Errc::cancelled, "portal",
                  s_.closed_reason().value_or("the session was closed") + " (during " + member + ")");
    }
    if (response.code == 1) {
      return fail(Errc::cancelled, "portal",
                  std::string("the screen cast request was cancelled (") + member +
                      " answered 1: the user dismissed the dialog, or no source was chosen)");
    }
    if (response.code != 0) {
      return fail(Errc::rejected, "portal",
                  std::string("the portal refused the screen cast (") + member + " answered " +
                      std::to_string(response.code) + ": permission denied, or the backend failed; its log says why)");
    }
    return std::move(response.message);
  }

  Result<void> create_session() {
    const std::string token = "zerocast" + std::to_string(::getpid()) + "_s" + std::to_string(++counter_);
    // Watch the session before it exists: a Closed right after creation must not be missed.
    if (auto ok = s_.watch(std::string(kPortalPath) + "/session/" + sender_ + "/" + token); !ok) return ok;
    auto m = request("CreateSession", nullptr,
                     [&](sd_bus_message* msg) { return append_s(msg, "session_handle_token", token); });
    if (!m) return tl::unexpected(m.error());
    std::string handle;
    const int r = for_each_entry(m->get(), [&](const char* key, sd_bus_message* msg) {
      if (std::strcmp(key, "session_handle") != 0) return 0;
      const char* v = nullptr;
      int rr = read_variant(msg, "s", &v);
      if (rr == 0) rr = read_variant(msg, "o", &v);
      if (rr > 0 && v) handle = v;
      return rr;
    });
    if (r < 0 || handle.empty())
      return fail(Errc::rejected, "portal", "CreateSession answered without a session handle");
    if (handle != std::string(kPortalPath) + "/session/" + sender_ + "/" + token) {
      if (auto ok = s_.watch(handle); !ok) return ok;
    }
    s_.session_handle_ = handle;
    return {};
  }

  Result<void> select_sources(uint32_t cursor_mode, const std::string& token, bool* token_rejected) {
    auto m = request(
        "SelectSources",
        [&](sd_bus_message* msg) { return sd_bus_message_append(msg, "o", s_.session_handle_.c_str()); },
        [&](sd_bus_message* msg) {
          int r = append_u(msg, "types", o_.source_types);
          if (r >= 0) r = append_b(msg, "multiple", o_.multiple);
          if (r >= 0 && cursor_mode) r = append_u(msg, "cursor_mode", cursor_mode);
          if (r >= 0 && o_.persist && s_.version_ >= 4) r = append_u(msg, "persist_mode", 2);
          if (r >= 0 && !token.empty()) r = append_s(msg, "restore_token", token);
          return r;
        });
    // A method error or response 2 may be the token's fault (xdg-desktop-portal refuses one
    // that is not a UUID); a cancel (1) is the user's answer and stands.
    if (!m && !token.empty() && m.error().code == Errc::rejected) *token_rejected = true;
    if (!m) return tl::unexpected(m.error());
    return {};
  }

  Result<void> start(const std::string& token, bool* token_rejected) {
    auto m = request(
        "Start", [&](sd_bus_message* msg) { return sd_bus_message_append(msg, "os", s_.session_handle_.c_str(), ""); },
        nullptr);
    if (!m) {
      if (!token.empty() && m.error().code == Errc::rejected) *token_rejected = true;
      return tl::unexpected(m.error());
    }
    const int r = for_each_entry(m->get(), [&](const char* key, sd_bus_message* msg) {
      if (std::strcmp(key, "restore_token") == 0) {
        const char* v = nullptr;
        const int rr = read_variant(msg, "s", &v);
        if (rr > 0 && v) s_.restore_token_ = v;
        return rr;
      }
      if (std::strcmp(key, "streams") == 0) return read_streams(msg);
      return 0;
    });
    if (r < 0) return fail(Errc::rejected, "portal", std::string("cannot read Start's answer: ") + std::strerror(-r));
    if (s_.streams_.empty()) return fail(Errc::rejected, "portal", "Start answered without any stream");
    return {};
  }

  // Each call hands out a new connection to PipeWire that sees only the session's nodes.
  Result<UniqueFd> open_remote() {
    auto reply = call(
        s_.bus_.get(), kPortalPath, kScreenCast, "OpenPipeWireRemote",
        [&](sd_bus_message* m) {
          int r = sd_bus_message_append(m, "o", s_.session_handle_.c_str());
          if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
          if (r >= 0) r = sd_bus_message_close_container(m);
          return r;
        },
        o_.call_timeout);
    // The portal connects to PipeWire for us: when it cannot, PipeWire is down or restarting, so
    // this is a PipeWire error (the daemon retries those) rather than a refusal.
    if (!reply) {
      return fail(Errc::pipewire, "portal",
                  "OpenPipeWireRemote failed (is PipeWire running?): " + reply.error().message);
    }
    int fd = -1;
    if (sd_bus_message_read(reply->get(), "h", &fd) < 0 || fd < 0) {
      return fail(Errc::rejected, "portal", "OpenPipeWireRemote answered without a file descriptor");
    }
    // The message owns its fd.
    UniqueFd owned(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (owned.get() < 0)
      return fail(Errc::io, "portal", std::string("cannot keep the PipeWire fd: ") + std::strerror(errno));
    return owned;
  }

 private:
  int read_streams(sd_bus_message* m) {
    int r = sd_bus_message_enter_container(m, 'v', "a(ua{sv})");
    if (r < 0) return r;
    if ((r = sd_bus_message_enter_container(m, 'a', "(ua{sv})")) < 0) return r;
    while ((r = sd_bus_message_enter_container(m, 'r', "ua{sv}")) > 0) {
      PortalStream s;
      if ((r = sd_bus_message_read(m, "u", &s.node_id)) < 0) return r;
      r = for_each_entry(m, [&](const char* key, sd_bus_message* msg) {
        if (std::strcmp(key, "position") == 0) return read_variant(msg, "(ii)", &s.x, &s.y);
        if (std::strcmp(key, "source_type") == 0) return read_variant(msg, "u", &s.source_type);
        if (std::strcmp(key, "size") == 0) {
          int32_t w = 0, h = 0;
          const int rr = read_variant(msg, "(ii)", &w, &h);
          s.width = w > 0 ? static_cast<uint32_t>(w) : 0;
          s.height = h > 0 ? static_cast<uint32_t>(h) : 0;
          return rr;
        }
        if (std::strcmp(key, "id") == 0) {
          const char* v = nullptr;
          const int rr = read_variant(msg, "s", &v);
          if (rr > 0 && v) s.id = v;
          return rr;
        }
        return 0;
      });
      if (r < 0) return r;
      if ((r = sd_bus_message_exit_container(m)) < 0) return r;
      s_.streams_.push_back(s);
    }
    if (r < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    return 1;
  }

  PortalSession& s_;
  const PortalOptions& o_;
  std::string sender_;
  unsigned counter_ = 0;
};

namespace {

uint32_t choose_cursor_mode(uint32_t available, bool draw) {
  // Only a mode the portal offers: xdg-desktop-portal-wlr 0.7 offers hidden|embedded and cancels a
  // request for another. Drawn, the compositor's own pointer (PortalOptions::draw_cursor says why
  // not metadata first); left out, hidden, or metadata that is then not drawn.
  const std::array<uint32_t, 3> order = draw ? std::array{kCursorEmbedded, kCursorMetadata, kCursorHidden}
                                             : std::array{kCursorHidden, kCursorMetadata, kCursorEmbedded};
  for (const uint32_t mode : order) {
    if (available & mode) return mode;
  }
  return 0;
}

Result<BusPtr> connect_session_bus() {
  sd_bus* raw = nullptr;
  const int r = sd_bus_open_user_with_description(&raw, "zerocast-portal");
  BusPtr bus(raw);
  if (r < 0) {
    return fail(Errc::not_found, "portal",
                std::string("cannot connect to the D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS, else "
                            "$XDG_RUNTIME_DIR/bus): ") +
                    std::strerror(-r));
  }
  return bus;
}

}  // namespace

Result<std::unique_ptr<PortalSession>> PortalHandshake::run(const PortalOptions& o, const std::string& token,
                                                            bool* token_rejected) {
  auto bus = connect_session_bus();
  if (!bus) return tl::unexpected(bus.error());
  std::unique_ptr<PortalSession> s(new PortalSession());
  s->bus_ = std::move(*bus);
  s->requested_types_ = o.source_types;
  const char* unique = nullptr;
  if (const int r = sd_bus_get_unique_name(s->bus_.get(), &unique); r < 0) {
    return fail(Errc::not_found, "portal",
                std::string("the D-Bus session bus did not accept us: ") + std::strerror(-r));
  }
  PortalHandshake h(*s, o, sender_token(unique));

  auto version = h.property("version");
  if (!version) return tl::unexpected(version.error());
  s->version_ = *version;
  auto types = h.property("AvailableSourceTypes");
  if (!types) return tl::unexpected(types.error());
  if ((o.source_types & *types) != o.source_types || o.source_types == 0) {
    return fail(Errc::unsupported, "portal",
                "the portal cannot cast " + describe_source_types(o.source_types) + " (it offers " +
                    describe_source_types(*types) + ")");
  }
  auto cursors = h.property("AvailableCursorModes");
  if (!cursors) return tl::unexpected(cursors.error());
  s->cursor_mode_ = choose_cursor_mode(*cursors, o.draw_cursor);
  if (s->version_ < 4 && o.persist) {
    zc::log::warn("portal: ScreenCast version {} cannot restore a selection (needs 4): asking every time", s->version_);
  }

  if (auto ok = h.create_session(); !ok) return tl::unexpected(ok.error());
  const std::string sent = s->version_ >= 4 && o.persist ? token : std::string();
  s->token_sent_ = !sent.empty();
  if (auto ok = h.select_sources(s->cursor_mode_, sent, token_rejected); !ok) return tl::unexpected(ok.error());
  if (auto ok = h.start(sent, token_rejected); !ok) return tl::unexpected(ok.error());

  // The node id is all the portal says; the capture connects by object serial, which only the
  // portal's own remote can show (it sees nothing else).
  auto listing_fd = h.open_remote();
  if (!listing_fd) return tl::unexpected(listing_fd.error());
  auto nodes = list_nodes(o.call_timeout, std::move(*listing_fd));
  if (!nodes) return tl::unexpected(nodes.error());
  for (auto& stream : s->streams_) {
    for (const auto& n : *nodes) {
      if (n.id == stream.node_id) stream.serial = n.serial;
    }
    if (stream.serial == 0) {
      return fail(
          Errc::not_found, "portal",
          "the portal's node " + std::to_string(stream.node_id) + " is not visible through its PipeWire remote");
    }
  }
  auto fd = h.open_remote();
  if (!fd) return tl::unexpected(fd.error());
  s->fd_ = std::move(*fd);
  if (auto ok = s->start_thread(); !ok) return tl::unexpected(ok.error());
  return s;
}

Result<std::unique_ptr<PortalSession>> open_portal_session(const PortalOptions& options) {
  std::string path = options.token_path;
  std::optional<std::string> stored;
  if (options.persist) {
    if (path.empty()) {
      auto p = default_token_path(options.state_dir, options.source_types);
      if (!p) return tl::unexpected(p.error());
      path = *p;
    }
    auto t = read_token(path);
    if (t) {
      stored = *t;
    } else {
      zc::log::warn("portal: {}; asking without it", t.error().message);
    }
  }

  bool token_rejected = false;
  auto session = PortalHandshake::run(options, stored.value_or(""), &token_rejected);
  if (!session && token_rejected) {
    // Kept on disk until a new one replaces it: the retry shows whether the token was at fault.
    zc::log::warn("portal: the request with the stored restore token failed ({}); asking once more without it",
                  session.error().message);
    token_rejected = false;
    session = PortalHandshake::run(options, "", &token_rejected);
    if (session) (*session)->token_retried_ = true;
  }
  if (!session) return session;

  PortalSession& s = **session;
  if (options.persist && !path.empty() && !s.restore_token().empty()) {
    if (auto ok = write_token(path, s.restore_token()); !ok) {
      zc::log::warn("portal: the restore token was not stored, the next run will ask again: {}", ok.error().message);
    }
  }
  for (size_t i = 0; i < s.streams().size(); ++i) {
    const auto& st = s.streams()[i];
    zc::log::info(
        "portal: casting {} node {} (serial {}) {}x{} at {},{}; cursor mode {}; {}", s.kind(i), st.node_id, st.serial,
        st.width, st.height, st.x, st.y, s.cursor_mode(),
        s.token_sent() ? "stored restore token sent" : (options.persist ? "no restore token sent" : "not persisted"));
  }
  return session;
}

}  // namespace zc::capture
