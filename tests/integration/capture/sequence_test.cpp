// The producer's frame numbers across a format change: a producer that numbers the new format's
// frames from 0 again loses none of them (they are not taken for stale buffers of the old one).
// A real, private PipeWire with WirePlumber; FixateProducer as the producer.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "capture/video/stream.hpp"
#include "fixate_producer.hpp"
#include "recorder.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::FixateProducer;
using zc::capture::test::Recorder;
using zc::test::PipeWireDaemon;

TEST_CASE("sequence: a producer that counts from 0 again after a resize loses none of the new frames") {
  PipeWireDaemon daemon;
  FixateProducer::Options o;
  o.count_again_on_format = true;
  FixateProducer src(o);
  Recorder rec;
  auto stream = Stream::start(src.stream_options(), rec);
  REQUIRE(stream);
  // Far enough that the new format's first numbers are behind the last one taken, and within
  // kMaxStaleBack of it: what a stale buffer of the old format would look like.
  REQUIRE(rec.wait(5s, [&] { return rec.frames.size() >= 20; }));
  src.resize(640, 360);
  const auto wide = [&] {
    size_t n = 0;
    for (const auto& f : rec.frames)
      n += f.width == 640 ? 1 : 0;
    return n;
  };
  const bool resized = rec.wait(5s, [&] { return wide() >= 15; });
  INFO(rec.history());
  REQUIRE(resized);
  rec.locked([&] {
    CHECK(rec.defects.empty());  // nothing skipped as stale
    // The new format's frames: 0, 1, 2, ... each delivered. On PipeWire 1.x the link loses one now
    // and then in the emulated guest (tests/support/pw_link_loss.hpp; CI's vm:capture_pw14 of
    // 2026-11-27 lost number 3, and one earlier run number 0): there the numbers may skip, but
    // only what capture counted as missed (missed_before; the first has nothing before it to count
    // against, so it is allowed as a loss too). On 0.3.65 every number is required. A stale check
    // that took them for old buffers would skip about 20, counted as defects.
    // The first problem only, with where it is (one CHECK per frame buried CI's output).
    std::optional<uint64_t> expected;
    uint64_t lost = 0;
    size_t wide_frames = 0;
    std::string problem;
    for (const auto& f : rec.frames) {
      if (f.width != 640 || !problem.empty()) continue;
      ++wide_frames;
      if (expected && f.sequence < *expected) {
        problem = "number " + std::to_string(f.sequence) + " after " + std::to_string(*expected - 1);
        continue;
      }
      const uint64_t skipped = expected ? f.sequence - *expected : f.sequence;
      if (expected && f.missed_before != skipped) {
        problem = "number " + std::to_string(f.sequence) + " after " + std::to_string(*expected - 1) + " with " +
                  std::to_string(f.missed_before) + " counted missed";
      } else if (f.first_byte != (f.sequence & 0xff)) {
        problem = "number " + std::to_string(f.sequence) + " carries the picture of " + std::to_string(f.first_byte);
      }
      lost += skipped;
      expected = f.sequence + 1;
    }
    INFO(lost << " numbers lost of " << wide_frames + lost << "; " << problem);
    CHECK(problem.empty());
    CHECK(lost <= zc::test::link_loss_allowed(wide_frames + lost, 10));
  });
  CHECK((*stream)->stats().format_changes == 1);
}
