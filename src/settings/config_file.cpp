#include "settings/config_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace zc::settings {
namespace {

tl::unexpected<Error> config_error(const std::string& where, const std::string& what) {
  return fail(Errc::invalid_argument, "config", where + ": " + what);
}

std::string section_of(std::string_view key) {
  return std::string(key.substr(0, key.find('.')));
}

std::string known_sections() {
  std::string out;
  for (const auto& s : table()) {
    if (s.doors.toml.empty()) continue;
    const std::string section = "[" + section_of(s.doors.toml) + "]";
    if (out.find(section) != std::string::npos) continue;
    out += out.empty() ? "" : ", ";
    out += section;
  }
  return out;
}

// A TOML value as a door's input: strings, integers, floats, booleans; arrays of strings.
std::optional<Input> input_of(const toml::node& node) {
  if (auto v = node.value_exact<std::string>()) return Input{*v};
  if (auto v = node.value_exact<int64_t>()) return Input{*v};
  if (node.is_floating_point()) return Input{*node.value_exact<double>()};
  if (auto v = node.value_exact<bool>()) return Input{*v};
  return std::nullopt;
}

std::string node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

Result<void> check_network(const Settings& s, const std::string& where) {
  if (s.daemon.reconnect_min_ms > s.daemon.reconnect_max_ms) {
    return config_error(where, "key 'network.reconnect_min_ms' is larger than 'network.reconnect_max_ms'");
  }
  return {};
}

}  // namespace

Result<Settings> parse_config(const std::string& text, const std::string& path, Settings base) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return config_error(path + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  Settings s = std::move(base);
  for (auto&& [section_key, section] : root) {
    const std::string section_name(section_key.str());
    const std::string at = path + ":" + std::to_string(section_key.source().begin.line);
    auto* t = section.as_table();
    if (!t) {
      for (const auto& row : table()) {
        const std::string_view key = row.doors.toml;
        if (key.size() > section_name.size() && key.substr(key.find('.') + 1) == section_name) {
          return config_error(
              at, "key '" + section_name + "' belongs in [" + section_of(key) + "] (see the example config)");
        }
      }
      return config_error(at, "unknown key '" + section_name + "' (the tables are " + known_sections() + ")");
    }
    if (known_sections().find("[" + section_name + "]") == std::string::npos) {
      return config_error(at, "unknown table '[" + section_name + "]' (known: " + known_sections() + ")");
    }
    for (auto&& [key, node] : *t) {
      const std::string name = section_name + "." + std::string(key.str());
      const std::string where = path + ":" + std::to_string(key.source().begin.line);
      const Setting* row = find(&Doors::toml, name);
      if (!row) return config_error(where, "unknown key '" + name + "'");
      const auto input = input_of(node);
      if (!input) {
        return config_error(
            where, "key '" + name + "' must be " + std::string(to_string(row->kind)) + ", not " + node_type_name(node));
      }
      const std::string door = where + ": key '" + name + "'";  // NOLINT(performance-inefficient-string-concatenation)
      if (auto ok = set(s, *row, *input, kFromFile, door, "config"); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  if (auto ok = check_network(s, path); !ok) return tl::unexpected(ok.error());
  return s;
}

Result<Settings> load_config(const ConfigSources& sources) {
  Settings s = defaults(sources.command);
  std::error_code ec;
  if (!sources.path.empty() && std::filesystem::exists(sources.path, ec)) {
    std::ifstream in(sources.path);
    if (!in) return config_error(sources.path, "cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse_config(text.str(), sources.path, s);
    if (!parsed) return parsed;
    s = std::move(*parsed);
  } else if (sources.required) {
    return config_error(sources.path, "does not exist");
  }
  if (auto ok = apply_environment(s, sources.env, sources.command); !ok) return tl::unexpected(ok.error());
  for (const auto& [name, text] : sources.overrides) {
    const Setting* row = find(&Doors::toml, name);
    if (!row) return config_error("command line", "unknown key '" + name + "'");
    if (auto ok = set(s, *row, Input{text}, kFromText, "command line: key '" + name + "'", "config"); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (auto ok = check_network(s, "config"); !ok) return tl::unexpected(ok.error());
  return s;
}

std::string toml_default(const Setting& setting) {
  const std::string_view text =
      setting.daemon_default.data() != nullptr ? setting.daemon_default : setting.record_default;
  switch (setting.kind) {
    case Kind::integer:
    case Kind::number:
    case Kind::flag:
      return std::string(text);
    case Kind::text:
    case Kind::list:
      break;
  }
  return "\"" + std::string(text) + "\"";
}

std::string replay_directory(const Settings& settings, const Environment& env) {
  return settings.daemon.replay_directory.empty() ? env.videos_dir() : settings.daemon.replay_directory;
}

}  // namespace zc::settings
