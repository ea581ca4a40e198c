#include "service/shortcut_actions.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/parse_number.hpp"

namespace zc::service {
namespace {

using Urgency = Notifier::Urgency;

// "/io/github/zerocast/Zerocast1/capture/7" -> 7, else 0.
uint32_t capture_id(std::string_view path) {
  if (!path.starts_with(kCapturePathPrefix)) return 0;
  return parse_number<uint32_t>(path.substr(std::strlen(kCapturePathPrefix))).value_or(0);
}

std::string error_message(const sd_bus_error* e) {
  if (!e) return "";
  return e->message ? e->message : (e->name ? e->name : "");
}

// Strings from a reply to Properties.Get of an "as" or "ao" property.
std::vector<std::string> read_strings(sd_bus_message* reply, const char* type) {
  std::vector<std::string> out;
  if (sd_bus_message_enter_container(reply, 'v', type) <= 0) return out;
  char** strv = nullptr;
  if (sd_bus_message_read_strv(reply, &strv) >= 0 && strv) {
    for (char** p = strv; *p; ++p) {
      out.emplace_back(*p);
      free(*p);
    }
    free(strv);
  }
  return out;
}

// A microphone among a capture's audio sources: a device picked by the user or the default input,
// not the desktop's sound, an application's or the test tone.
bool is_microphone(std::string_view name) {
  return name != "output" && name != "test" && !name.starts_with("app:");
}

}  // namespace

ShortcutActions::ShortcutActions(sd_bus* bus, settings::Settings config, Directory directory)
    : calls_(bus),
      notifier_(bus, config.daemon.notifications),
      config_(std::move(config)),
      directory_(std::move(directory)) {
  const char* unique = nullptr;
  // The well-known name is ours too once the daemon is ready; the unique one needs no owning.
  self_ = sd_bus_get_unique_name(bus, &unique) >= 0 && unique ? unique : kBusName;
}

void ShortcutActions::set_config(const settings::Settings& config) {
  config_ = config;
  notifier_.set_enabled(config_.daemon.notifications);
}

void ShortcutActions::run(const std::string& id) {
  if (id == "save_replay") {
    save_replay();
  } else if (id == "start_stop") {
    start_stop();
  } else if (id == "pause_resume") {
    pause_resume();
  } else if (id == "mute_microphone") {
    mute_microphone();
  } else {
    zc::log::warn("global shortcuts: the portal activated '{}', which is none of ours", id);
  }
}

int ShortcutActions::call(const std::string& path, const char* interface, const char* member,
                          const BusCalls::Appender& append, BusCalls::Reply reply) {
  const int r = calls_.call(self_.c_str(), path.c_str(), interface, member, append, std::move(reply));
  if (r < 0) zc::log::warn("global shortcuts: cannot call {}: {}", member, std::strerror(-r));
  return r;
}

void ShortcutActions::failed(const std::string& summary, const std::string& what, const sd_bus_error* error) {
  const std::string message = error_message(error);
  zc::log::warn("global shortcuts: {}: {}", what, message);
  notifier_.send(summary, what + ": " + message, Urgency::normal, "dialog-warning");
}

void ShortcutActions::with_latest(Latest then, std::function<void()> none) {
  call(
      kManagerPath, "org.freedesktop.DBus.Properties", "Get",
      [](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kManagerInterface, "Captures"); },
      [then = std::move(then), none = std::move(none)](sd_bus_message* reply) {
        if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
          zc::log::warn("global shortcuts: cannot list the captures: {}", error_message(e));
          return;
        }
        std::string latest;
        uint32_t latest_id = 0;
        for (const auto& path : read_strings(reply, "ao")) {
          if (const uint32_t id = capture_id(path); id > latest_id) {
            latest_id = id;
            latest = path;
          }
        }
        if (latest_id == 0) {
          none();
        } else {
          then(latest, latest_id);
        }
      });
}

void ShortcutActions::save_replay() {
  with_latest(
      [this](const std::string& path, uint32_t id) {
        const uint32_t seconds = config_.shortcuts.replay_seconds;
        call(
            path, kCaptureInterface, "SaveReplay",
            [seconds](sd_bus_message* m) { return sd_bus_message_append(m, "su", "", seconds); },
            [this, id](sd_bus_message* reply) {
              // Saved: the daemon has sent ReplaySaved and its "Replay saved" notification.
              if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
                failed("Replay not saved", fmt::format("Capture {}", id), e);
              }
            });
      },
      [this] {
        zc::log::info("global shortcuts: save_replay: no capture runs");
        notifier_.send("Replay not saved", "No capture is running", Urgency::normal, "dialog-information");
      });
}

void ShortcutActions::start_stop() {
  with_latest(
      [this](const std::string& path, uint32_t id) {
        call(path, kCaptureInterface, "Stop", nullptr, [this, id](sd_bus_message* reply) {
          if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
            failed("Recording not stopped", fmt::format("Capture {}", id), e);
            return;
          }
          notifier_.send("Recording stopped", fmt::format("Capture {} stopped; its files are finished", id),
                         Urgency::low, "media-playback-stop");
        });
      },
      [this] { start_capture(); });
}

void ShortcutActions::start_capture() {
  // The daemon's defaults for everything (default_source, [capture], replay.seconds), and a new
  // file in the replay directory: a folder ending in '/' names a new file in it.
  std::string folder = directory_ ? directory_(config_) : config_.daemon.replay_directory;
  if (!folder.empty() && !folder.ends_with('/')) folder += '/';
  call(
      kManagerPath, kManagerInterface, "StartCapture",
      [folder](sd_bus_message* m) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && !folder.empty()) {
          r = sd_bus_message_open_container(m, 'e', "sv");
          if (r >= 0) r = sd_bus_message_append(m, "s", "outputs");
          if (r >= 0) r = sd_bus_message_open_container(m, 'v', "as");
          if (r >= 0) r = sd_bus_message_append(m, "as", 1, folder.c_str());
          if (r >= 0) r = sd_bus_message_close_container(m);
          if (r >= 0) r = sd_bus_message_close_container(m);
        }
        return r < 0 ? r : sd_bus_message_close_container(m);
      },
      [this](sd_bus_message* reply) {
        if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
          // A capture that got as far as starting has had its own "Capture failed" notification
          // from the daemon; these are refused before one exists.
          const std::string_view name = e->name ? e->name : "";
          if (name == bus_error::kTooManyCaptures || name == bus_error::kInvalidArgument) {
            failed("Recording not started", "StartCapture", e);
          } else {
            zc::log::warn("global shortcuts: start_stop: the capture did not start: {}", error_message(e));
          }
          return;
        }
        const char* path = nullptr;
        if (sd_bus_message_read(reply, "o", &path) < 0 || !path) return;
        const uint32_t id = capture_id(path);
        // Where it records, for the notification.
        call(
            path, "org.freedesktop.DBus.Properties", "Get",
            [](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kCaptureInterface, "Outputs"); },
            [this, id](sd_bus_message* outputs) {
              std::string files;
              if (!sd_bus_message_get_error(outputs)) {
                for (const auto& o : read_strings(outputs, "as"))
                  files += (files.empty() ? "" : ", ") + o;
              }
              notifier_.send(
                  "Recording started",
                  files.empty() ? fmt::format("Capture {}", id) : fmt::format("Capture {} records to {}", id, files),
                  Urgency::low, "media-record");
            });
      });
}

void ShortcutActions::pause_resume() {
  with_latest(
      [this](const std::string& path, uint32_t id) {
        call(
            path, "org.freedesktop.DBus.Properties", "Get",
            [](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kCaptureInterface, "Paused"); },
            [this, path, id](sd_bus_message* reply) {
              int paused = 0;
              if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
                failed("Recording not paused", fmt::format("Capture {}", id), e);
                return;
              }
              if (sd_bus_message_read(reply, "v", "b", &paused) < 0) return;
              const char* member = paused ? "Resume" : "Pause";
              call(path, kCaptureInterface, member, nullptr, [this, id, paused](sd_bus_message* done) {
                if (const sd_bus_error* e = sd_bus_message_get_error(done)) {
                  failed(paused ? "Recording not resumed" : "Recording not paused", fmt::format("Capture {}", id), e);
                  return;
                }
                notifier_.send(paused ? "Recording resumed" : "Recording paused", fmt::format("Capture {}", id),
                               Urgency::low, paused ? "media-record" : "media-playback-pause");
              });
            });
      },
      [] { zc::log::info("global shortcuts: pause_resume: no capture runs"); });
}

void ShortcutActions::mute_microphone() {
  with_latest(
      [this](const std::string& path, uint32_t id) {
        call(
            path, "org.freedesktop.DBus.Properties", "Get",
            [](sd_bus_message* m) { return sd_bus_message_append(m, "ss", kCaptureInterface, "AudioSources"); },
            [this, path, id](sd_bus_message* reply) {
              if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
                failed("Microphone not muted", fmt::format("Capture {}", id), e);
                return;
              }
              std::vector<std::string> microphones;
              bool all_muted = true;
              if (sd_bus_message_enter_container(reply, 'v', "a(ssbdddt)") > 0 &&
                  sd_bus_message_enter_container(reply, 'a', "(ssbdddt)") > 0) {
                const char* name = nullptr;
                const char* state = nullptr;
                int muted = 0;
                double volume = 0, peak = 0, drift = 0;
                uint64_t gaps = 0;
                while (sd_bus_message_read(reply, "(ssbdddt)", &name, &state, &muted, &volume, &peak, &drift, &gaps) >
                       0) {
                  if (!name || !is_microphone(name)) continue;
                  microphones.emplace_back(name);
                  all_muted = all_muted && muted != 0;
                }
              }
              if (microphones.empty()) {
                zc::log::info("global shortcuts: mute_microphone: capture {} records no microphone", id);
                notifier_.send("No microphone", fmt::format("Capture {} records no microphone", id), Urgency::normal,
                               "dialog-information");
                return;
              }
              mute(path, id, microphones, !all_muted);
            });
      },
      [] { zc::log::info("global shortcuts: mute_microphone: no capture runs"); });
}

void ShortcutActions::mute(const std::string& path, uint32_t id, const std::vector<std::string>& sources, bool mute) {
  // One notification once every source has answered.
  struct Round {
    size_t left = 0;
    std::string done, errors;
  };
  auto round = std::make_shared<Round>();
  round->left = sources.size();
  for (const auto& source : sources) {
    const int r = call(
        path, kCaptureInterface, "SetAudioMute",
        [&](sd_bus_message* m) { return sd_bus_message_append(m, "sb", source.c_str(), static_cast<int>(mute)); },
        [this, round, source, id, mute](sd_bus_message* reply) {
          if (const sd_bus_error* e = sd_bus_message_get_error(reply)) {
            round->errors += (round->errors.empty() ? "" : "; ") + source + ": " + error_message(e);
          } else {
            round->done += (round->done.empty() ? "" : ", ") + source;
          }
          if (--round->left > 0) return;
          if (!round->errors.empty()) zc::log::warn("global shortcuts: mute_microphone: {}", round->errors);
          if (round->done.empty()) return;
          notifier_.send(mute ? "Microphone muted" : "Microphone unmuted",
                         fmt::format("Capture {}: {}", id, round->done), Urgency::low,
                         mute ? "microphone-sensitivity-muted" : "audio-input-microphone");
        });
    if (r < 0) --round->left;
  }
}

}  // namespace zc::service
