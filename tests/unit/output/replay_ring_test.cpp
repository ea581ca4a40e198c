// The replay ring with synthetic packets: what it holds, where a clip starts, both bounds.
#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>

#include "../output/fake_sink.hpp"
#include "output/replay_ring.hpp"

using namespace zc;
using namespace zc::output;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

constexpr int kFps = 25;  // 40 ms: exact in microseconds
constexpr int64_t kFrameUs = 1000000 / kFps;
constexpr int kGop = 50;  // 2 s

ffmpeg::StreamInfo info_at(uint32_t generation) {
  ffmpeg::StreamInfo info = fake_info(generation);
  info.frame_rate = AVRational{kFps, 1};
  info.time_base = AVRational{1, 1000000};
  return info;
}

// Frames [first, first+count) at 25 fps, a keyframe every kGop frames (counting from 0).
void feed(ReplayRing& ring, int first, int count, uint32_t generation = 0, int size = 1000) {
  for (int i = first; i < first + count; ++i) {
    REQUIRE(ring.write(fake_packet(int64_t{i} * kFrameUs, i % kGop == 0, generation, size)));
  }
}

int frame_of(const ffmpeg::EncodedPacket& p) {
  return static_cast<int>(p.packet->pts / kFrameUs);
}

}  // namespace

TEST_CASE("the replay ring holds at least its duration, trimmed by whole GOPs", "[replay]") {
  ReplayRing ring({.duration = 5000ms});
  REQUIRE(ring.begin({info_at(0)}));
  feed(ring, 0, 20 * kFps);  // 20 s
  // Held: from a keyframe, at least 5 s, less than 5 s + one GOP.
  CHECK(ring.held_seconds() >= 5.0);
  CHECK(ring.held_seconds() < 7.0);
  auto all = ring.clip(0);
  REQUIRE(all);
  REQUIRE(!all->packets.empty());
  CHECK(all->packets.front().keyframe());
  CHECK(frame_of(all->packets.front()) % kGop == 0);
  CHECK(frame_of(all->packets.back()) == 20 * kFps - 1);
  CHECK(all->packets.size() == ring.held_packets());
  CHECK(all->seconds == Approx(ring.held_seconds()));
  CHECK(all->bytes == ring.held_bytes());
  CHECK(ring.stats().packets == 20u * kFps);
}

TEST_CASE("a clip starts at the latest keyframe that covers the seconds asked for", "[replay]") {
  ReplayRing ring({.duration = 10000ms});
  REQUIRE(ring.begin({info_at(0)}));
  feed(ring, 0, 15 * kFps);  // 15 s; the last frame is 374, keyframes at 0, 50, ..., 350
  const int last = 15 * kFps - 1;

  auto three = ring.clip(3.0);
  REQUIRE(three);
  CHECK(three->packets.front().keyframe());
  // 3 s back from the end (frame 375) is frame 300, a keyframe: exactly 3 s.
  CHECK(frame_of(three->packets.front()) == 300);
  CHECK(three->seconds == Approx(3.0));
  CHECK(frame_of(three->packets.back()) == last);

  auto odd = ring.clip(2.5);
  REQUIRE(odd);
  // 2.5 s back is frame 312.5: the keyframe before it is 300 (within one GOP of the request).
  CHECK(frame_of(odd->packets.front()) == 300);
  CHECK(odd->seconds >= 2.5);
  CHECK(odd->seconds < 2.5 + 2.0);

  auto more = ring.clip(60.0);  // more than is held: everything
  REQUIRE(more);
  CHECK(more->packets.size() == ring.held_packets());
  // Packets are copies: the ring keeps its own.
  more->packets.clear();
  CHECK(ring.held_packets() > 0);
}

TEST_CASE("the replay ring drops packets until the first keyframe of a generation", "[replay]") {
  ReplayRing ring({.duration = 5000ms});
  CHECK(!ring.clip(0));  // nothing yet: not_found
  REQUIRE(ring.begin({info_at(0)}));
  feed(ring, 1, 49);  // frames 1..49: no keyframe among them
  CHECK(ring.held_packets() == 0);
  auto empty = ring.clip(1);
  REQUIRE(!empty);
  CHECK(empty.error().code == Errc::not_found);
  feed(ring, 50, 10);
  CHECK(ring.held_packets() == 10);
  CHECK(ring.stats().dropped == 49);
}

TEST_CASE("a new generation starts the replay ring over", "[replay]") {
  ReplayRing ring({.duration = 5000ms});
  REQUIRE(ring.begin({info_at(0)}));
  feed(ring, 0, 120);
  REQUIRE(ring.held_packets() == 120);
  REQUIRE(ring.begin({info_at(0)}));  // the same generation again: nothing changes
  CHECK(ring.held_packets() == 120);
  REQUIRE(ring.begin({info_at(1)}));
  CHECK(ring.held_packets() == 0);
  feed(ring, 120, 30, 0);  // late packets of the old generation are not mixed in
  CHECK(ring.held_packets() == 0);
  feed(ring, 150, 30, 1);
  CHECK(ring.held_packets() == 30);
  auto clip = ring.clip(0);
  REQUIRE(clip);
  CHECK(ffmpeg::generation_of(clip->streams) == 1);
  CHECK(clip->packets.front().generation == 1);
}

TEST_CASE("the byte bound trims whole GOPs and never leaves a clip without a keyframe", "[replay]") {
  // 50 packets of 1000 bytes per GOP; 150 kB holds three GOPs.
  ReplayRing ring({.duration = 60000ms, .max_bytes = 150000});
  REQUIRE(ring.begin({info_at(0)}));
  feed(ring, 0, 10 * kFps);
  CHECK(ring.held_bytes() <= 150000);
  CHECK(ring.held_bytes() > 60000);
  auto clip = ring.clip(0);
  REQUIRE(clip);
  CHECK(clip->packets.front().keyframe());
  CHECK(frame_of(clip->packets.back()) == 10 * kFps - 1);

  SECTION("one GOP larger than the budget: nothing is held rather than a broken clip") {
    ring.set_options({.duration = 60000ms, .max_bytes = 30000});
    feed(ring, 10 * kFps, kGop);
    CHECK(ring.held_bytes() <= 30000);
    CHECK(ring.held_packets() == 0);
    CHECK(!ring.clip(0));
  }
}

TEST_CASE("the replay ring grows past its initial slots and keeps order", "[replay]") {
  // 240 fps for 4 s: more packets than the initial 256 slots, wrapped several times first.
  ReplayRing ring({.duration = 3000ms});
  ffmpeg::StreamInfo info = fake_info(0);
  info.frame_rate = AVRational{240, 1};
  REQUIRE(ring.begin({info}));
  const int64_t step = 1000000 / 240;
  for (int i = 0; i < 240 * 4; ++i)
    REQUIRE(ring.write(fake_packet(i * step, i % 240 == 0, 0, 10)));
  auto clip = ring.clip(0);
  REQUIRE(clip);
  REQUIRE(clip->packets.size() > 256);
  for (size_t i = 1; i < clip->packets.size(); ++i) {
    REQUIRE(clip->packets[i].packet->pts == clip->packets[i - 1].packet->pts + step);
  }
  CHECK(clip->packets.back().packet->pts == (240 * 4 - 1) * step);
}

TEST_CASE("with B-frames a clip ends where every frame shown is in it", "[replay]") {
  // x264's order with B-frames: I0 P4 B2 B1 B3 P8 B6 B5 B7 P12 ... (pts in frames); dts count up
  // from -2 (two frames of reorder delay).
  ReplayRing ring({.duration = 60000ms});
  REQUIRE(ring.begin({info_at(0)}));
  const std::vector<int> order = {0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11, 16};
  for (size_t i = 0; i < order.size(); ++i) {
    auto p = fake_packet(int64_t{order[i]} * kFrameUs, i == 0);
    p.packet->dts = (static_cast<int64_t>(i) - 2) * kFrameUs;
    REQUIRE(ring.write(p));
  }
  auto clip = ring.clip(0);
  REQUIRE(clip);
  // P16 waits for the B frames shown before it: frames 0..12, all of them, and nothing after.
  std::vector<int> shown;
  for (const auto& p : clip->packets)
    shown.push_back(frame_of(p));
  std::sort(shown.begin(), shown.end());
  std::vector<int> want(13);
  std::iota(want.begin(), want.end(), 0);
  CHECK(shown == want);
  CHECK(clip->seconds == Approx(13.0 / kFps));
  // ReplaySeconds says what a save gets now, not up to P16 (17 frames held).
  CHECK(ring.held_seconds() == Approx(13.0 / kFps));

  // P16's B frames, then P20: now 13..16 are complete too (P20 waits for its own).
  int64_t dts = static_cast<int64_t>(order.size()) - 2;
  for (int pts : {14, 13, 15, 20}) {
    auto p = fake_packet(int64_t{pts} * kFrameUs, false);
    p.packet->dts = dts++ * kFrameUs;
    REQUIRE(ring.write(p));
    if (pts != 20) CHECK(ring.clip(0)->packets.size() == 13);  // not yet
  }
  auto later = ring.clip(0);
  REQUIRE(later);
  CHECK(later->packets.size() == 13 + 4);
  CHECK(later->seconds == Approx(17.0 / kFps));
  CHECK(ring.held_seconds() == Approx(17.0 / kFps));
}

TEST_CASE("a closed replay ring saves up to its last frame", "[replay]") {
  ReplayRing ring({.duration = 60000ms});
  REQUIRE(ring.begin({info_at(0)}));
  const std::vector<int> order = {0, 4, 2, 1, 3};  // P4's B frames are in, but no packet after
  for (size_t i = 0; i < order.size(); ++i) {
    auto p = fake_packet(int64_t{order[i]} * kFrameUs, i == 0);
    p.packet->dts = (static_cast<int64_t>(i) - 2) * kFrameUs;
    REQUIRE(ring.write(p));
  }
  CHECK(ring.clip(0)->packets.size() == 1);  // only I0 is surely complete
  CHECK(ring.held_seconds() == Approx(1.0 / kFps));
  REQUIRE(ring.close());  // the encoder was drained: this is all there is
  auto clip = ring.clip(0);
  REQUIRE(clip);
  CHECK(clip->packets.size() == 5);
  CHECK(clip->seconds == Approx(5.0 / kFps));
  CHECK(ring.held_seconds() == Approx(5.0 / kFps));
}
