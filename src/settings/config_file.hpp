#pragma once
// The configuration of the daemon and of `record`: $XDG_CONFIG_HOME/zerocast/config.toml (toml++), overridden by the
// ZEROCAST_* environment variables, overridden by the command line (--set KEY=VALUE and the
// daemon's own options); the table's defaults for the rest. config/zerocast.toml is the example
// and a test keeps it in step with the table.
//
// An invalid file is refused as a whole, naming the file, line and key (unknown keys, wrong
// types, values out of range): the daemon never runs on half a config.
#include <map>
#include <string>

#include "core/error.hpp"
#include "settings/environment.hpp"
#include "settings/settings.hpp"
#include "settings/table.hpp"

namespace zc::settings {

// Values given on the command line, by key name ("daemon.max_captures" → "8"), applied last.
using ConfigOverrides = std::map<std::string, std::string>;

struct ConfigSources {
  std::string path;                   // the file; a missing file is fine unless `required`
  bool required = false;              // --config PATH given explicitly: it must exist
  Environment env{{}};                // ZEROCAST_* variables
  ConfigOverrides overrides;          // from the command line
  Command command = Command::daemon;  // whose defaults lie under the file
};

// Defaults < file < environment < overrides. Errc::invalid_argument (stage "config") naming the
// file and line, the variable or the option, and the key.
Result<Settings> load_config(const ConfigSources& sources);

// Parses TOML text as if read from `path` onto `base` (for tests and the loader).
Result<Settings> parse_config(const std::string& text, const std::string& path,
                              Settings base = defaults(Command::daemon));

// A setting's default as the config file writes it: 4, 2.0, "h264", true (the daemon's default).
std::string toml_default(const Setting& setting);

// The replay directory to use: the configured one, else `env`'s videos directory.
std::string replay_directory(const Settings& settings, const Environment& env);

}  // namespace zc::settings
