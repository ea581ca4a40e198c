#include <catch2/catch.hpp>

#include "capture/audio/audio_stamp.hpp"

using zc::capture::AudioCycle;
using zc::capture::AudioStamper;

namespace {
constexpr int64_t kSpan = 42'666'666;  // 2048 frames at 48 kHz

AudioCycle graph(int64_t now, int64_t delay = 0) {
  AudioCycle c;
  c.graph_clock = true;
  c.now_ns = now;
  c.delay_ns = delay;
  c.callback_ns = now + 3'000'000;  // the callback runs a little after the cycle started
  return c;
}
}  // namespace

TEST_CASE("audio stamp: a captured block ends at its cycle less the device's delay") {
  AudioStamper s(false);
  CHECK(s.stamp(graph(10'000'000'000, 5'000'000), kSpan) == 10'000'000'000 - 5'000'000 - kSpan);
  CHECK(s.stamp(graph(10'000'000'000 + kSpan, 5'000'000), kSpan) == 10'000'000'000 - 5'000'000);
}

TEST_CASE("audio stamp: a played block starts at its cycle") {
  AudioStamper s(true);
  CHECK(s.stamp(graph(10'000'000'000, 5'000'000), kSpan) == 10'000'000'000);
  CHECK(s.stamp(graph(10'000'000'000 + kSpan), kSpan) == 10'000'000'000 + kSpan);
}

TEST_CASE("audio stamp: two blocks of one cycle time follow each other, never share a time") {
  // PipeWire 1.4 on a loaded machine: a late cycle hands two monitor blocks with one pw_time.now.
  for (const bool played : {true, false}) {
    AudioStamper s(played);
    const int64_t first = s.stamp(graph(20'000'000'000), kSpan);
    CHECK(s.stamp(graph(20'000'000'000), kSpan) == first + kSpan);
    CHECK(s.stamp(graph(20'000'000'000), kSpan) == first + 2 * kSpan);
    // The clock moves on: back to the cycle's own time.
    const int64_t next = 20'000'000'000 + 3 * kSpan;
    CHECK(s.stamp(graph(next), kSpan) == (played ? next : next - kSpan));
  }
}

TEST_CASE("audio stamp: a clock that goes back (a new driver) is taken as it is") {
  AudioStamper s(true);
  CHECK(s.stamp(graph(30'000'000'000), kSpan) == 30'000'000'000);
  CHECK(s.stamp(graph(29'000'000'000), kSpan) == 29'000'000'000);
}

TEST_CASE("audio stamp: without a graph clock the callback's time stands in, late never early") {
  AudioCycle c;
  c.callback_ns = 7'000'000'000;
  AudioStamper capture(false), played(true);
  CHECK(capture.stamp(c, kSpan) == 7'000'000'000 - kSpan);
  CHECK(played.stamp(c, kSpan) == 7'000'000'000);
  // Two callbacks at one time without a graph clock are not chained: there is no cycle to repeat.
  CHECK(played.stamp(c, kSpan) == 7'000'000'000);
}
