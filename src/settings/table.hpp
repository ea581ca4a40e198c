#pragma once
// The one declaration of every setting: its type, range, default, help text and doors. The
// command line (settings/cli_options), the config file (settings/config_file), StartCapture's
// a{sv} (settings/capture_options) and the environment (settings/environment) are all made from
// it, and a bad value gets one message whichever door it came by, with the door named:
//   --bitrate must be 0..500000
//   /home/a/.config/zerocast/config.toml:7: key 'capture.bitrate' must be 0..500000
//   option 'bitrate' must be 0..500000
//   environment ZEROCAST_CAPTURE_BITRATE must be 0..500000
// A new setting is a row in table.cpp (and its field in settings.hpp), nothing else.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "settings/settings.hpp"

namespace zc::settings {

// What a setting holds.
enum class Kind : uint8_t {
  text,     // one string (a choice, a size, a path)
  list,     // strings: repeatable on the command line, an array over D-Bus, ';'-separated in text
  integer,  // a whole number in [min, max]
  number,   // a real number in [min, max]
  flag,     // true or false
};
std::string_view to_string(Kind kind);  // "a string", "a list of strings", "an integer", ...

// A value as a door hands it in: text (the command line, the environment), or typed (TOML, D-Bus).
using Input = std::variant<std::string, std::vector<std::string>, int64_t, uint64_t, double, bool>;
// A value of the setting's kind, checked against its range: what apply() stores.
using Value = std::variant<std::string, std::vector<std::string>, int64_t, double, bool>;

// Where a setting comes in. Empty: not by that door.
struct Doors {
  std::string_view cli;         // the record command's option ("--bitrate", "--no-cursor", "-o,--output")
  std::string_view toml;        // the config file's key ("capture.bitrate")
  std::string_view dbus;        // StartCapture's option ("bitrate")
  std::string_view env;         // the environment variable ("ZEROCAST_CAPTURE_BITRATE")
  std::string_view env_alias;   // a shorter name for it that every command reads ("ZEROCAST_ENCODER")
  std::string_view daemon_cli;  // the daemon command's option ("--metrics")
};

// A command-line flag that sets a text setting to a value ("--low-latency" sets tuning).
struct FlagFor {
  std::string_view flag;
  std::string_view value;
  std::string_view help;
};

struct Setting {
  std::string_view name;  // how help and documentation speak of it: "bitrate"
  Kind kind;
  Doors doors;
  std::string_view hint;  // the value's form: "h264 | hevc | av1", "kbit/s", "WIDTHxHEIGHT"
  std::string_view help;
  // The default as its doors write it (a list's items ';'-separated), for help and documentation;
  // Settings' initializers hold the record command's, daemon_defaults() the daemon's.
  std::string_view record_default;
  std::string_view daemon_default;
  double min = 0;  // integer and number: the range
  double max = 0;
  bool negated_flag = false;       // the command-line flag sets it to false ("--no-cursor")
  std::vector<FlagFor> cli_flags;  // more command-line flags for a text setting
  // Stores a checked value, or says why it refuses it ("must be even both ways").
  std::optional<std::string> (*apply)(Settings& settings, const Value& value);
  // What a shell completes for the value, where the hint does not say it: words and prefixes
  // ("app:") between " | ". Empty: the hint's own words (cli/docgen reads both).
  std::string_view forms = {};
};

const std::vector<Setting>& table();
// By the name of one of its doors: find(&Doors::toml, "capture.codec").
const Setting* find(std::string_view Doors::*door, std::string_view key);

// How a door hands values in.
struct From {
  bool text = false;        // strings to be read as the setting's kind (the command line, the environment)
  bool split_list = false;  // a string for a list holds its items, ';'-separated (config file, environment)
};
inline constexpr From kFromText{true, true};      // the environment
inline constexpr From kFromCommand{true, false};  // the command line (lists are repeated options)
inline constexpr From kFromFile{false, true};     // the config file
inline constexpr From kFromBus{false, false};     // D-Bus (an array is an array)

// The value of `input` for `setting`, checked against its kind and range. The message says what
// is wrong ("must be 0..500000", "must be an integer, not a string"), for the door to name where
// it came from.
Result<Value> value_of(const Setting& setting, const Input& input, From from);

// `input` into `settings`, or Errc::invalid_argument (stage `stage`) "WHERE REASON".
Result<void> set(Settings& settings, const Setting& setting, const Input& input, From from, const std::string& where,
                 std::string_view stage);

// The defaults of a command (Command::daemon: the daemon's where they differ from the record
// command's).
Settings defaults(Command command);

}  // namespace zc::settings
