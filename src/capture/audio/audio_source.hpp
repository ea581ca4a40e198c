#pragma once
// Which sound to capture: `--audio output|input|node:ID|serial:N|name:NODE|app:NAME`, parsed, and
// the PipeWire stream properties that reach it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capture/graph/source.hpp"
#include "core/error.hpp"

namespace zc::capture {

struct AudioSourceSpec {
  enum class Kind : uint8_t {
    output,  // what the user hears: the default sink's monitor, following the default
    input,   // the default microphone, following the default
    node,    // a node by id (a sink is captured through its monitor)
    serial,  // a node by object serial
    name,    // a node by node.name (found again when it comes back)
    app,     // the playback streams of applications whose name or binary matches
    test,    // the built-in test source's sound (beside --source test)
  };
  Kind kind = Kind::output;
  uint64_t value = 0;  // node id or serial
  std::string name;    // node.name or the application
  bool operator==(const AudioSourceSpec&) const = default;
};

// Errc::invalid_argument naming the accepted forms.
Result<AudioSourceSpec> parse_audio_source(std::string_view text);
// The spec as the user wrote it ("output", "node:57", "app:firefox").
std::string to_string(const AudioSourceSpec& spec);

// Nodes that make sound we can capture: sinks (through their monitor), sources, and playback or
// capture streams of applications.
bool is_audio_node(const NodeInfo& node);
bool is_audio_sink(const NodeInfo& node);

// How an audio capture stream reaches its source: the target.object to ask for (empty: the
// session manager's default), whether it captures a sink's monitor, or (app) the application
// whose playback streams we link into it ourselves.
struct AudioTarget {
  std::string target_object;
  bool capture_sink = false;
  bool follow_default = false;  // output/input: the session manager moves us when the default changes
  std::string description;      // for messages: "the default sink's monitor", "node 57 (alsa_output...)"
  std::string app;              // app:NAME: NAME (the stream is linked by us, never by the session manager)
  // What the node sends on to be heard (a sink's monitor, an application's playback stream): its
  // blocks start at their cycle's time, not a block before it (capture/audio/audio_stamp.hpp).
  bool played = false;
};

// For output/input: no lookup. For node/serial/name: the node among `nodes`; Errc::not_found
// listing the audio nodes there are, Errc::invalid_argument for a node that is not audio.
// app: no lookup either (a stream that is not there yet joins when it appears). test:
// Errc::invalid_argument (the pipeline knows its node).
Result<AudioTarget> find_audio_target(const AudioSourceSpec& spec, const std::vector<NodeInfo>& nodes);

}  // namespace zc::capture
