#pragma once
// The built-in test source's sound: a PipeWire Audio/Source node that drives its own graph from
// its own clock, as a sound card does. Its sample clock can run fast or slow against the system
// clock by a chosen ppm: real skew (samples arrive faster or slower than wall time), not a label.
// Over a quiet background it emits a click (a 1 ms burst at 3 kHz) at each instant `marks` names,
// such as the capture times of marked video frames, so a decoder of the recording can measure
// the A/V offset click by click.
//
// Its cycle at graph time t carries the samples captured in [t - lag - quantum, t - lag), the
// way a capture device hands over what it has just captured; the lag (so that marks are known
// before their samples go out) is declared as the node's latency, which reaches a consumer as
// pw_time.delay.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "testsrc/options.hpp"

namespace zc::testsrc {

struct AudioOptions {
  std::string node_name = "zerocast-test-audio";
  uint32_t rate = 48000;
  uint32_t channels = 2;
  uint32_t quantum = 512;  // samples per cycle: a power of two, as PipeWire's quantum is
  double ppm = 0;          // the sample clock against CLOCK_MONOTONIC: +2000 sends 48096 samples a second
  double tone_hz = 0;      // a quiet background tone (0: silence)
  float tone_level = 0.05f;
  float click_level = 0.8f;
  std::chrono::milliseconds lag{30};
  // Appends the click times (CLOCK_MONOTONIC ns) in [from_ns, to_ns). Called on the source's
  // thread; may be empty (no clicks).
  std::function<void(int64_t from_ns, int64_t to_ns, std::vector<int64_t>& out)> marks;
};

struct AudioStats {
  uint64_t cycles = 0;
  uint64_t samples = 0;  // per channel, queued
  uint64_t clicks = 0;
  uint64_t late = 0;  // times a cycle waited (no free buffer, or the last cycle still running)
  bool streaming = false;
};

class AudioTestSource {
 public:
  explicit AudioTestSource(AudioOptions options);
  ~AudioTestSource();
  AudioTestSource(const AudioTestSource&) = delete;
  AudioTestSource& operator=(const AudioTestSource&) = delete;

  Result<void> start();
  Result<NodeIdentity> wait_for_node(std::chrono::milliseconds timeout);
  AudioStats stats() const;
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::testsrc
