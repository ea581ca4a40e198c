#include "cli/ctl_client.hpp"

#include <cerrno>
#include <cstring>

namespace zc::cli {
namespace {

using sdbus::BusError;
using sdbus::BusPtr;
using sdbus::MessagePtr;
using service::kBusName;
using service::kCaptureInterface;
using service::kCapturePathPrefix;
using service::kManagerInterface;
using service::kManagerPath;

using namespace std::chrono_literals;

CallError local(const std::string& what, int r) {
  return CallError{"", what + ": " + std::strerror(-r), false};
}

int append_variant(sd_bus_message* m, const settings::OptionValue& value) {
  int r = 0;
  if (const auto* s = std::get_if<std::string>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "s")) < 0) return r;
    if ((r = sd_bus_message_append(m, "s", s->c_str())) < 0) return r;
  } else if (const auto* a = std::get_if<std::vector<std::string>>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "as")) < 0) return r;
    std::vector<char*> list;
    for (const auto& item : *a)
      list.push_back(const_cast<char*>(item.c_str()));
    list.push_back(nullptr);
    if ((r = sd_bus_message_append_strv(m, list.data())) < 0) return r;
  } else if (const auto* u = std::get_if<uint64_t>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "u")) < 0) return r;
    if ((r = sd_bus_message_append(m, "u", static_cast<uint32_t>(*u))) < 0) return r;
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "x")) < 0) return r;
    if ((r = sd_bus_message_append(m, "x", *i)) < 0) return r;
  } else if (const auto* d = std::get_if<double>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "d")) < 0) return r;
    if ((r = sd_bus_message_append(m, "d", *d)) < 0) return r;
  } else if (const auto* b = std::get_if<bool>(&value)) {
    if ((r = sd_bus_message_open_container(m, 'v', "b")) < 0) return r;
    if ((r = sd_bus_message_append(m, "b", static_cast<int>(*b))) < 0) return r;
  }
  return sd_bus_message_close_container(m);
}

}  // namespace

CallResult<CtlClient> CtlClient::connect() {
  sd_bus* bus = nullptr;
  if (int r = sd_bus_open_user(&bus); r < 0) {
    return tl::unexpected(CallError{"", std::string("cannot reach the session bus: ") + std::strerror(-r), true});
  }
  return CtlClient(BusPtr(bus));
}

CallResult<void> CtlClient::call(const std::string& path, const char* interface, const char* member,
                                 std::chrono::seconds timeout, const std::function<int(sd_bus_message*)>& append,
                                 const std::function<int(sd_bus_message*)>& read) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_.get(), &raw, kBusName, path.c_str(), interface, member);
  if (r < 0) return tl::unexpected(local("cannot build the call", r));
  MessagePtr m(raw);
  if (append && (r = append(m.get())) < 0) return tl::unexpected(local("cannot build the call", r));
  BusError error;
  sd_bus_message* reply_raw = nullptr;
  r = sd_bus_call(bus_.get(), m.get(), static_cast<uint64_t>(std::chrono::microseconds(timeout).count()), error.get(),
                  &reply_raw);
  MessagePtr reply(reply_raw);
  if (r < 0) {
    CallError e{error.name() ? error.name() : "", error.set() ? error.message() : std::strerror(-r), false};
    e.no_daemon =
        e.name == "org.freedesktop.DBus.Error.ServiceUnknown" || e.name == "org.freedesktop.DBus.Error.NameHasNoOwner";
    return tl::unexpected(e);
  }
  if (read && (r = read(reply.get())) < 0) return tl::unexpected(local("unexpected reply", r));
  return {};
}

CallResult<void> CtlClient::get(const std::string& path, const char* interface, const char* property, const char* type,
                                const std::function<int(sd_bus_message*)>& read) {
  return call(
      path, "org.freedesktop.DBus.Properties", "Get", 10s,
      [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", interface, property); },
      [&](sd_bus_message* reply) {
        int r = sd_bus_message_enter_container(reply, 'v', type);
        if (r < 0) return r;
        if ((r = read(reply)) < 0) return r;
        return sd_bus_message_exit_container(reply);
      });
}

CallResult<std::vector<std::string>> CtlClient::captures() {
  std::vector<std::string> out;
  auto r = get(kManagerPath, kManagerInterface, "Captures", "ao", [&](sd_bus_message* m) {
    int k = sd_bus_message_enter_container(m, 'a', "o");
    if (k < 0) return k;
    const char* p = nullptr;
    while ((k = sd_bus_message_read(m, "o", &p)) > 0)
      out.emplace_back(p);
    if (k < 0) return k;
    return sd_bus_message_exit_container(m);
  });
  if (!r) return tl::unexpected(r.error());
  return out;
}

CallResult<std::string> CtlClient::version() {
  std::string out;
  auto r = get(kManagerPath, kManagerInterface, "Version", "s", [&](sd_bus_message* m) {
    const char* s = nullptr;
    int k = sd_bus_message_read(m, "s", &s);
    if (k >= 0) out = s;
    return k;
  });
  if (!r) return tl::unexpected(r.error());
  return out;
}

CallResult<std::string> CtlClient::config_error() {
  std::string out;
  auto r = get(kManagerPath, kManagerInterface, "ConfigError", "s", [&](sd_bus_message* m) {
    const char* s = nullptr;
    int k = sd_bus_message_read(m, "s", &s);
    if (k >= 0) out = s;
    return k;
  });
  if (!r) return tl::unexpected(r.error());
  return out;
}

namespace {

int read_audio(sd_bus_message* m, std::vector<CaptureInfo::Audio>& out) {
  int k = sd_bus_message_enter_container(m, 'a', "(ssbdddt)");
  if (k < 0) return k;
  for (;;) {
    const char* name = nullptr;
    const char* state = nullptr;
    int muted = 0;
    CaptureInfo::Audio a;
    k = sd_bus_message_read(m, "(ssbdddt)", &name, &state, &muted, &a.volume_db, &a.peak_dbfs, &a.drift_ppm, &a.gaps);
    if (k <= 0) break;
    a.name = name;
    a.state = state;
    a.muted = muted != 0;
    out.push_back(std::move(a));
  }
  if (k < 0) return k;
  return sd_bus_message_exit_container(m);
}

}  // namespace

CallResult<CaptureInfo> CtlClient::capture_info(const std::string& path) {
  CaptureInfo info;
  info.path = path;
  // One GetAll: a consistent view, one round trip.
  auto r = call(
      path, "org.freedesktop.DBus.Properties", "GetAll", 10s,
      [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", kCaptureInterface); },
      [&](sd_bus_message* m) {
        int k = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (k < 0) return k;
        while ((k = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
          const char* name = nullptr;
          if ((k = sd_bus_message_read(m, "s", &name)) < 0) return k;
          const std::string n = name;
          const char* contents = nullptr;
          if ((k = sd_bus_message_peek_type(m, nullptr, &contents)) < 0) return k;
          if ((k = sd_bus_message_enter_container(m, 'v', contents)) < 0) return k;
          const std::string sig = contents;
          if (sig == "s") {
            const char* s = nullptr;
            if ((k = sd_bus_message_read(m, "s", &s)) < 0) return k;
            if (n == "State") info.state = s;
            if (n == "Source") info.source = s;
            if (n == "Encoder") info.encoder = s;
            if (n == "ImportPath") info.import_path = s;
            if (n == "AudioCodec") info.audio_codec = s;
          } else if (sig == "d") {
            double d = 0;
            if ((k = sd_bus_message_read(m, "d", &d)) < 0) return k;
            if (n == "FpsIn") info.fps_in = d;
            if (n == "FpsOut") info.fps_out = d;
            if (n == "ReplaySeconds") info.replay_seconds = d;
            if (n == "PausedSeconds") info.paused_seconds = d;
          } else if (sig == "t") {
            uint64_t t = 0;
            if ((k = sd_bus_message_read(m, "t", &t)) < 0) return k;
            if (n == "FramesCaptured") info.frames_captured = t;
            if (n == "FramesEncoded") info.frames_encoded = t;
            if (n == "FramesDropped") info.frames_dropped = t;
          } else if (sig == "u") {
            uint32_t u = 0;
            if ((k = sd_bus_message_read(m, "u", &u)) < 0) return k;
            if (n == "Bitrate") info.bitrate_kbps = u;
          } else if (sig == "b") {
            int b = 0;
            if ((k = sd_bus_message_read(m, "b", &b)) < 0) return k;
            if (n == "Paused") info.paused = b != 0;
          } else if (sig == "as") {
            char** strv = nullptr;
            if ((k = sd_bus_message_read_strv(m, &strv)) < 0) return k;
            for (char** p = strv; p && *p; ++p) {
              if (n == "Outputs") info.outputs.emplace_back(*p);
              free(*p);
            }
            free(strv);
          } else if (sig == "a(ssbdddt)" && n == "AudioSources") {
            if ((k = read_audio(m, info.audio)) < 0) return k;
          } else if ((k = sd_bus_message_skip(m, contents)) < 0) {
            return k;
          }
          if ((k = sd_bus_message_exit_container(m)) < 0) return k;
          if ((k = sd_bus_message_exit_container(m)) < 0) return k;
        }
        if (k < 0) return k;
        return sd_bus_message_exit_container(m);
      });
  if (!r) return tl::unexpected(r.error());
  return info;
}

CallResult<std::string> CtlClient::resolve(const std::string& choice) {
  if (!choice.empty()) {
    if (choice.front() == '/') return choice;
    return std::string(kCapturePathPrefix) + choice;
  }
  auto list = captures();
  if (!list) return tl::unexpected(list.error());
  if (list->empty()) return tl::unexpected(CallError{"", "no capture is running", false});
  if (list->size() > 1) {
    std::string all;
    for (const auto& p : *list)
      all += "\n  " + p;
    return tl::unexpected(CallError{
        "usage", std::to_string(list->size()) + " captures are running; choose one with --capture N (or PATH):" + all,
        false});
  }
  return list->front();
}

CallResult<std::string> CtlClient::start(const settings::OptionMap& options) {
  std::string path;
  auto r = call(
      kManagerPath, kManagerInterface, "StartCapture", 120s,
      [&](sd_bus_message* m) {
        int k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k < 0) return k;
        for (const auto& [name, value] : options) {
          if ((k = sd_bus_message_open_container(m, 'e', "sv")) < 0) return k;
          if ((k = sd_bus_message_append(m, "s", name.c_str())) < 0) return k;
          if ((k = append_variant(m, value)) < 0) return k;
          if ((k = sd_bus_message_close_container(m)) < 0) return k;
        }
        return sd_bus_message_close_container(m);
      },
      [&](sd_bus_message* reply) {
        const char* p = nullptr;
        int k = sd_bus_message_read(reply, "o", &p);
        if (k >= 0) path = p;
        return k;
      });
  if (!r) return tl::unexpected(r.error());
  return path;
}

CallResult<void> CtlClient::stop(const std::string& path) {
  return call(path, kCaptureInterface, "Stop", 60s, {}, {});
}

CallResult<CtlClient::Saved> CtlClient::save_replay(const std::string& path, const std::string& file,
                                                    uint32_t seconds) {
  Saved saved;
  auto r = call(
      path, kCaptureInterface, "SaveReplay", 120s,
      [&](sd_bus_message* m) { return sd_bus_message_append(m, "su", file.c_str(), seconds); },
      [&](sd_bus_message* reply) {
        const char* written = nullptr;
        const int k = sd_bus_message_read(reply, "sd", &written, &saved.seconds);
        if (k >= 0) saved.file = written;
        return k;
      });
  if (!r) return tl::unexpected(r.error());
  return saved;
}

CallResult<void> CtlClient::keyframe(const std::string& path) {
  return call(path, kCaptureInterface, "RequestKeyframe", 10s, {}, {});
}

CallResult<bool> CtlClient::set_paused(const std::string& path, bool pause) {
  int changed = 0;
  auto r = call(path, kCaptureInterface, pause ? "Pause" : "Resume", 10s, {},
                [&](sd_bus_message* m) { return sd_bus_message_read(m, "b", &changed); });
  if (!r) return tl::unexpected(r.error());
  return changed != 0;
}

CallResult<void> CtlClient::set_bitrate(const std::string& path, uint32_t kbps) {
  return call(path, kCaptureInterface, "SetBitrate", 10s,
              [&](sd_bus_message* m) { return sd_bus_message_append(m, "u", kbps); }, {});
}

CallResult<void> CtlClient::set_audio_mute(const std::string& path, const std::string& source, bool mute) {
  return call(path, kCaptureInterface, "SetAudioMute", 10s,
              [&](sd_bus_message* m) { return sd_bus_message_append(m, "sb", source.c_str(), static_cast<int>(mute)); },
              {});
}

CallResult<void> CtlClient::reload() {
  return call(kManagerPath, kManagerInterface, "ReloadConfig", 10s, {}, {});
}

}  // namespace zc::cli
