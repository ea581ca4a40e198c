#pragma once
// Global shortcuts through the desktop's GlobalShortcuts portal (org.freedesktop.portal.GlobalShortcuts:
// KDE Plasma, GNOME 48+, Hyprland). On Wayland an application cannot grab keys; the portal binds
// the daemon's actions to keys the desktop manages, suggesting the configured trigger and keeping
// the user's own choice, and tells the daemon when one is pressed (Activated).
//
// Everything is asynchronous on the daemon's connection and loop thread: the daemon is ready (and
// answers its callers) before the portal has said anything, and a portal that never answers costs
// nothing but the pending slots. The steps: Registry.Register(app id) where the frontend has
// org.freedesktop.host.portal.Registry (1.20+: 1.21+ refuses a shortcuts session to a host
// application without an app id; before 1.20 the unit's name carries it), CreateSession, then
// BindShortcuts; the session is kept while the daemon runs. Without a portal, without the
// interface, or when the desktop refuses, one line says so and `zerocast ctl` remains the way.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "service/bus_calls.hpp"
#include "settings/settings.hpp"

namespace zc::service {

// The daemon's application id: the basename of its .desktop file (data/io.github.zerocast.desktop)
// and the id its systemd unit is named for.
inline constexpr const char* kAppId = "io.github.zerocast";

// One action as the portal sees it.
struct ShortcutBinding {
  std::string id;           // "save_replay": what Activated names
  std::string description;  // what the desktop shows the user
  std::string trigger;      // preferred_trigger ("CTRL+ALT+R")

  bool operator==(const ShortcutBinding&) const = default;
};

// The actions a configuration binds: those with a trigger, none when shortcuts.enabled is false.
std::vector<ShortcutBinding> shortcut_bindings(const settings::Shortcuts& shortcuts);

// The portal's side: registering, the session, binding, Activated.
class ShortcutPortal {
 public:
  using Activate = std::function<void(const std::string& id)>;

  // `activate` runs on the loop's thread for each Activated of our session.
  ShortcutPortal(sd_bus* bus, Activate activate);
  ~ShortcutPortal();  // closes the session
  ShortcutPortal(const ShortcutPortal&) = delete;
  ShortcutPortal& operator=(const ShortcutPortal&) = delete;

  // Binds these, returning at once. The same set again: nothing happens. Another: the session is
  // closed (a session binds once) and a new one binds them. None: the session is closed.
  void bind(std::vector<ShortcutBinding> bindings);

 private:
  void start();
  void close_session();
  void create_session();
  void bind_shortcuts();
  // Sends a portal call whose answer is a Request's Response: the match on the request's path is
  // made first (its path is known from the token), the method's reply only checked for errors.
  void request(const char* member, const std::string& token, const BusCalls::Appender& append,
               const std::function<void(const sd_bus_error*)>& failed,
               const std::function<void(uint32_t, sd_bus_message*)>& done);
  void unavailable(const std::string& why);
  void on_activated(sd_bus_message* m);
  void on_owner_changed(sd_bus_message* m);

  BusCalls calls_;
  Activate activate_;
  std::vector<ShortcutBinding> bindings_;
  std::string sender_;       // our unique name, as the portal writes it in paths ("1_42")
  std::string session_;      // the session's object path while we hold one
  bool registered_ = false;  // Register was answered by the portal that runs now
  bool lost_ = false;        // the portal left the bus while we held something of it
  uint64_t generation_ = 0;  // answers for an older start() are dropped
  uint64_t counter_ = 0;     // handle tokens
  uint64_t response_match_ = 0;
  bool watching_ = false;  // Activated and NameOwnerChanged matches made
};

}  // namespace zc::service
