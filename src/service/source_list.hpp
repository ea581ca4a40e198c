#pragma once
// What `record --source` and `--audio` (and StartCapture's source and audio) can name on the
// PipeWire graph now: the model `zerocast sources` prints and the daemon's ListSources returns as
// JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/graph/source.hpp"

namespace zc::service {

// One thing an option can name.
struct SourceEntry {
  std::string kind;                  // "node", "portal", "test", "output", "input", "app"
  std::string value;                 // the option's value: "node:42", "portal", "output", "app:Firefox"
  std::vector<std::string> aliases;  // other values naming the same: "serial:57", "name:alsa_output..."
  std::string what;                  // for people: "Speakers (Audio/Sink), through its monitor"
  std::optional<capture::NodeInfo> node;
  bool gamescope = false;         // the node --source gamescope resolves to
  bool monitor = false;           // a sink: recorded through its monitor
  std::vector<uint32_t> streams;  // app: its playback streams' node ids
};

// Video sources (for --source), then sound (for --audio), each in a stable order (node ids).
struct SourceList {
  std::vector<SourceEntry> video;
  std::vector<SourceEntry> sound;
};

// What `nodes` offers (pure).
SourceList list_sources(const std::vector<capture::NodeInfo>& nodes);
// The same as one JSON object {"video": [...], "sound": [...]} for programs.
std::string sources_json(const SourceList& list);

}  // namespace zc::service
