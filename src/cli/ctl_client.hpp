#pragma once
// The client side of the D-Bus interface, for `zerocast ctl`: calls with readable errors, the
// capture a command acts on, property reads.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "service/bus_names.hpp"
#include "settings/capture_options.hpp"

namespace zc::cli {

// A failed call: the D-Bus error name (empty for local failures) and its message.
struct CallError {
  std::string name;
  std::string message;
  bool no_daemon = false;  // nobody owns the bus name (or no session bus)
};

template <class T>
using CallResult = tl::expected<T, CallError>;

struct CaptureInfo {
  std::string path;
  std::string state, source, encoder, import_path;
  double fps_in = 0, fps_out = 0;
  uint64_t frames_captured = 0, frames_encoded = 0, frames_dropped = 0;
  uint32_t bitrate_kbps = 0;
  double replay_seconds = 0;
  bool paused = false;
  double paused_seconds = 0;
  std::vector<std::string> outputs;
  std::string audio_codec;
  struct Audio {
    std::string name, state;
    bool muted = false;
    double volume_db = 0, peak_dbfs = -120, drift_ppm = 0;
    uint64_t gaps = 0;
  };
  std::vector<Audio> audio;
};

class CtlClient {
 public:
  static CallResult<CtlClient> connect();

  CallResult<std::vector<std::string>> captures();
  CallResult<std::string> version();
  CallResult<std::string> config_error();
  CallResult<CaptureInfo> capture_info(const std::string& path);

  // The capture a command acts on: `choice` (a path, or its number) or, when empty, the only one.
  CallResult<std::string> resolve(const std::string& choice);

  CallResult<std::string> start(const settings::OptionMap& options);
  CallResult<void> stop(const std::string& path);
  struct Saved {
    std::string file;  // what the daemon wrote (its replay directory's when none was asked)
    double seconds = 0;
  };
  CallResult<Saved> save_replay(const std::string& path, const std::string& file, uint32_t seconds);
  CallResult<void> keyframe(const std::string& path);
  // Pause (true) or Resume (false); whether the state changed.
  CallResult<bool> set_paused(const std::string& path, bool pause);
  CallResult<void> set_bitrate(const std::string& path, uint32_t kbps);
  CallResult<void> set_audio_mute(const std::string& path, const std::string& source, bool mute);
  CallResult<void> reload();

 private:
  explicit CtlClient(sdbus::BusPtr bus) : bus_(std::move(bus)) {}
  // Calls `member`; `append` adds the arguments, `read` takes the reply apart.
  CallResult<void> call(const std::string& path, const char* interface, const char* member,
                        std::chrono::seconds timeout, const std::function<int(sd_bus_message*)>& append,
                        const std::function<int(sd_bus_message*)>& read);
  CallResult<void> get(const std::string& path, const char* interface, const char* property, const char* type,
                       const std::function<int(sd_bus_message*)>& read);

  sdbus::BusPtr bus_;
};

}  // namespace zc::cli
