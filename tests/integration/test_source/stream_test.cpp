// The test source against a private PipeWire (+ WirePlumber) with a raw pw_stream consumer:
// frame numbers without gaps, header metas, pacing, driver and follower modes.
#include <catch2/catch.hpp>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>

#include "consumer.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "test_source/test_source.hpp"

using namespace std::chrono_literals;
using zc::testsrc::test::Consumer;
using zc::testsrc::test::ConsumerOptions;
using zc::testsrc::test::ReceivedFrame;

namespace {

zc::testsrc::Options small_source(uint32_t fps = 30) {
  zc::testsrc::Options o;
  o.width = 320;
  o.height = 240;
  o.fps = fps;
  o.node_name = "zc-test-source-it";
  return o;
}

// Frames that arrived in the steady state: starting at the first numbered one.
void check_consecutive(const std::vector<ReceivedFrame>& frames) {
  REQUIRE_FALSE(frames.empty());
  for (size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    REQUIRE(frames[i].has_header);
    REQUIRE(frames[i].number.has_value());
    CHECK(*frames[i].number == frames[i].seq);
    if (i > 0) {
      CHECK(frames[i].seq == frames[i - 1].seq + 1);
      CHECK(frames[i].pts > frames[i - 1].pts);
    }
  }
}

}  // namespace

TEST_CASE("test source streams consecutive frame numbers at its rate (source drives)") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::TestSource source(small_source(30));
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  CHECK(node->serial > 0);

  ConsumerOptions co;
  co.target_serial = node->serial;
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_frames(1, 10s));
  const int64_t t0 = zc::monotonic_ns();
  REQUIRE(consumer.wait_frames(61, 5s));
  const double seconds = (zc::monotonic_ns() - t0) / 1e9;
  const auto frames = consumer.frames();
  const auto stats = source.stats();
  // Shared memory is allocated by PipeWire: never a broken buffer.
  CHECK(consumer.recoveries() == 0);
  consumer.stop();
  source.stop();

  check_consecutive(frames);
  CHECK(frames.front().seq == 0);  // nothing was queued before the consumer was there
  // PipeWire's shared memory: data inside its shared block.
  CHECK(frames.front().data_type == SPA_DATA_MemPtr);
  CHECK(frames.front().chunk_size == frames.front().chunk_stride * 240u);
  CHECK(frames.front().damage_regions >= 1);
  // 60 frame intervals at 30 fps take 2 s; allow for a loaded 2-core machine.
  CHECK(seconds > 1.6);
  CHECK(seconds < 3.0);
  CHECK(stats.queued >= frames.size());
  CHECK(stats.skipped_no_buffer == 0);
  REQUIRE(stats.format());
  CHECK(stats.format()->width == 320);
  CHECK(stats.format()->memory == zc::testsrc::BufferMode::Shm);
}

TEST_CASE("memfd mode sends our own SPA_DATA_MemFd buffers") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  auto options = small_source(60);
  options.mode = zc::testsrc::BufferMode::MemFd;
  zc::testsrc::TestSource source(options);
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  ConsumerOptions co;
  co.target_serial = node->serial;
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_until(
      [](const auto& frames) {
        size_t good = 0;
        for (const auto& f : frames)
          good += f.number ? 1 : 0;
        return good >= 20;
      },
      10s));
  auto frames = consumer.frames();
  const auto stats = source.stats();
  consumer.stop();

  // See BufferMode::MemFd: PipeWire may break the first allocation; then the consumer renegotiates.
  CHECK(consumer.recoveries() <= 1);
  size_t first = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].broken) first = i + 1;
  }
  frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(first));
  check_consecutive(frames);
  for (const auto& f : frames) {
    CHECK(f.data_type == SPA_DATA_MemFd);
    CHECK(f.fd >= 0);
  }
  REQUIRE(stats.format());
  CHECK(stats.format()->memory == zc::testsrc::BufferMode::MemFd);
}
