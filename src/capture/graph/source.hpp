#pragma once
// What to capture: `--source node:ID|serial:N|gamescope|portal|test` parsed and resolved to a
// producer node through the PipeWire registry.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capture/video/stream.hpp"
#include "core/error.hpp"

namespace zc::capture {

struct SourceSpec {
  enum class Kind : uint8_t { node, serial, gamescope, portal, test };
  Kind kind = Kind::test;
  uint64_t value = 0;  // node id, serial, or for the portal its PortalSourceType bits
  bool operator==(const SourceSpec&) const = default;
};

// Errc::invalid_argument with the accepted forms when `text` is none of them.
Result<SourceSpec> parse_source(std::string_view text);
// Back to text, as parse_source takes it: "test", "node:57", "serial:312", "portal:monitor+window".
std::string to_string(const SourceSpec& spec);

struct NodeInfo {
  uint32_t id = 0;
  uint64_t serial = 0;
  std::string name;         // node.name
  std::string description;  // node.description
  std::string media_class;  // media.class
  std::string app_name;     // application.name (an application's stream; the registry shows it)
};

// Nodes that produce video (media.class Video/Source* or Stream/Output/Video).
bool is_video_source(const NodeInfo& node);

// Every node the registry shows, over a short-lived connection (`fd` as in StreamOptions).
Result<std::vector<NodeInfo>> list_nodes(std::chrono::milliseconds timeout = std::chrono::seconds(3), UniqueFd fd = {});
Result<std::vector<NodeInfo>> list_video_sources(std::chrono::milliseconds timeout = std::chrono::seconds(3));

// "57 gamescope (serial 312, Video/Source), ..." or "none".
std::string describe_sources(const std::vector<NodeInfo>& nodes);

// The node a spec names, among `nodes` (pure, for tests and for callers that listed already).
// node/serial/gamescope: Errc::not_found naming the video sources there are; a node that is not
// a video source: Errc::invalid_argument. portal: Errc::unsupported (the pipeline opens it through the portal). test:
// Errc::invalid_argument (the pipeline starts the built-in source and passes its serial).
Result<Target> find_source(const SourceSpec& spec, const std::vector<NodeInfo>& nodes);

// list_nodes() + find_source().
Result<Target> resolve_source(const SourceSpec& spec, std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace zc::capture
