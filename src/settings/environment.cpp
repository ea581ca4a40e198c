#include "settings/environment.hpp"

#include <filesystem>

#include "settings/table.hpp"

extern char** environ;

namespace zc::settings {

Environment Environment::of_process() {
  std::map<std::string, std::string> variables;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    variables.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return Environment(std::move(variables));
}

std::optional<std::string> Environment::get(std::string_view name) const {
  const auto it = variables_.find(std::string(name));
  if (it == variables_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Environment::config_path() const {
  if (auto xdg = get("XDG_CONFIG_HOME"); xdg && xdg->front() == '/') return *xdg + "/zerocast/config.toml";
  return get("HOME").value_or("") + "/.config/zerocast/config.toml";
}

std::string Environment::videos_dir() const {
  if (auto videos = get("XDG_VIDEOS_DIR"); videos && videos->front() == '/') return *videos;
  return get("HOME").value_or("") + "/Videos";
}

std::string Environment::state_dir() const {
  if (auto state = get("XDG_STATE_HOME"); state && state->front() == '/') return *state + "/zerocast";
  if (auto home = get("HOME")) return (std::filesystem::path(*home) / ".local" / "state" / "zerocast").string();
  return "";
}

Result<void> apply_environment(Settings& settings, const Environment& env, Command command) {
  for (const auto& row : table()) {
    // The record command leaves the daemon's configuration (the variables that mirror the config
    // file's keys) to the daemon.
    const bool reads_long = command == Command::daemon || row.doors.toml.empty();
    for (const std::string_view name : {row.doors.env_alias, reads_long ? row.doors.env : std::string_view()}) {
      if (name.empty()) continue;
      const auto value = env.get(name);
      if (!value) continue;
      // A long name set beside the short one wins (it is read last).
      if (auto ok = set(settings, row, Input{*value}, kFromText, "environment " + std::string(name), "config"); !ok) {
        return ok;
      }
    }
  }
  settings.capture.toggles.state_dir = env.state_dir();
  return {};
}

AllocatorTuning allocator_tuning(const Process& process, const Environment& env) {
  AllocatorTuning t;
  t.enabled = process.malloc_tuning;
  t.user_mmap_threshold = env.get("MALLOC_MMAP_THRESHOLD_").has_value();
  t.user_arena_max = env.get("MALLOC_ARENA_MAX").has_value();
  return t;
}

}  // namespace zc::settings
