#pragma once
// What a global shortcut does: the daemon's own D-Bus methods, called on its own connection as
// `zerocast ctl` calls them (the same checks, replies, signals and notifications; no second way
// into the captures), and a notification of the outcome, since a key has no terminal to print to.
// Each action acts on the latest capture, the one with the highest number.
//   save_replay      SaveReplay("", shortcuts.replay_seconds): the daemon's "Replay saved" says where
//   start_stop       no capture: StartCapture with the daemon's defaults and a new file in the replay
//                    directory; else Stop on the latest
//   pause_resume     Pause or Resume, by its Paused property
//   mute_microphone  SetAudioMute on its microphones (every audio source but output, app:NAME and
//                    test): all muted unless all already were
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "service/bus_calls.hpp"
#include "service/notifier.hpp"
#include "settings/settings.hpp"

namespace zc::service {

class ShortcutActions {
 public:
  using Directory = std::function<std::string(const settings::Settings&)>;

  // `directory`: where SaveReplay writes without a path (start_stop records a new file there).
  ShortcutActions(sd_bus* bus, settings::Settings config, Directory directory);
  ShortcutActions(const ShortcutActions&) = delete;
  ShortcutActions& operator=(const ShortcutActions&) = delete;

  // A reload: the replay seconds, the notifications setting, the directory.
  void set_config(const settings::Settings& config);

  // Runs the action of that id (ShortcutBinding::id); an unknown one is logged. Loop thread only.
  void run(const std::string& id);

 private:
  using Latest = std::function<void(const std::string& path, uint32_t id)>;
  // The latest capture, or `none()` when there is none.
  void with_latest(Latest then, std::function<void()> none);
  void save_replay();
  void start_stop();
  void start_capture();
  void pause_resume();
  void mute_microphone();
  void mute(const std::string& path, uint32_t id, const std::vector<std::string>& sources, bool mute);
  // The daemon's own objects, on its own connection.
  int call(const std::string& path, const char* interface, const char* member, const BusCalls::Appender& append,
           BusCalls::Reply reply);
  void failed(const std::string& summary, const std::string& what, const sd_bus_error* error);

  BusCalls calls_;
  Notifier notifier_;
  settings::Settings config_;
  Directory directory_;
  std::string self_;  // our unique name: where the calls go
};

}  // namespace zc::service
