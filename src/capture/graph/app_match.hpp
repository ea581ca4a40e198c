#pragma once
// `--audio app:NAME`, the pure part: which playback streams an app source takes, and which of
// their output ports go into which input port of our capture stream. The PipeWire side
// (registry, links) is capture/app_links.
#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace zc::capture {

// Who plays a stream: the node's own application.name / application.process.binary, and where
// the node has none, its client's (GStreamer's pipewiresink and pw-play name the application on
// the node but leave the binary to the client; pipewire-pulse streams carry both on the node, and
// their client is pipewire-pulse itself, which must not stand in for them).
struct AppIdentity {
  std::string name;    // application.name
  std::string binary;  // application.process.binary
};
AppIdentity app_identity(const AppIdentity& node, const AppIdentity& client);

// Exact and case-insensitive (ASCII) on the name or the binary: "firefox" takes Firefox's streams
// (application.name "Firefox") but not "firefox-esr"'s. Empty `wanted` matches nothing.
bool app_matches(std::string_view wanted, const AppIdentity& app);

// Whether an app port carrying channel `from` (audio.channel: "FL", "MONO", ...) feeds our input
// port carrying `to`. The same channel goes to itself; into a stereo capture, mono and centre
// channels go to both sides, left ones (SL, RL, ...) to FL, right ones to FR; into a mono capture
// everything goes; LFE and AUX channels go nowhere. Several ports into one are summed by
// PipeWire's port mixer.
bool channel_feeds(std::string_view from, std::string_view to);

struct PortInfo {
  uint32_t id = 0;
  uint32_t node = 0;
  bool output = false;   // port.direction "out"
  bool monitor = false;  // port.monitor: a sink's or a stream's monitor, never linked by us
  std::string channel;   // audio.channel; empty: not a DSP audio port
};

struct LinkPair {
  uint32_t output_node = 0;
  uint32_t output_port = 0;
  uint32_t input_node = 0;
  uint32_t input_port = 0;
  auto operator<=>(const LinkPair&) const = default;
};

// Every link that puts the output ports of `apps` into the input ports of `own_node`, by channel
// (channel_feeds). Monitor ports and ports without a channel are left out.
std::set<LinkPair> plan_links(const std::vector<PortInfo>& ports, const std::set<uint32_t>& apps, uint32_t own_node);

// What an app source tells its observer (capture::AudioObserver::on_app_stream).
struct AppStreamEvent {
  enum class Kind : uint8_t {
    none_yet,     // the registry holds no matching stream now (after the first scan, or a new connection)
    joined,       // a matching stream appeared (or started to match): its ports are being linked
    left,         // a matched stream went away
    link_failed,  // the server refused a link (stream: which port, and why)
  };
  Kind kind = Kind::none_yet;
  std::string stream;  // "'Firefox' (firefox, node 57)"; for link_failed also the server's reason
  size_t streams = 0;  // matching streams after this event
};

}  // namespace zc::capture
