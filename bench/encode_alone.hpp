#pragma once
// The floor for zerocast's CPU path (issue 14): libx264 alone encoding the same frames with
// zerocast's settings (`record --encoder libx264 --low-latency --bitrate B`: the same encoder
// class, so the same options), in this process. Frames arrive as BGRx, as the producers send
// them, and are converted to NV12 (one libyuv call) outside the measured window: the process's CPU
// is read around the encoder's own calls only (libx264's zerolatency mode encodes each frame's
// slices on its threads inside the call).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace zc::bench {

// BGRx frames of one size, one after another.
class FrameFeed {
 public:
  virtual ~FrameFeed() = default;
  // Fills `bgrx` (width * 4 bytes a row) with the next frame; false when there is none.
  virtual bool next(uint8_t* bgrx) = 0;
};

// The test source's pattern (zerocast test-source draws the same frames).
std::unique_ptr<FrameFeed> pattern_feed(uint32_t width, uint32_t height);
// GStreamer's videotestsrc `pattern` as raw BGRx through a pipe (the same frames its
// pipewiresink sends as a producer), `frames` of them.
std::unique_ptr<FrameFeed> gstreamer_feed(const std::string& pattern, uint32_t width, uint32_t height, uint32_t fps,
                                          uint64_t frames);

struct EncodeCost {
  double cpu_ms_per_frame = 0;  // the whole process inside the encoder's calls
  uint64_t frames = 0;
  // Wall time of each frame's calls (submit + receive): the encoder's own latency, the floor for
  // capture→packet. Keyframes apart: libx264 codes every block of them.
  double wall_p50_ms = 0;
  double wall_p99_ms = 0;
  double wall_key_ms = 0;    // the mean over keyframes
  double wall_other_ms = 0;  // the mean over the rest
  uint64_t keyframes = 0;
  bool ok = false;
};

struct AloneOptions {
  // Each frame is handed over no sooner than its time at `fps` from the first, as a live recorder
  // gets them, and the encoder waits between frames; otherwise one after another.
  bool paced = false;
  // Of the `frames` the feed gives, encode this many, spread evenly, each at its own time (the
  // frames a recorder got from a producer that skipped some); 0: all.
  uint64_t keep = 0;
};

EncodeCost encode_alone(FrameFeed& feed, uint32_t width, uint32_t height, uint32_t fps, uint32_t bitrate_kbps,
                        uint64_t frames, AloneOptions options = {});

}  // namespace zc::bench
