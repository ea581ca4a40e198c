#pragma once
// The time of an audio block's first sample on CLOCK_MONOTONIC, from the graph cycle that carried it.
// A source's cycle hands over what was just captured: the block ends at the cycle's time less the
// device's delay. What is played (a sink's monitor, an application's stream) is what the cycle
// sends on to be heard: it starts at the cycle's time. A cycle time repeated from the block before (two
// buffers taken in one late cycle on a loaded machine, PipeWire 1.4) would give two blocks one
// time and the second would be trimmed as an overlap: such a block follows the one before it.
#include <cstdint>

namespace zc::capture {

struct AudioCycle {
  bool graph_clock = false;  // the driver set the time (now != 0); else `callback_ns` stands in
  int64_t now_ns = 0;        // pw_time.now
  int64_t delay_ns = 0;      // pw_time.delay in ns
  int64_t callback_ns = 0;   // monotonic_ns() in the process callback
};

class AudioStamper {
 public:
  explicit AudioStamper(bool played) : played_(played) {}

  // The first sample's time of a block of `span_ns` carried by `cycle`.
  int64_t stamp(const AudioCycle& cycle, int64_t span_ns);

 private:
  bool played_;
  bool have_last_ = false;
  int64_t last_now_ = 0;  // cycle time of the previous block (graph clock only)
  int64_t last_end_ = 0;  // previous block's first sample + its span
};

}  // namespace zc::capture
