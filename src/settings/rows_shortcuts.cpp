// [shortcuts]: the daemon's global shortcuts through the desktop's GlobalShortcuts portal.
#include <array>
#include <cctype>

#include "settings/rows.hpp"

namespace zc::settings::rows {
namespace {

// A trigger as the shortcuts specification writes it: modifiers and one key, '+' between them
// ("CTRL+ALT+R", "LOGO+F9", "SHIFT+Print"). Only the form is checked: which keys exist is the
// desktop's business, and it may offer the user another one anyway.
Why trigger(const std::string& v) {
  if (v.empty()) return std::nullopt;  // not bound
  static constexpr std::array<std::string_view, 5> kModifiers{"CTRL", "ALT", "SHIFT", "NUM", "LOGO"};
  size_t start = 0;
  while (true) {
    const size_t plus = v.find('+', start);
    const std::string_view part = std::string_view(v).substr(start, plus == std::string::npos ? plus : plus - start);
    if (part.empty()) return "must be modifiers and a key joined by '+', e.g. \"CTRL+ALT+R\"";
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        return "must be modifiers and a key joined by '+', e.g. \"CTRL+ALT+R\" (a key name is letters, digits "
               "and '_')";
      }
    }
    if (plus == std::string::npos) return std::nullopt;  // the key
    bool known = false;
    for (auto m : kModifiers)
      known = known || part == m;
    if (!known) return "has the modifier '" + std::string(part) + "'; the modifiers are CTRL, ALT, SHIFT, NUM, LOGO";
    start = plus + 1;
  }
}

Setting trigger_row(std::string_view name, std::string_view key, std::string_view env, std::string_view help,
                    std::optional<std::string> (*apply)(Settings&, const Value&)) {
  return {name, Kind::text, {"", key, "", env, "", ""}, "TRIGGER", help, "", {}, 0, 0, false, {}, apply};
}

}  // namespace

void add_shortcuts(std::vector<Setting>& t) {
  t.push_back({"shortcuts",
               Kind::flag,
               {"", "shortcuts.enabled", "", "ZEROCAST_SHORTCUTS_ENABLED", "", ""},
               "",
               "Bind the shortcuts below through the desktop's GlobalShortcuts portal when it has one",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.shortcuts.enabled = flag(v);
                 return std::nullopt;
               }});
  t.push_back(trigger_row("shortcut_save_replay", "shortcuts.save_replay", "ZEROCAST_SHORTCUTS_SAVE_REPLAY",
                          "Trigger suggested for saving the latest capture's replay (e.g. \"CTRL+ALT+R\"); empty: none",
                          [](Settings& s, const Value& v) -> Why {
                            if (auto why = trigger(text(v))) return why;
                            s.shortcuts.save_replay = text(v);
                            return std::nullopt;
                          }));
  t.push_back(trigger_row("shortcut_start_stop", "shortcuts.start_stop", "ZEROCAST_SHORTCUTS_START_STOP",
                          "Trigger suggested for starting a capture (the daemon's defaults) or stopping the latest; "
                          "empty: none",
                          [](Settings& s, const Value& v) -> Why {
                            if (auto why = trigger(text(v))) return why;
                            s.shortcuts.start_stop = text(v);
                            return std::nullopt;
                          }));
  t.push_back(trigger_row("shortcut_pause_resume", "shortcuts.pause_resume", "ZEROCAST_SHORTCUTS_PAUSE_RESUME",
                          "Trigger suggested for pausing or resuming the latest capture; empty: none",
                          [](Settings& s, const Value& v) -> Why {
                            if (auto why = trigger(text(v))) return why;
                            s.shortcuts.pause_resume = text(v);
                            return std::nullopt;
                          }));
  t.push_back(trigger_row("shortcut_mute_microphone", "shortcuts.mute_microphone", "ZEROCAST_SHORTCUTS_MUTE_MICROPHONE",
                          "Trigger suggested for muting or unmuting the latest capture's microphone; empty: none",
                          [](Settings& s, const Value& v) -> Why {
                            if (auto why = trigger(text(v))) return why;
                            s.shortcuts.mute_microphone = text(v);
                            return std::nullopt;
                          }));
  t.push_back({"shortcut_replay_seconds",
               Kind::integer,
               {"", "shortcuts.replay_seconds", "", "ZEROCAST_SHORTCUTS_REPLAY_SECONDS", "", ""},
               "SECONDS",
               "Seconds of replay the save_replay shortcut saves; 0: everything the buffer holds",
               "30",
               {},
               0,
               3600,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.shortcuts.replay_seconds = u32(v);
                 return std::nullopt;
               }});
}

}  // namespace zc::settings::rows
