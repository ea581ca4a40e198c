#include "capture/graph/source.hpp"

#include <cstring>

#include "capture/portal/portal_token.hpp"
#include "capture/pw/connection.hpp"
#include "capture/pw/prop_number.hpp"
#include "core/log.hpp"
#include "core/parse_number.hpp"

namespace zc::capture {
namespace {

struct RegistryScan {
  std::vector<NodeInfo> nodes;

  static void on_global(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
    auto* self = static_cast<RegistryScan*>(data);
    if (std::strcmp(type, PW_TYPE_INTERFACE_Node) != 0) return;
    NodeInfo node;
    node.id = id;
    if (props) {
      auto get = [&](const char* key) {
        const char* v = spa_dict_lookup(props, key);
        return std::string(v ? v : "");
      };
      node.serial = prop_number<uint64_t>(props, PW_KEY_OBJECT_SERIAL).value_or(0);
      node.name = get(PW_KEY_NODE_NAME);
      node.description = get(PW_KEY_NODE_DESCRIPTION);
      node.media_class = get(PW_KEY_MEDIA_CLASS);
      node.app_name = get(PW_KEY_APP_NAME);
    }
    self->nodes.push_back(std::move(node));
  }
};

const std::string kForms = "node:ID, serial:N, gamescope, portal[:monitor|window|virtual, joined by '+'] or test";

// "monitor+window" → kPortalMonitor | kPortalWindow; 0 for an unknown word.
uint64_t portal_types(std::string_view words) {
  uint64_t types = 0;
  while (!words.empty()) {
    const auto plus = words.find('+');
    const std::string_view word = words.substr(0, plus);
    if (word == "monitor") {
      types |= kPortalMonitor;
    } else if (word == "window") {
      types |= kPortalWindow;
    } else if (word == "virtual") {
      types |= kPortalVirtual;
    } else {
      return 0;
    }
    if (plus == std::string_view::npos) break;
    words = words.substr(plus + 1);
    if (words.empty()) return 0;  // a trailing '+'
  }
  return types;
}

}  // namespace

Result<SourceSpec> parse_source(std::string_view text) {
  if (text == "gamescope") return SourceSpec{SourceSpec::Kind::gamescope, 0};
  if (text == "portal") return SourceSpec{SourceSpec::Kind::portal, kPortalMonitor};
  if (text.substr(0, 7) == "portal:") {
    const uint64_t types = portal_types(text.substr(7));
    if (types == 0) {
      return fail(
          Errc::invalid_argument, "capture",
          "source '" + std::string(text) + "': portal source types are monitor, window and virtual, joined by '+'");
    }
    return SourceSpec{SourceSpec::Kind::portal, types};
  }
  if (text == "test") return SourceSpec{SourceSpec::Kind::test, 0};
  for (auto [prefix, kind] : {std::pair{std::string_view("node:"), SourceSpec::Kind::node},
                              std::pair{std::string_view("serial:"), SourceSpec::Kind::serial}}) {
    if (text.substr(0, prefix.size()) != prefix) continue;
    const auto value = parse_number<uint64_t>(text.substr(prefix.size()));
    if (!value) {
      return fail(Errc::invalid_argument, "capture",
                  "source '" + std::string(text) + "': expected a number after '" + std::string(prefix) + "'");
    }
    if (kind == SourceSpec::Kind::node && *value > UINT32_MAX) {
      return fail(Errc::invalid_argument, "capture", "source '" + std::string(text) + "': node id out of range");
    }
    return SourceSpec{kind, *value};
  }
  return fail(Errc::invalid_argument, "capture", "unknown source '" + std::string(text) + "'; use " + kForms);
}

std::string to_string(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceSpec::Kind::node:
      return "node:" + std::to_string(spec.value);
    case SourceSpec::Kind::serial:
      return "serial:" + std::to_string(spec.value);
    case SourceSpec::Kind::gamescope:
      return "gamescope";
    case SourceSpec::Kind::test:
      return "test";
    case SourceSpec::Kind::portal:
      break;
  }
  if (spec.value == kPortalMonitor) return "portal";
  std::string types;
  for (auto [bit, word] : {std::pair{kPortalMonitor, "monitor"}, std::pair{kPortalWindow, "window"},
                           std::pair{kPortalVirtual, "virtual"}}) {
    if (spec.value & bit) types += (types.empty() ? "" : "+") + std::string(word);
  }
  return "portal:" + types;
}

bool is_video_source(const NodeInfo& node) {
  return node.media_class.rfind("Video/Source", 0) == 0 || node.media_class == "Stream/Output/Video";
}

Result<std::vector<NodeInfo>> list_nodes(std::chrono::milliseconds timeout, UniqueFd fd) {
  auto conn = Connection::open("zerocast-registry", std::move(fd));
  if (!conn) return tl::unexpected(conn.error());
  Connection& c = **conn;
  if (auto r = c.start(); !r) return tl::unexpected(r.error());
  RegistryScan scan;
  auto lock = c.lock();
  pw::RegistryPtr registry(pw_core_get_registry(c.core(), PW_VERSION_REGISTRY, 0));
  if (!registry) return fail(Errc::pipewire, "capture", "cannot get the PipeWire registry");
  pw::Hook hook;
  pw_registry_events events{};
  events.version = PW_VERSION_REGISTRY_EVENTS;
  events.global = &RegistryScan::on_global;
  pw_registry_add_listener(registry.get(), hook.get(), &events, &scan);
  // Globals arrive before the answer to a sync sent after the registry was bound.
  auto r = c.roundtrip(timeout);
  hook.reset();
  registry.reset();
  if (!r) return tl::unexpected(r.error());
  return scan.nodes;
}

Result<std::vector<NodeInfo>> list_video_sources(std::chrono::milliseconds timeout) {
  auto nodes = list_nodes(timeout);
  if (!nodes) return nodes;
  std::erase_if(*nodes, [](const NodeInfo& n) { return !is_video_source(n); });
  return nodes;
}

std::string describe_sources(const std::vector<NodeInfo>& nodes) {
  std::string out;
  for (const auto& n : nodes) {
    if (!is_video_source(n)) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {} (serial {}, {})", n.id, n.name.empty() ? "(unnamed)" : n.name, n.serial, n.media_class);
  }
  return out.empty() ? "none" : out;
}

Result<Target> find_source(const SourceSpec& spec, const std::vector<NodeInfo>& nodes) {
  using Kind = SourceSpec::Kind;
  if (spec.kind == Kind::portal) {
    return fail(Errc::unsupported, "capture",
                "the portal source is opened through the ScreenCast portal, not looked up among PipeWire nodes");
  }
  if (spec.kind == Kind::test) {
    return fail(Errc::invalid_argument, "capture", "the test source is started by the pipeline, not looked up");
  }
  const NodeInfo* found = nullptr;
  std::string what;
  for (const auto& n : nodes) {
    if (spec.kind == Kind::node && n.id == spec.value) found = &n;
    if (spec.kind == Kind::serial && n.serial == spec.value) found = &n;
    // gamescope names its PipeWire node "gamescope"; there is at most one per session.
    if (spec.kind == Kind::gamescope && n.name == "gamescope" && is_video_source(n)) found = &n;
    if (found) break;
  }
  switch (spec.kind) {
    case Kind::node:
      what = fmt::format("node {}", spec.value);
      break;
    case Kind::serial:
      what = fmt::format("node with serial {}", spec.value);
      break;
    default:
      what = "gamescope's PipeWire node (is gamescope running with PipeWire capture?)";
      break;
  }
  if (!found) {
    return fail(Errc::not_found, "capture", what + " not found; video sources: " + describe_sources(nodes));
  }
  if (!is_video_source(*found)) {
    return fail(Errc::invalid_argument, "capture",
                fmt::format("{} ({}) is not a video source (media.class '{}'); video sources: {}", what, found->name,
                            found->media_class, describe_sources(nodes)));
  }
  return Target{found->serial, found->id, found->name};
}

Result<Target> resolve_source(const SourceSpec& spec, std::chrono::milliseconds timeout) {
  if (spec.kind == SourceSpec::Kind::portal || spec.kind == SourceSpec::Kind::test) return find_source(spec, {});
  auto nodes = list_nodes(timeout);
  if (!nodes) return tl::unexpected(nodes.error());
  return find_source(spec, *nodes);
}

}  // namespace zc::capture
