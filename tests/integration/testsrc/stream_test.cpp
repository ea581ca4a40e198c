// The test source against a private PipeWire (+ WirePlumber) with a raw pw_stream consumer:
// frame numbers without gaps, header metas, pacing, driver and follower modes.
#include <catch2/catch.hpp>

#include <algorithm>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>

#include "consumer.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "support/emulated.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"
#include "support/skip.hpp"
#include "testsrc/test_source.hpp"

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

// Frames the consumer never saw although the source queued them, checking that every frame
// carries its own number and that numbers only go up.
size_t count_lost(const std::vector<ReceivedFrame>& frames) {
  size_t lost = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    REQUIRE(frames[i].number.has_value());
    CHECK(*frames[i].number == frames[i].seq);
    if (i > 0) {
      REQUIRE(frames[i].seq > frames[i - 1].seq);
      lost += frames[i].seq - frames[i - 1].seq - 1;
    }
  }
  return lost;
}

// Seconds from the first frame's arrival to that of the first frame `intervals` numbers later,
// both stamped by the consumer's data thread as they came (not by this thread, whose wake-up
// after the first one may be late on a loaded machine and shorten the span).
double span_s(const std::vector<ReceivedFrame>& frames, uint64_t intervals) {
  const auto end = std::find_if(frames.begin(), frames.end(),
                                [&](const ReceivedFrame& f) { return f.seq >= frames.front().seq + intervals; });
  REQUIRE(end != frames.end());
  return static_cast<double>(end->arrival_ns - frames.front().arrival_ns) / 1e9;
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
  REQUIRE(consumer.wait_frames(61, 5s));
  const auto frames = consumer.frames();
  const double seconds = span_s(frames, 60);
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
  // 60 frame intervals at 30 fps take 2 s. Never faster; slower only on a very loaded machine
  // (late timer ticks produce one frame, not a burst).
  CHECK(seconds > 1.6);
  CHECK(seconds < 4.0);
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
  co.driver = true;  // every frame counted (see ConsumerOptions::driver)
  co.driver_rate = 120;
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

TEST_CASE("test source follows a consumer that drives the graph, at its own rate") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::TestSource source(small_source(30));
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  ConsumerOptions co;
  co.target_serial = node->serial;
  co.driver = true;
  co.driver_rate = 100;  // cycles faster than the source's 30 fps: most cycles carry no new frame
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_frames(1, 10s));
  REQUIRE(consumer.wait_frames(46, 5s));
  const auto frames = consumer.frames();
  const double seconds = span_s(frames, 45);
  const auto stats = source.stats();
  const bool consumer_drives = consumer.driving();
  consumer.stop();

  CHECK(consumer_drives);
  CHECK_FALSE(stats.driving);
  check_consecutive(frames);
  // Paced by the source's timer (45 intervals at 30 fps = 1.5 s), not by the 100 Hz driver.
  CHECK(seconds > 1.2);
  CHECK(seconds < 3.5);
  CHECK(consumer.recoveries() == 0);
}

TEST_CASE("formats metas and colours arrive as announced") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  for (auto format : {zc::PixelFormat::RGBA, zc::PixelFormat::xBGR}) {
    INFO(zc::to_string(format));
    auto options = small_source(60);
    options.format = format;
    options.cursor = true;
    options.crop = zc::Rect{8, 4, 300, 200};
    options.node_name = std::string("zc-test-source-") + std::string(zc::to_string(format));
    zc::testsrc::TestSource source(options);
    REQUIRE(source.start());
    auto node = source.wait_for_node(5s);
    REQUIRE(node);
    ConsumerOptions co;
    co.target_serial = node->serial;
    co.formats = {zc::PixelFormat::BGRx, format};  // the source offers only `format`
    co.driver = true;                              // every frame counted (see ConsumerOptions::driver)
    co.driver_rate = 120;
    Consumer consumer(co);
    consumer.start();
    REQUIRE(consumer.wait_frames(10, 10s));
    const auto frames = consumer.frames();
    consumer.stop();
    check_consecutive(frames);
    for (const auto& f : frames) {
      CHECK(f.format == format);
      CHECK(f.red_bar == std::array<uint8_t, 3>{192, 0, 0});
      CHECK(f.cursor_valid);
      CHECK(f.cursor_bitmap);
      CHECK(f.crop_width == 300);
      CHECK(f.damage_regions >= 1);
    }
  }
}

TEST_CASE("1080p60: no gaps and the producer's CPU per frame") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::Options options;  // 1920x1080 BGRx at 60 fps, the defaults
  options.node_name = "zc-test-source-1080p";
  zc::testsrc::TestSource source(options);
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  ConsumerOptions co;
  co.target_serial = node->serial;
  Consumer consumer(co);
  consumer.start();
  // Steady state: every buffer has had its one full paint.
  REQUIRE(consumer.wait_frames(30, 10s));
  const auto before = source.stats();
  timespec cpu0{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  REQUIRE(consumer.wait_frames(30 + 180, 6s));  // 3 s
  timespec cpu1{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  const auto after = source.stats();
  const auto frames = consumer.frames();
  consumer.stop();

  // The source drives, as a compositor does, and starts no cycle while its last one runs, so a
  // consumer late on a loaded machine gets every frame (src/testsrc/README.md) on PipeWire 0.3.
  // 1.4 loses some in the link under load all the same (1 of 210 in a guest run beside a busy
  // loop; support/pw_link_loss.hpp): a twentieth allowed there.
  // On 0.3.65 too, CI's normal stage lost one of 210 once (2026-11-26, beside the vm tests on 2
  // cores): one is allowed there; a source that loses frames as a rule (a gate that does not hold,
  // a number advanced on a skipped tick) loses many more. The source's counters say which kind.
  const size_t lost = count_lost(frames);
  INFO("lost " << lost << " of " << frames.size() << "; source: skipped busy " << after.skipped_busy << ", no buffer "
               << after.skipped_no_buffer << ", cycle timeouts " << after.cycle_timeouts << ", late ticks "
               << after.late_ticks);
  CHECK(lost <= std::max<size_t>(1, zc::test::link_loss_allowed(frames.size(), 20)));
  const double n = static_cast<double>(after.queued - before.queued);
  REQUIRE(n > 0);
  const double loop_us = (after.loop_cpu_ns - before.loop_cpu_ns) / n / 1000.0;
  const double paint_us = (after.paint_cpu_ns - before.paint_cpu_ns) / n / 1000.0;
  const double process_us = ((cpu1.tv_sec - cpu0.tv_sec) * 1e9 + (cpu1.tv_nsec - cpu0.tv_nsec)) / n / 1000.0;
  std::printf(
      "test-source 1080p60: source loop thread %.1f us/frame (painting %.1f us), whole process with the "
      "consumer %.1f us/frame, %llu frames\n",
      loop_us, paint_us, process_us, static_cast<unsigned long long>(n));
  // Loose bound for a shared 2-core CI machine (the figures themselves are printed above); the
  // sanitizer build is too slow to say anything about CPU time, and so is the vm tests' emulated
  // guest (2813 us there in CI's run of 2026-11-27, beside the host's own tests).
#if !defined(__SANITIZE_ADDRESS__)
  if (!zc::test::emulated_machine()) CHECK(loop_us < 2000.0);
#endif
  CHECK(paint_us < loop_us);
}

TEST_CASE("240 fps: numbers in order at a high rate") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::TestSource source(small_source(240));
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  ConsumerOptions co;
  co.target_serial = node->serial;
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_frames(1, 10s));
  REQUIRE(consumer.wait_until([](const auto& f) { return f.back().seq >= f.front().seq + 240; }, 10s));
  const auto frames = consumer.frames();
  const double seconds = span_s(frames, 240);
  consumer.stop();
  // The source drives at 4 ms per frame and waits for its last cycle: a consumer that falls
  // behind delays frames, none is lost (before that wait, 1 to 12 of 241 were lost here with
  // three busy loops on two cores). Only the link's start is allowed one: PipeWire 1.4 (guest)
  // lost the frame after the first one in 2 of 3 runs, never one later (a buffer recycled in the
  // link while the consumer's loop still set up, the start loss seen on 0.3.65 too).
  REQUIRE(frames.size() >= 2);
  const uint64_t start_lost = frames[1].seq - frames[0].seq - 1;
  CHECK(start_lost <= 1);
  const size_t lost = count_lost(frames) - start_lost;
  const auto st = source.stats();
  UNSCOPED_INFO("lost " << lost << " after the start (" << start_lost << " at it) of "
                        << frames.back().seq - frames.front().seq + 1 << "; source: skipped busy " << st.skipped_busy
                        << ", cycle timeouts " << st.cycle_timeouts << ", late ticks " << st.late_ticks
                        << ", no buffer " << st.skipped_no_buffer);
  for (size_t i = 1; i < frames.size(); ++i) {
    if (frames[i].seq != frames[i - 1].seq + 1) UNSCOPED_INFO("gap after frame " << frames[i - 1].seq);
  }
  // None on 0.3; 1.x loses frames in the link under load (support/pw_link_loss.hpp): a twentieth.
  CHECK(lost <= zc::test::link_loss_allowed(frames.size(), 20));
  CHECK(seconds > 0.9);  // 240 intervals: 1 s, never faster
  CHECK(seconds < 5.0);
}
