#pragma once
// Everything zerocast is configured with, as values. Each setting is declared once, in the table
// (settings/table.hpp), with its type, default, range, help text and the doors it comes in by:
// the command line, the config file (TOML), D-Bus (StartCapture's a{sv}) and the environment.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "output/reconnecting_sink.hpp"

#include "session/record_options.hpp"
#include "session/zerocopy_mode.hpp"

namespace zc::settings {

// The daemon's own settings ([daemon], [replay], [network], capture.reconnect_seconds); `record`
// reads [network] too.
struct Daemon {
  uint32_t max_captures = 4;
  std::string metrics;            // "HOST:PORT" for the Prometheus endpoint; empty: off
  double reconnect_seconds = 60;  // how long a capture retries after PipeWire went away; 0: forever
  uint32_t replay_seconds = 0;    // held per capture unless StartCapture says otherwise; 0: none
  uint32_t replay_max_megabytes = 512;
  std::string replay_directory;  // where SaveReplay with an empty path writes; empty: the videos directory
  uint32_t reconnect_min_ms = 500;
  uint32_t reconnect_max_ms = 30000;
  double give_up_seconds = 60;  // a network output without a peer this long fails; 0: retried forever
  bool notifications = true;    // desktop notifications: a replay saved, a capture ended by an error

  bool operator==(const Daemon&) const = default;
};

// [shortcuts]: the daemon's global shortcuts through the desktop's GlobalShortcuts portal
// (service/shortcuts). A trigger is the one the daemon suggests (the shortcuts specification's
// form, "CTRL+ALT+R"); the desktop may ask the user, and keeps the user's own choice.
struct Shortcuts {
  bool enabled = true;
  std::string save_replay;       // empty: the action is not bound
  std::string start_stop;        // starts a capture with the daemon's defaults, or stops the latest
  std::string pause_resume;      // the latest capture
  std::string mute_microphone;   // the latest capture's microphone sources
  uint32_t replay_seconds = 30;  // what save_replay saves; 0: everything the buffer holds

  bool operator==(const Shortcuts&) const = default;
};

// The process's own toggles: environment variables only, read once at start.
struct Process {
  std::string log_level = "info";  // ZEROCAST_LOG: spdlog's level names
  bool log_time = false;           // ZEROCAST_LOG_TIME: the time of day on every line
  bool ffmpeg_debug = false;       // ZEROCAST_FFMPEG_DEBUG: FFmpeg's own messages at debug level
  int nice = -10;                  // ZEROCAST_NICE: -20..0 (0: as started)
  bool malloc_tuning = true;       // ZEROCAST_MALLOC_TUNING (core/allocator.hpp)
  bool trim_libraries = true;      // ZEROCAST_TRIM_LIBRARIES (core/library_pages.hpp)
  session::ZerocopyMode zerocopy = session::ZerocopyMode::Auto;  // ZEROCAST_ZEROCOPY
  bool cpu_dmabuf = false;   // ZEROCAST_CPU_DMABUF: the CPU path offers LINEAR dmabufs too
  bool damage = true;        // ZEROCAST_DAMAGE: the CPU path converts only what changed
  std::string vaapi_device;  // ZEROCAST_VAAPI_DEVICE: the render node for VA-API (empty: the first that opens)

  bool operator==(const Process&) const = default;
};

// What a command reads the settings for. The defaults of a few settings differ between them (the
// record command's source is the test source, the daemon's the portal), and each command has the
// doors it has (record: the command line; the daemon: the config file, the environment and
// D-Bus).
enum class Command : uint8_t { record, daemon };

struct Settings {
  session::RecordOptions capture;  // a capture's settings; the daemon's are StartCapture's defaults
  Daemon daemon;
  Shortcuts shortcuts;
  Process process;

  bool operator==(const Settings&) const = default;
};

// How the importers are chosen, from the process's settings.
inline session::ZerocopyChoiceOptions zerocopy_options(const Process& process) {
  session::ZerocopyChoiceOptions o(process.zerocopy);
  o.cpu_dmabuf = process.cpu_dmabuf;
  o.damage = process.damage;
  o.vaapi_device = process.vaapi_device;
  return o;
}

// How network outputs retry, from the [network] settings (the keyframe callback is the caller's).
inline output::ReconnectOptions reconnect_options(const Daemon& daemon) {
  output::ReconnectOptions o;
  o.initial_backoff = std::chrono::milliseconds(daemon.reconnect_min_ms);
  o.max_backoff = std::chrono::milliseconds(daemon.reconnect_max_ms);
  o.give_up_after = std::chrono::milliseconds(std::llround(daemon.give_up_seconds * 1000));
  return o;
}

}  // namespace zc::settings
