#include "settings/environment.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "settings/suggest.hpp"
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

std::vector<std::string> Environment::names_starting(std::string_view prefix) const {
  std::vector<std::string> names;
  for (const auto& [name, value] : variables_) {
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
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
  (void)command;  // record and the daemon read the same file, so the same variables
  for (const auto& row : table()) {
    for (const std::string_view name : {row.doors.env_alias, row.doors.env}) {
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

std::vector<std::string> unknown_variables(const Environment& env) {
  std::vector<std::string> known;
  std::vector<std::string> prefixes;
  for (const auto& row : table()) {
    for (const std::string_view name : {row.doors.env_alias, row.doors.env}) {
      if (!name.empty()) known.emplace_back(name);
    }
    // ZEROCAST_CAPTURE_ of ZEROCAST_CAPTURE_CODEC: the variables that mirror a config table.
    if (const auto dot = row.doors.toml.find('.'); dot != std::string_view::npos) {
      std::string prefix = "ZEROCAST_";
      for (const char c : row.doors.toml.substr(0, dot))
        prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      prefix += '_';
      if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) prefixes.push_back(prefix);
    }
  }
  std::vector<std::string> warnings;
  for (const auto& name : env.names_starting("ZEROCAST_")) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    const auto near = closest(name, known);
    const bool table_like =
        std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) { return name.rfind(p, 0) == 0; });
    if (!near && !table_like) continue;
    warnings.push_back(name + " is not a zerocast variable and is ignored" +
                       (near ? "; did you mean " + *near + "?" : std::string(" (README, Environment)")));
  }
  return warnings;
}

AllocatorTuning allocator_tuning(const Process& process, const Environment& env) {
  AllocatorTuning t;
  t.enabled = process.malloc_tuning;
  t.user_mmap_threshold = env.get("MALLOC_MMAP_THRESHOLD_").has_value();
  t.user_arena_max = env.get("MALLOC_ARENA_MAX").has_value();
  return t;
}

}  // namespace zc::settings
