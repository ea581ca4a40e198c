#pragma once
// The process environment, read in this one place. Each setting's environment variable is applied
// through the table; the XDG directories give the config file's, the replay directory's and the
// restore tokens' default places.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/allocator.hpp"
#include "core/error.hpp"
#include "settings/settings.hpp"

namespace zc::settings {

class Environment {
 public:
  // This process's environment, as it is now.
  static Environment of_process();
  // Given variables (tests).
  explicit Environment(std::map<std::string, std::string> variables) : variables_(std::move(variables)) {}

  // An unset variable and an empty one are alike: nullopt.
  std::optional<std::string> get(std::string_view name) const;
  // The names of the set variables that begin with `prefix`.
  std::vector<std::string> names_starting(std::string_view prefix) const;

  // $XDG_CONFIG_HOME/zerocast/config.toml, else $HOME/.config/zerocast/config.toml.
  std::string config_path() const;
  // $XDG_VIDEOS_DIR, else $HOME/Videos: where SaveReplay writes when neither it nor the config
  // names a place.
  std::string videos_dir() const;
  // $XDG_STATE_HOME/zerocast, else $HOME/.local/state/zerocast (the portal's restore tokens);
  // empty when neither is set.
  std::string state_dir() const;

 private:
  std::map<std::string, std::string> variables_;
};

// Every setting's environment variable, into `settings` (both names where a setting has a short
// one: ZEROCAST_ENCODER and ZEROCAST_CAPTURE_ENCODER, the long one winning). Also the run's
// state directory.
// Errc::invalid_argument (stage "config") "environment NAME REASON".
Result<void> apply_environment(Settings& settings, const Environment& env, Command command);

// Warnings for ZEROCAST_* variables no setting reads that look meant for one: a close spelling of a
// setting's variable ("ZEROCAST_CAPTURE_CODEX is not a zerocast variable; did you mean
// ZEROCAST_CAPTURE_CODEC?"), or a config table's prefix (ZEROCAST_CAPTURE_, ZEROCAST_AUDIO_, ...).
// The build and test tools' own variables (ZEROCAST_VM_CACHE, ...) are left alone.
std::vector<std::string> unknown_variables(const Environment& env);

// The allocator's tuning: ZEROCAST_MALLOC_TUNING, and whether the user set glibc's own
// MALLOC_MMAP_THRESHOLD_ or MALLOC_ARENA_MAX (those stay as they are).
AllocatorTuning allocator_tuning(const Process& process, const Environment& env);

}  // namespace zc::settings
