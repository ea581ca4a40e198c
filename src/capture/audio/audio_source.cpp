#include "capture/audio/audio_source.hpp"

#include "core/parse_number.hpp"

namespace zc::capture {
namespace {

constexpr const char* kStage = "capture:audio";
const std::string kForms = "output, input, node:ID, serial:N, name:NODE_NAME, app:NAME or test";

std::string node_text(const NodeInfo& n) {
  return std::to_string(n.id) + " " + n.name + " (serial " + std::to_string(n.serial) + ", " + n.media_class + ")";
}

std::string audio_nodes_text(const std::vector<NodeInfo>& nodes) {
  std::string s;
  for (const auto& n : nodes) {
    if (!is_audio_node(n)) continue;
    s += (s.empty() ? "" : ", ") + node_text(n);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

Result<AudioSourceSpec> parse_audio_source(std::string_view text) {
  using Kind = AudioSourceSpec::Kind;
  if (text == "output") return AudioSourceSpec{Kind::output, 0, {}};
  if (text == "input") return AudioSourceSpec{Kind::input, 0, {}};
  if (text == "test") return AudioSourceSpec{Kind::test, 0, {}};
  for (auto [prefix, kind] :
       {std::pair{std::string_view("node:"), Kind::node}, std::pair{std::string_view("serial:"), Kind::serial}}) {
    if (text.substr(0, prefix.size()) != prefix) continue;
    const auto value = parse_number<uint64_t>(text.substr(prefix.size()));
    if (!value || (kind == Kind::node && *value > UINT32_MAX)) {
      return fail(Errc::invalid_argument, kStage,
                  "audio source '" + std::string(text) + "': expected a number after '" + std::string(prefix) + "'");
    }
    return AudioSourceSpec{kind, *value, {}};
  }
  for (auto [prefix, kind] :
       {std::pair{std::string_view("name:"), Kind::name}, std::pair{std::string_view("app:"), Kind::app}}) {
    if (text.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = text.substr(prefix.size());
    if (rest.empty()) {
      return fail(Errc::invalid_argument, kStage,
                  "audio source '" + std::string(text) + "': expected a name after '" + std::string(prefix) + "'");
    }
    return AudioSourceSpec{kind, 0, std::string(rest)};
  }
  return fail(Errc::invalid_argument, kStage, "unknown audio source '" + std::string(text) + "'; use " + kForms);
}

std::string to_string(const AudioSourceSpec& spec) {
  switch (spec.kind) {
    case AudioSourceSpec::Kind::output:
      return "output";
    case AudioSourceSpec::Kind::input:
      return "input";
    case AudioSourceSpec::Kind::node:
      return "node:" + std::to_string(spec.value);
    case AudioSourceSpec::Kind::serial:
      return "serial:" + std::to_string(spec.value);
    case AudioSourceSpec::Kind::name:
      return "name:" + spec.name;
    case AudioSourceSpec::Kind::app:
      return "app:" + spec.name;
    case AudioSourceSpec::Kind::test:
      return "test";
  }
  return "?";
}

bool is_audio_sink(const NodeInfo& node) {
  return node.media_class == "Audio/Sink" || node.media_class == "Audio/Duplex";
}

bool is_audio_node(const NodeInfo& node) {
  return is_audio_sink(node) || node.media_class.rfind("Audio/Source", 0) == 0 ||
         node.media_class == "Stream/Output/Audio" || node.media_class == "Stream/Input/Audio";
}

Result<AudioTarget> find_audio_target(const AudioSourceSpec& spec, const std::vector<NodeInfo>& nodes) {
  using Kind = AudioSourceSpec::Kind;
  switch (spec.kind) {
    case Kind::output:
      return AudioTarget{{}, true, true, "the default sink's monitor", {}, true};
    case Kind::input:
      return AudioTarget{{}, false, true, "the default source", {}, false};
    case Kind::app:
      return AudioTarget{{}, false, false, "the playback streams of application '" + spec.name + "'", spec.name, true};
    case Kind::test:
      return fail(Errc::invalid_argument, kStage, "the test source is not looked up among nodes");
    default:
      break;
  }
  const NodeInfo* found = nullptr;
  for (const auto& n : nodes) {
    if ((spec.kind == Kind::node && n.id == spec.value) || (spec.kind == Kind::serial && n.serial == spec.value) ||
        (spec.kind == Kind::name && n.name == spec.name)) {
      found = &n;
      break;
    }
  }
  if (!found) {
    return fail(Errc::not_found, kStage,
                "audio source " + to_string(spec) + " not found; audio nodes: " + audio_nodes_text(nodes));
  }
  if (!is_audio_node(*found)) {
    return fail(Errc::invalid_argument, kStage, "node " + node_text(*found) + " is not an audio node");
  }
  AudioTarget t;
  // By name where it has one: a device that comes back (USB replugged) keeps its name, not its serial.
  t.target_object = spec.kind == Kind::name ? found->name : std::to_string(found->serial);
  t.capture_sink = is_audio_sink(*found);
  t.played = t.capture_sink || found->media_class == "Stream/Output/Audio";
  t.description = (t.capture_sink ? "the monitor of node " : "node ") + node_text(*found);
  return t;
}

}  // namespace zc::capture
