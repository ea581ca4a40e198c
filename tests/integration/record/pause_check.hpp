#pragma once
// A recording of the test source (with its clicks) that was paused and resumed, read back: the
// pictures' times and numbers, where the numbers jump (the paused span), whether the picture after
// a jump is a keyframe, and the clicks against their frames (av_sync).
#include <cstdint>
#include <string>
#include <vector>

#include "av_sync.hpp"

namespace zc::test {

struct PausedFile {
  std::string error;
  size_t frames = 0;
  double largest_gap_ms = 0;  // between successive pictures' times
  struct Jump {
    uint32_t from = 0, to = 0;  // the numbers either side
    double at_s = 0;            // the later picture's time in the file
    bool keyframe = false;      // the later picture is one
  };
  std::vector<Jump> jumps;  // numbers that go up by more than `allowed_skip`
  AvOffsets av;
  std::string describe() const;
};

PausedFile read_paused_file(const std::string& path, uint32_t mark_every, uint32_t allowed_skip);

}  // namespace zc::test
