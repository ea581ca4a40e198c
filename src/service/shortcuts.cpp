#include "service/shortcuts.hpp"

#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "capture/portal/portal_bus.hpp"
#include "core/log.hpp"

namespace zc::service {
namespace {

using capture::portal_bus::for_each_entry;
using capture::portal_bus::kPortalName;
using capture::portal_bus::kPortalPath;
using capture::portal_bus::kRequest;
using capture::portal_bus::kSession;
using capture::portal_bus::read_variant;
using capture::portal_bus::sender_token;

constexpr const char* kGlobalShortcuts = "org.freedesktop.portal.GlobalShortcuts";
constexpr const char* kRegistry = "org.freedesktop.host.portal.Registry";
// What the line about a missing or refusing portal ends with: the same actions without it.
constexpr const char* kCtlInstead = "zerocast ctl save-replay, start, stop, pause, resume and mute do the same";

std::string error_text(const sd_bus_error* e) {
  if (!e) return "";
  if (e->name && e->message) return std::string(e->name) + ": " + e->message;
  return e->name ? e->name : (e->message ? e->message : "");
}

// A string or an object path in a variant ("session_handle" is "s" by the specification's
// mistake; a frontend may send "o").
int read_path_variant(sd_bus_message* m, std::string& out) {
  const char* v = nullptr;
  int r = read_variant(m, "s", &v);
  if (r == 0) r = read_variant(m, "o", &v);
  if (r > 0 && v) out = v;
  return r;
}

// BindShortcuts' "shortcuts" result, a(sa{sv}) in a variant: "save_replay (Ctrl+Alt+R)" each.
int read_bound(sd_bus_message* m, std::vector<std::string>& out) {
  int r = sd_bus_message_enter_container(m, 'v', "a(sa{sv})");
  if (r <= 0) return r;
  if ((r = sd_bus_message_enter_container(m, 'a', "(sa{sv})")) < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) > 0) {
    const char* id = nullptr;
    if ((r = sd_bus_message_read(m, "s", &id)) < 0) return r;
    std::string trigger;
    r = for_each_entry(m, [&](const char* key, sd_bus_message* mm) {
      if (std::strcmp(key, "trigger_description") != 0) return 0;
      const char* t = nullptr;
      const int rr = read_variant(mm, "s", &t);
      if (rr > 0 && t) trigger = t;
      return rr;
    });
    if (r < 0) return r;
    out.push_back(std::string(id ? id : "") + (trigger.empty() ? "" : " (" + trigger + ")"));
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  return 1;
}

int append_token(sd_bus_message* m, const char* key, const std::string& token) {
  return sd_bus_message_append(m, "{sv}", key, "s", token.c_str());
}

}  // namespace

std::vector<ShortcutBinding> shortcut_bindings(const settings::Shortcuts& s) {
  std::vector<ShortcutBinding> out;
  if (!s.enabled) return out;
  auto add = [&](const char* id, std::string description, const std::string& trigger) {
    if (!trigger.empty()) out.push_back({id, std::move(description), trigger});
  };
  add("save_replay",
      s.replay_seconds == 0 ? std::string("Save the replay buffer")
                            : fmt::format("Save the last {} s of the replay buffer", s.replay_seconds),
      s.save_replay);
  add("start_stop", "Start or stop recording", s.start_stop);
  add("pause_resume", "Pause or resume recording", s.pause_resume);
  add("mute_microphone", "Mute or unmute the microphone", s.mute_microphone);
  return out;
}

ShortcutPortal::ShortcutPortal(sd_bus* bus, Activate activate) : calls_(bus), activate_(std::move(activate)) {}

ShortcutPortal::~ShortcutPortal() {
  close_session();
}

void ShortcutPortal::bind(std::vector<ShortcutBinding> bindings) {
  if (bindings == bindings_) return;
  const bool had = !bindings_.empty();
  close_session();
  bindings_ = std::move(bindings);
  if (bindings_.empty()) {
    ++generation_;
    calls_.cancel_calls();
    if (had) zc::log::info("global shortcuts: none configured now; the portal session is closed");
    return;
  }
  if (had) zc::log::info("global shortcuts: the configured shortcuts changed; binding them again");
  start();
}

void ShortcutPortal::start() {
  ++generation_;
  calls_.cancel_calls();  // answers to an older attempt are of no use now
  if (response_match_) calls_.forget(std::exchange(response_match_, 0));
  if (sender_.empty()) {
    const char* unique = nullptr;
    if (sd_bus_get_unique_name(calls_.bus(), &unique) < 0 || !unique) {
      zc::log::warn("global shortcuts: the bus gave no unique name; shortcuts are not bound");
      return;
    }
    sender_ = sender_token(unique);
  }
  if (!watching_) {
    watching_ = true;
    calls_.match(fmt::format("type='signal',sender='{}',path='{}',interface='{}',member='Activated'", kPortalName,
                             kPortalPath, kGlobalShortcuts),
                 [this](sd_bus_message* m) { on_activated(m); });
    calls_.match(fmt::format("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{}'",
                             kPortalName),
                 [this](sd_bus_message* m) { on_owner_changed(m); });
  }
  if (registered_) {
    create_session();
    return;
  }
  // Register comes before any other portal call: the frontend keeps the first app id it sees for
  // a connection.
  const uint64_t gen = generation_;
  const int r = calls_.call(
      kPortalName, kPortalPath, kRegistry, "Register",
      [](sd_bus_message* m) { return sd_bus_message_append(m, "sa{sv}", kAppId, 0); },
      [this, gen](sd_bus_message* reply) {
        if (gen != generation_) return;
        const sd_bus_error* e = sd_bus_message_get_error(reply);
        if (e && is_no_service_error(e)) {
          unavailable(fmt::format("the desktop offers no portal ({} is not on the bus)", kPortalName));
          return;
        }
        if (!e) {
          zc::log::debug("global shortcuts: registered as {} with the portal", kAppId);
        } else if (is_unknown_method_error(e)) {
          // Before 1.20 there is no Registry: the unit's name (app-io.github.zerocast.service) or
          // nothing names the application.
          zc::log::debug("global shortcuts: the portal has no {} ({})", kRegistry, error_text(e));
        } else {
          zc::log::warn("global shortcuts: registering the app id {} failed ({}); going on without it", kAppId,
                        error_text(e));
        }
        registered_ = true;
        create_session();
      });
  if (r < 0) zc::log::warn("global shortcuts: cannot call the portal: {}", std::strerror(-r));
}

void ShortcutPortal::request(const char* member, const std::string& token, const BusCalls::Appender& append,
                             const std::function<void(const sd_bus_error*)>& failed,
                             const std::function<void(uint32_t, sd_bus_message*)>& done) {
  const uint64_t gen = generation_;
  const std::string path = std::string(kPortalPath) + "/request/" + sender_ + "/" + token;
  if (response_match_) calls_.forget(response_match_);
  response_match_ = calls_.match(
      fmt::format("type='signal',sender='{}',path='{}',interface='{}',member='Response'", kPortalName, path, kRequest),
      [this, gen, done](sd_bus_message* m) {
        if (gen != generation_) return;
        calls_.forget(std::exchange(response_match_, 0));
        uint32_t response = 2;
        if (sd_bus_message_read(m, "u", &response) < 0) response = 2;
        done(response, m);
      });
  const int r =
      calls_.call(kPortalName, kPortalPath, kGlobalShortcuts, member, append,
                  [this, gen, path, failed, member](sd_bus_message* reply) {
                    if (gen != generation_) return;
                    if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
                      calls_.forget(std::exchange(response_match_, 0));
                      failed(e);
                      return;
                    }
                    const char* handle = nullptr;
                    if (sd_bus_message_read(reply, "o", &handle) >= 0 && handle && path != handle) {
                      // Only portals older than 0.9 (2018) choose another path.
                      zc::log::warn("global shortcuts: the portal answered {} at {}, not {}", member, handle, path);
                    }
                  });
  if (r < 0) {
    calls_.forget(std::exchange(response_match_, 0));
    zc::log::warn("global shortcuts: cannot call {}: {}", member, std::strerror(-r));
  }
}

void ShortcutPortal::create_session() {
  const std::string token = "zerocast_sc" + std::to_string(++counter_);
  const std::string session_token = "zerocast_scs" + std::to_string(counter_);
  request(
      "CreateSession", token,
      [&](sd_bus_message* m) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0) r = append_token(m, "handle_token", token);
        if (r >= 0) r = append_token(m, "session_handle_token", session_token);
        return r < 0 ? r : sd_bus_message_close_container(m);
      },
      [this](const sd_bus_error* e) {
        if (is_no_service_error(e)) {
          unavailable(fmt::format("the desktop offers no portal ({})", error_text(e)));
        } else if (is_unknown_method_error(e)) {
          unavailable("the desktop offers no GlobalShortcuts portal");
        } else {
          // xdg-desktop-portal 1.21+ answers NotAllowed "An app id is required" to a host
          // application it cannot name.
          unavailable(
              fmt::format("the portal refused a shortcuts session ({}; it knows the daemon as {} through "
                          "its Registry or the unit app-{}.service)",
                          error_text(e), kAppId, kAppId));
        }
      },
      [this](uint32_t response, sd_bus_message* m) {
        if (response != 0) {
          unavailable(fmt::format("the desktop refused a shortcuts session (response {})", response));
          return;
        }
        std::string handle;
        (void)for_each_entry(m, [&](const char* key, sd_bus_message* mm) {
          return std::strcmp(key, "session_handle") == 0 ? read_path_variant(mm, handle) : 0;
        });
        if (handle.empty()) {
          unavailable("the portal answered CreateSession without a session handle");
          return;
        }
        session_ = handle;
        zc::log::debug("global shortcuts: session {}", session_);
        bind_shortcuts();
      });
}

void ShortcutPortal::bind_shortcuts() {
  const std::string token = "zerocast_sc" + std::to_string(++counter_);
  request(
      "BindShortcuts", token,
      [&](sd_bus_message* m) {
        int r = sd_bus_message_append(m, "o", session_.c_str());
        if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sa{sv})");
        for (const auto& b : bindings_) {
          if (r >= 0) r = sd_bus_message_open_container(m, 'r', "sa{sv}");
          if (r >= 0) r = sd_bus_message_append(m, "s", b.id.c_str());
          if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
          if (r >= 0) r = sd_bus_message_append(m, "{sv}", "description", "s", b.description.c_str());
          if (r >= 0) r = sd_bus_message_append(m, "{sv}", "preferred_trigger", "s", b.trigger.c_str());
          if (r >= 0) r = sd_bus_message_close_container(m);
          if (r >= 0) r = sd_bus_message_close_container(m);
        }
        if (r >= 0) r = sd_bus_message_close_container(m);
        if (r >= 0) r = sd_bus_message_append(m, "s", "");  // no parent window: a daemon has none
        if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0) r = append_token(m, "handle_token", token);
        return r < 0 ? r : sd_bus_message_close_container(m);
      },
      [this](const sd_bus_error* e) {
        unavailable(fmt::format("the portal refused BindShortcuts ({})", error_text(e)));
      },
      [this](uint32_t response, sd_bus_message* m) {
        if (response != 0) {
          unavailable(fmt::format("the desktop did not bind the shortcuts (response {})", response));
          return;
        }
        std::vector<std::string> bound;
        (void)for_each_entry(m, [&](const char* key, sd_bus_message* mm) {
          return std::strcmp(key, "shortcuts") == 0 ? read_bound(mm, bound) : 0;
        });
        std::string list;
        for (const auto& b : bound)
          list += (list.empty() ? "" : ", ") + b;
        zc::log::info("global shortcuts: the desktop bound {} of {}: {}", bound.size(), bindings_.size(),
                      list.empty() ? "none" : list);
      });
}

void ShortcutPortal::close_session() {
  if (session_.empty()) return;
  // The reply says nothing we would act on; a portal that is gone has closed it anyway.
  (void)calls_.call(kPortalName, std::exchange(session_, "").c_str(), kSession, "Close", nullptr,
                    [](sd_bus_message* reply) {
                      if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
                        zc::log::debug("global shortcuts: closing the session: {}", error_text(e));
                      }
                    });
}

void ShortcutPortal::unavailable(const std::string& why) {
  zc::log::info("global shortcuts: {}; {}", why, kCtlInstead);
}

void ShortcutPortal::on_activated(sd_bus_message* m) {
  const char* session = nullptr;
  const char* id = nullptr;
  if (sd_bus_message_read(m, "os", &session, &id) < 0 || !session || !id) return;
  if (session_.empty() || session_ != session) return;  // another application's, or an old session's
  zc::log::info("global shortcuts: {} pressed", id);
  if (activate_) activate_(id);
}

void ShortcutPortal::on_owner_changed(sd_bus_message* m) {
  const char* name = nullptr;
  const char* old_owner = nullptr;
  const char* new_owner = nullptr;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !name ||
      std::strcmp(name, kPortalName) != 0) {
    return;
  }
  if (new_owner && *new_owner) {
    // The portal came back (it had left, or was replaced): its sessions and registrations died
    // with the old one. A first start by activation (no old owner, nothing held) needs nothing.
    if (!(old_owner && *old_owner) && !lost_) return;
    lost_ = false;
    if (bindings_.empty()) return;
    zc::log::info("global shortcuts: the portal restarted; binding the shortcuts again");
    session_.clear();
    registered_ = false;
    start();
    return;
  }
  if (!session_.empty() || registered_) {
    zc::log::info("global shortcuts: the portal left the bus; the shortcuts come back with it");
    lost_ = true;
  }
  session_.clear();
  registered_ = false;
}

}  // namespace zc::service
