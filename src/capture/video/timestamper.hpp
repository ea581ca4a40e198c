#pragma once
// Capture timestamps on CLOCK_MONOTONIC (DESIGN.md §6: from the capture clock, never from frame
// counts). Producers that stamp buffers (compositors) use CLOCK_MONOTONIC; GStreamer's
// pipewiresink and PipeWire's examples send no pts, so those frames are stamped on arrival.
#include <cstdint>
#include <optional>

namespace zc::capture {

class Timestamper {
 public:
  // A header clock further than this from ours is some other clock: map it by a fixed offset.
  static constexpr int64_t kMaxSkewNs = 1'000'000'000;

  // `header_pts`: the buffer's SPA_META_Header pts (nullopt, 0 or negative: none). `arrival_ns`:
  // zc::monotonic_ns() when the buffer was dequeued. Returns a strictly increasing time.
  int64_t stamp(std::optional<int64_t> header_pts, int64_t arrival_ns);

  // How often the producer's clock had to be (re)mapped; 1 for a foreign clock, 0 for monotonic.
  uint32_t remaps() const { return remaps_; }

 private:
  bool have_offset_ = false;
  int64_t offset_ = 0;  // added to header pts
  uint32_t remaps_ = 0;
  bool have_last_ = false;
  int64_t last_ = 0;
};

}  // namespace zc::capture
