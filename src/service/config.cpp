#include "service/config.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

#include "capture/graph/source.hpp"
#include "core/parse_number.hpp"

extern char** environ;

namespace zc::service {

using session::parse_size;
namespace {

using Value = std::variant<int64_t, double, std::string, bool>;
enum class Kind { integer, number, string, boolean };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::integer:
      return "integer";
    case Kind::number:
      return "number";
    case Kind::string:
      return "string";
    case Kind::boolean:
      return "boolean";
  }
  return "?";
}

// Applies a typed value to the config, or says why it is out of range.
using Setter = std::function<std::optional<std::string>(Config&, const Value&)>;

struct Entry {
  ConfigKey key;
  Kind kind;
  Setter set;
};

std::string env_name(const std::string& key) {
  std::string out = "ZEROCAST_";
  for (char c : key)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Entry int_key(std::string name, int64_t def, int64_t lo, int64_t hi, std::string help, uint32_t Config::*field) {
  Entry e{{name, "integer", std::to_string(def), std::move(help), env_name(name)}, Kind::integer, {}};
  e.set = [lo, hi, field](Config& c, const Value& v) -> std::optional<std::string> {
    const int64_t x = std::get<int64_t>(v);
    if (x < lo || x > hi) return "must be " + std::to_string(lo) + ".." + std::to_string(hi);
    c.*field = static_cast<uint32_t>(x);
    return std::nullopt;
  };
  return e;
}

Entry number_key(std::string name, double def, double lo, double hi, std::string help, double Config::*field) {
  std::ostringstream d;
  d << def;
  std::string text = d.str();
  if (text.find('.') == std::string::npos) text += ".0";
  Entry e{{name, "number", text, std::move(help), env_name(name)}, Kind::number, {}};
  e.set = [lo, hi, field](Config& c, const Value& v) -> std::optional<std::string> {
    const double x = std::get<double>(v);
    if (!std::isfinite(x) || x < lo || x > hi) {
      std::ostringstream m;
      m << "must be " << lo << ".." << hi;
      return m.str();
    }
    c.*field = x;
    return std::nullopt;
  };
  return e;
}

Entry bool_key(std::string name, bool def, std::string help, bool Config::*field) {
  Entry e{{name, "boolean", def ? "true" : "false", std::move(help), env_name(name)}, Kind::boolean, {}};
  e.set = [field](Config& c, const Value& v) -> std::optional<std::string> {
    c.*field = std::get<bool>(v);
    return std::nullopt;
  };
  return e;
}

// A string checked by `check` (which returns why it is refused) before it is stored by `store`.
Entry string_key(std::string name, const std::string& def, std::string help,
                 std::function<std::optional<std::string>(Config&, const std::string&)> store) {
  Entry e{{name, "string", "\"" + def + "\"", std::move(help), env_name(name)}, Kind::string, {}};
  e.set = [store = std::move(store)](Config& c, const Value& v) { return store(c, std::get<std::string>(v)); };
  return e;
}

std::optional<std::string> one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return std::nullopt;
    list += list.empty() ? "" : ", ";
    list += a;
  }
  return "must be one of " + list;
}

const std::vector<Entry>& schema() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> s;
    s.push_back(string_key("daemon.default_source", "portal",
                           "What StartCapture captures when no source is given: "
                           "portal | test | node:ID | serial:N | gamescope",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             auto spec = capture::parse_source(v);
                             if (!spec) return spec.error().message;
                             c.default_source = *spec;
                             return std::nullopt;
                           }));
    s.push_back(int_key("daemon.max_captures", 4, 1, 64, "How many captures may run at once", &Config::max_captures));
    s.push_back(string_key(
        "daemon.metrics", "", "Serve Prometheus metrics on HOST:PORT (e.g. \"127.0.0.1:9187\"); empty: off",
        [](Config& c, const std::string& v) -> std::optional<std::string> {
          if (!v.empty()) {
            const auto colon = v.rfind(':');
            const auto port =
                colon == std::string::npos ? std::nullopt : parse_number<int>(std::string_view(v).substr(colon + 1));
            if (colon == 0 || !port || *port < 1 || *port > 65535) {
              return "must be HOST:PORT";
            }
          }
          c.metrics = v;
          return std::nullopt;
        }));
    s.push_back(string_key("capture.codec", "h264", "h264 | hevc | av1",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto codec = encode::codec_from_string(v); !codec) return "must be h264, hevc or av1";
                             c.codec = v;
                             return std::nullopt;
                           }));
    s.push_back(string_key("capture.encoder", "auto", "auto, or an FFmpeg encoder name (libx264, hevc_nvenc, ...)",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (v.empty()) return "must not be empty (use \"auto\")";
                             c.encoder = v;
                             return std::nullopt;
                           }));
    s.push_back(
        int_key("capture.bitrate", 0, 0, 500000, "Bitrate in kbit/s; 0: the tuning's default", &Config::bitrate_kbps));
    s.push_back(int_key("capture.fps", 0, 0, 240, "Nominal frame rate; 0: the source's", &Config::fps));
    s.push_back(number_key("capture.gop_seconds", 2.0, 0.1, 60.0,
                           "Keyframe interval in seconds (the replay "
                           "buffer trims whole GOPs)",
                           &Config::gop_seconds));
    s.push_back(string_key("capture.scale", "", "Output size WIDTHxHEIGHT; empty: the source's size",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (v.empty()) {
                               c.scale.reset();
                               return std::nullopt;
                             }
                             auto size = parse_size(v);
                             if (!size) return size.error().message;
                             c.scale = *size;
                             return std::nullopt;
                           }));
    s.push_back(string_key("capture.tuning", "auto",
                           "auto (low latency when streaming, quality for files) | low-latency | quality",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto bad = one_of(v, {"auto", "low-latency", "quality"})) return bad;
                             c.tuning = v;
                             return std::nullopt;
                           }));
    s.push_back(string_key("capture.bit_depth", "auto",
                           "auto (10 bits when the source has them and the encoder takes them) | 8 | 10",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto bad = one_of(v, {"auto", "8", "10"})) return bad;
                             c.bit_depth = v;
                             return std::nullopt;
                           }));
    s.push_back(bool_key("capture.cursor", true,
                         "Show the pointer (the portal's embedded cursor, or a metadata cursor drawn)",
                         &Config::cursor));
    s.push_back(bool_key("capture.cfr", false,
                         "Repeat frames to hold capture.fps (else the rate the producer announces)", &Config::cfr));
    s.push_back(number_key("capture.reconnect_seconds", 60.0, 0.0, 86400.0,
                           "After PipeWire went away, retry this long before giving up; 0: forever",
                           &Config::reconnect_seconds));
    s.push_back(string_key("audio.sources", "output",
                           "Sound every capture records unless StartCapture says otherwise: sources separated by ';', "
                           "each output | input | node:ID | serial:N | name:NODE | app:NAME | test, with ,volume=DB "
                           "and ,muted; empty: no sound",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto list = session::parse_audio_settings(v); !list) return list.error().message;
                             c.audio_sources = v;
                             return std::nullopt;
                           }));
    s.push_back(string_key("audio.tracks", "mix", "mix (one track) | separate (a track per source)",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto bad = one_of(v, {"mix", "separate"})) return bad;
                             c.audio_tracks = v;
                             return std::nullopt;
                           }));
    s.push_back(string_key("audio.codec", "auto", "auto (Opus in mkv/mp4, else AAC) | opus | aac",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (auto bad = one_of(v, {"auto", "opus", "aac"})) return bad;
                             c.audio_codec = v;
                             return std::nullopt;
                           }));
    s.push_back(int_key("audio.bitrate", 0, 0, 512, "Audio bitrate in kbit/s; 0: 128", &Config::audio_bitrate_kbps));
    s.push_back(
        int_key("replay.seconds", 0, 0, 3600, "Replay buffer held by every capture; 0: none", &Config::replay_seconds));
    s.push_back(int_key("replay.max_megabytes", 512, 1, 65536, "Memory bound of one replay buffer",
                        &Config::replay_max_megabytes));
    s.push_back(string_key("replay.directory", "",
                           "Where SaveReplay writes when given no path; empty: "
                           "$XDG_VIDEOS_DIR or ~/Videos",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             if (!v.empty() && v.front() != '/') return "must be an absolute path";
                             c.replay_directory = v;
                             return std::nullopt;
                           }));
    s.push_back(int_key("network.reconnect_min_ms", 500, 10, 600000,
                        "First wait before reconnecting a lost network output (doubles each time)",
                        &Config::reconnect_min_ms));
    s.push_back(int_key("network.reconnect_max_ms", 30000, 10, 600000, "Longest wait between reconnects",
                        &Config::reconnect_max_ms));
    s.push_back(string_key("test_source.size", "1280x720", "Size of the built-in test source (source = \"test\")",
                           [](Config& c, const std::string& v) -> std::optional<std::string> {
                             auto size = parse_size(v);
                             if (!size) return size.error().message;
                             c.test_size = *size;
                             return std::nullopt;
                           }));
    s.push_back(int_key("test_source.fps", 30, 1, 240, "Rate of the built-in test source", &Config::test_fps));
    return s;
  }();
  return entries;
}

const Entry* find_entry(const std::string& name) {
  for (const auto& e : schema()) {
    if (e.key.name == name) return &e;
  }
  return nullptr;
}

// Text (environment, command line) to the key's type.
std::optional<Value> parse_text(Kind kind, const std::string& text) {
  switch (kind) {
    case Kind::string:
      return Value{text};
    case Kind::boolean:
      if (text == "true" || text == "1" || text == "yes" || text == "on") return Value{true};
      if (text == "false" || text == "0" || text == "no" || text == "off") return Value{false};
      return std::nullopt;
    case Kind::integer: {
      const auto v = parse_number<int64_t>(text);
      if (!v) return std::nullopt;
      return Value{*v};
    }
    case Kind::number: {
      const auto v = parse_number<double>(text);
      if (!v) return std::nullopt;
      return Value{*v};
    }
  }
  return std::nullopt;
}

std::optional<Value> from_node(Kind kind, const toml::node& node) {
  switch (kind) {
    case Kind::string:
      if (auto v = node.value_exact<std::string>()) return Value{*v};
      break;
    case Kind::boolean:
      if (auto v = node.value_exact<bool>()) return Value{*v};
      break;
    case Kind::integer:
      if (auto v = node.value_exact<int64_t>()) return Value{*v};
      break;
    case Kind::number:
      // An integer is a fine number ("gop_seconds = 2").
      if (node.is_floating_point()) return Value{*node.value_exact<double>()};
      if (auto v = node.value_exact<int64_t>()) return Value{static_cast<double>(*v)};
      break;
  }
  return std::nullopt;
}

std::string node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

std::string a_kind(Kind kind) {
  return kind == Kind::integer ? "an integer" : std::string("a ") + kind_name(kind);
}

tl::unexpected<Error> config_error(const std::string& where, const std::string& what) {
  return fail(Errc::invalid_argument, "config", where + ": " + what);
}

std::string known_sections() {
  std::string out;
  std::string last;
  for (const auto& e : schema()) {
    const std::string section = e.key.name.substr(0, e.key.name.find('.'));
    if (section == last) continue;
    out += out.empty() ? "" : ", ";
    out += "[" + section + "]";
    last = section;
  }
  return out;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> out;
    for (const auto& e : schema())
      out.push_back(e.key);
    return out;
  }();
  return keys;
}

std::string default_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/zerocast/config.toml";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.config/zerocast/config.toml";
}

Result<Config> parse_config(const std::string& text, const std::string& path, Config base) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return config_error(path + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  Config c = std::move(base);
  for (auto&& [section_key, section] : root) {
    const std::string section_name(section_key.str());
    const std::string at = path + ":" + std::to_string(section_key.source().begin.line);
    auto* table = section.as_table();
    if (!table) {
      for (const auto& e : schema()) {
        if (e.key.name.size() > section_name.size() &&
            e.key.name.compare(e.key.name.size() - section_name.size(), section_name.size(), section_name) == 0 &&
            e.key.name[e.key.name.size() - section_name.size() - 1] == '.') {
          return config_error(at, "key '" + section_name + "' belongs in [" +
                                      e.key.name.substr(0, e.key.name.find('.')) + "] (see the example config)");
        }
      }
      return config_error(at, "unknown key '" + section_name + "' (the tables are " + known_sections() + ")");
    }
    bool known_section = false;
    for (const auto& e : schema())
      known_section = known_section || e.key.name.rfind(section_name + ".", 0) == 0;
    if (!known_section) {
      return config_error(at, "unknown table '[" + section_name + "]' (known: " + known_sections() + ")");
    }
    for (auto&& [key, node] : *table) {
      const std::string name = section_name + "." + std::string(key.str());
      const std::string where = path + ":" + std::to_string(key.source().begin.line);
      const Entry* entry = find_entry(name);
      if (!entry) return config_error(where, "unknown key '" + name + "'");
      auto value = from_node(entry->kind, node);
      if (!value) {
        return config_error(where,
                            "key '" + name + "' must be " + a_kind(entry->kind) + ", not " + node_type_name(node));
      }
      if (auto bad = entry->set(c, *value)) return config_error(where, "key '" + name + "' " + *bad);
    }
  }
  if (c.reconnect_min_ms > c.reconnect_max_ms) {
    return config_error(path, "key 'network.reconnect_min_ms' is larger than 'network.reconnect_max_ms'");
  }
  return c;
}

Result<Config> load_config(const ConfigSources& sources) {
  Config c;
  std::error_code ec;
  if (!sources.path.empty() && std::filesystem::exists(sources.path, ec)) {
    std::ifstream in(sources.path);
    if (!in) return config_error(sources.path, "cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse_config(text.str(), sources.path, c);
    if (!parsed) return parsed;
    c = std::move(*parsed);
  } else if (sources.required) {
    return config_error(sources.path, "does not exist");
  }

  auto apply_text = [&](const Entry& e, const std::string& text, const std::string& where) -> Result<void> {
    auto value = parse_text(e.kind, text);
    if (!value)
      return config_error(where, "key '" + e.key.name + "' must be " + a_kind(e.kind) + ", not '" + text + "'");
    if (auto bad = e.set(c, *value)) return config_error(where, "key '" + e.key.name + "' " + *bad);
    return {};
  };
  // ZEROCAST_ENCODER (DESIGN.md §7) is the short name of capture.encoder.
  std::map<std::string, std::string> env = sources.env;
  if (auto it = env.find("ZEROCAST_ENCODER"); it != env.end() && !env.count("ZEROCAST_CAPTURE_ENCODER")) {
    env["ZEROCAST_CAPTURE_ENCODER"] = it->second;
  }
  for (const auto& e : schema()) {
    if (auto it = env.find(e.key.env); it != env.end()) {
      if (auto ok = apply_text(e, it->second, "environment " + e.key.env); !ok) return tl::unexpected(ok.error());
    }
  }
  for (const auto& [name, text] : sources.overrides) {
    const Entry* e = find_entry(name);
    if (!e) return config_error("command line", "unknown key '" + name + "'");
    if (auto ok = apply_text(*e, text, "command line"); !ok) return tl::unexpected(ok.error());
  }
  if (c.reconnect_min_ms > c.reconnect_max_ms) {
    return config_error("config", "key 'network.reconnect_min_ms' is larger than 'network.reconnect_max_ms'");
  }
  return c;
}

std::map<std::string, std::string> zerocast_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("ZEROCAST_", 0) != 0) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

std::optional<encode::Tuning> tuning_of(const Config& config) {
  if (config.tuning == "low-latency") return encode::Tuning::LowLatency;
  if (config.tuning == "quality") return encode::Tuning::Quality;
  return std::nullopt;
}

std::string replay_directory(const Config& config) {
  if (!config.replay_directory.empty()) return config.replay_directory;
  const char* videos = std::getenv("XDG_VIDEOS_DIR");
  if (videos && *videos == '/') return videos;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/Videos";
}

}  // namespace zc::service
