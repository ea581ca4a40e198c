#pragma once
// The daemon's configuration: $XDG_CONFIG_HOME/zerocast/config.toml (toml++), overridden by
// ZEROCAST_* environment variables, overridden by the command line; defaults for the rest.
// Every key is declared once in a schema (config.cpp) that gives its type, default, range and
// documentation; config/zerocast.toml is the example and a test keeps the two in step.
//
// An invalid file is refused as a whole, naming the file, line and key (unknown keys, wrong
// types, values out of range): the daemon never runs on half a config.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "capture/portal/portal_token.hpp"
#include "core/error.hpp"
#include "session/record_options.hpp"

namespace zc::service {

struct Config {
  // [daemon]
  capture::SourceSpec default_source{capture::SourceSpec::Kind::portal,
                                     capture::kPortalMonitor};  // StartCapture's
                                                                // source when none is given
  uint32_t max_captures = 4;
  std::string metrics;  // "HOST:PORT" for the Prometheus endpoint; empty: off
  // [capture]
  std::string codec = "h264";
  std::string encoder = "auto";
  uint32_t bitrate_kbps = 0;  // 0: the tuning's default
  uint32_t fps = 0;           // 0: the source's rate
  double gop_seconds = 2.0;
  std::optional<session::Size> scale;
  std::string tuning = "auto";     // auto | low-latency | quality
  std::string bit_depth = "auto";  // auto | 8 | 10
  bool cursor = true;
  bool cfr = false;
  double reconnect_seconds = 60;  // how long a capture retries after PipeWire went away; 0: forever
  // [audio]
  std::string audio_sources = "output";  // ';'-separated SPEC[,volume=DB][,muted]; empty: no sound
  std::string audio_tracks = "mix";      // mix | separate
  std::string audio_codec = "auto";      // auto | opus | aac
  uint32_t audio_bitrate_kbps = 0;       // 0: the codec's default (128)
  // [replay]
  uint32_t replay_seconds = 0;  // held per capture unless StartCapture says otherwise; 0: none
  uint32_t replay_max_megabytes = 512;
  std::string replay_directory;  // where SaveReplay with an empty path writes; empty: ~/Videos
  // [network]
  uint32_t reconnect_min_ms = 500;
  uint32_t reconnect_max_ms = 30000;
  // [test_source]
  session::Size test_size{1280, 720};
  uint32_t test_fps = 30;

  bool operator==(const Config&) const = default;
};

// One key of the schema, for documentation and tests.
struct ConfigKey {
  std::string name;           // "capture.codec"
  std::string type;           // "integer", "number", "string", "boolean"
  std::string default_value;  // as written in TOML: 4, 2.0, "h264", true
  std::string help;
  std::string env;  // ZEROCAST_CAPTURE_CODEC
};
const std::vector<ConfigKey>& config_keys();

// Where the file is looked for: $XDG_CONFIG_HOME/zerocast/config.toml, else
// $HOME/.config/zerocast/config.toml.
std::string default_config_path();

// Values given on the command line, by key name ("daemon.max_captures" → "8"), applied last.
using ConfigOverrides = std::map<std::string, std::string>;

struct ConfigSources {
  std::string path;                        // the file; a missing file is fine unless `required`
  bool required = false;                   // --config PATH given explicitly: it must exist
  std::map<std::string, std::string> env;  // the environment (ZEROCAST_* are read from it)
  ConfigOverrides overrides;               // from the command line
};

// Defaults < file < environment < overrides. Errc::invalid_argument (stage "config") naming
// the file and line, the variable or the option, and the key.
Result<Config> load_config(const ConfigSources& sources);

// Parses TOML text as if read from `path` (for tests and the loader).
Result<Config> parse_config(const std::string& text, const std::string& path, Config base = {});

// This process's environment as a map (ZEROCAST_* only).
std::map<std::string, std::string> zerocast_environment();

// Tuning as RecordOptions wants it: nullopt for "auto".
std::optional<encode::Tuning> tuning_of(const Config& config);

// The replay directory to use: the configured one, else $XDG_VIDEOS_DIR, else $HOME/Videos.
std::string replay_directory(const Config& config);

}  // namespace zc::service
