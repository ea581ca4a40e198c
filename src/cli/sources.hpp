#pragma once
// `zerocast sources [--json]`: what `record --source` and `--audio` can name on this PipeWire
// graph now, written as those options take it (node:ID, serial:N, name:NODE, app:NAME).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace zc::cli {

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
// The listing for people: each line an option value (shell-quoted) first, then what it is.
std::string sources_text(const SourceList& list);
// The same as one JSON object {"video": [...], "sound": [...]} for programs.
std::string sources_json(const SourceList& list);

std::function<int()> add_sources_command(CLI::App& app);

}  // namespace zc::cli
