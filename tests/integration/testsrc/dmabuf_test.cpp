// Memfd-backed "dmabuf" mode: the DONT_FIXATE modifier fixation, buffers typed SPA_DATA_DmaBuf
// that map with the pattern, and renegotiation when the consumer drops the chosen modifier.
#include <algorithm>

#include <catch2/catch.hpp>

#include <spa/buffer/buffer.h>

#include "consumer.hpp"
#include "core/log.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using zc::testsrc::BufferMode;
using zc::testsrc::kFakeTiledModifier;
using zc::testsrc::test::Consumer;
using zc::testsrc::test::ConsumerOptions;
using zc::testsrc::test::ReceivedFrame;
using zc::testsrc::test::steady;

namespace {

zc::testsrc::Options dmabuf_source() {
  zc::testsrc::Options o;
  o.width = 320;
  o.height = 180;
  o.fps = 60;
  o.mode = BufferMode::DmaBuf;
  // The fake tiled modifier only means something in memfds: GBM on a real GPU would refuse it or
  // (Intel) really tile it, and the consumer reads the pixels linearly.
  o.dmabuf_allocator = zc::testsrc::DmabufAllocator::MemFd;
  o.modifiers = {zc::kModifierLinear, kFakeTiledModifier};
  o.node_name = "zc-test-source-dmabuf";
  return o;
}

// Frames of one kind (dmabuf with `modifier`, or shared memory) carrying readable numbers.
bool has_frames(const std::vector<ReceivedFrame>& frames, bool dmabuf, uint64_t modifier, size_t count) {
  size_t n = 0;
  for (const auto& f : frames) {
    const bool is_dmabuf = f.data_type == SPA_DATA_DmaBuf;
    if (is_dmabuf == dmabuf && (!dmabuf || f.modifier == modifier) && f.number) ++n;
  }
  return n >= count;
}

// Every frame carries its own number (seq) in its pixels, consecutively. `epoch_starts`: frames
// that begin a new format. PipeWire 0.3.65 drops a frame queued just as the consumer's
// renegotiation clears the old buffer set (seen once in CI: the frame before "memfd from frame 11"
// never arrived), and now and then the first one queued into the new set (2 runs in 45 with three
// copies at once: "from frame 5" and "from frame 10" missing, the next there); one frame at a
// format change, the last before it or the first after, is tolerated, nowhere else. PipeWire
// 1.x loses frames in the link under load anywhere (support/pw_link_loss.hpp): the re-fixation
// case lost 2-4 of about 20 mid-stream in guest runs beside a busy loop, so a fifth may be missing
// there (at least 2), the rest in order still.
void check_numbers(const std::vector<ReceivedFrame>& frames, const std::vector<uint64_t>& epoch_starts = {}) {
  REQUIRE_FALSE(frames.empty());
  const size_t allowed = zc::test::link_loss_allowed(frames.size(), 5);
  size_t missing = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i << " seq " << frames[i].seq);
    REQUIRE(frames[i].number.has_value());
    CHECK(*frames[i].number == frames[i].seq);
    if (i == 0) continue;
    const auto starts_epoch = [&](uint64_t seq) {
      return std::find(epoch_starts.begin(), epoch_starts.end(), seq) != epoch_starts.end();
    };
    const bool one_missing = frames[i].seq == frames[i - 1].seq + 2;
    if (one_missing && (starts_epoch(frames[i].seq) || starts_epoch(frames[i - 1].seq + 1))) continue;
    if (allowed > 0) {
      REQUIRE(frames[i].seq > frames[i - 1].seq);
      missing += frames[i].seq - frames[i - 1].seq - 1;
    } else {
      CHECK(frames[i].seq == frames[i - 1].seq + 1);
    }
  }
  CHECK(missing <= allowed);
}

}  // namespace

TEST_CASE("dmabuf mode fixates a common modifier and sends mappable SPA_DATA_DmaBuf memfds") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::TestSource source(dmabuf_source());
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);

  ConsumerOptions co;
  co.target_serial = node->serial;
  co.driver = true;  // every frame counted (see ConsumerOptions::driver)
  co.driver_rate = 120;
  co.modifiers = {kFakeTiledModifier, 0x0200000000000005ULL};  // the fake tiled one and one we lack
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_until([](const auto& f) { return has_frames(f, true, kFakeTiledModifier, 10); }, 10s));
  const auto frames = steady(consumer.frames());
  const auto formats = consumer.formats();
  const auto stats = source.stats();
  CHECK(consumer.recoveries() <= 1);
  consumer.stop();

  CHECK(stats.dmabuf_allocator == zc::testsrc::DmabufAllocator::MemFd);
  CHECK(stats.gbm_buffers == 0);
  CHECK(stats.memfd_buffers >= 2);
  CHECK(stats.fixations >= 1);
  REQUIRE(stats.format());
  CHECK(stats.format()->memory == BufferMode::DmaBuf);
  CHECK(stats.format()->modifier == kFakeTiledModifier);
  // The consumer's final format carries the fixed modifier.
  REQUIRE_FALSE(formats.empty());
  CHECK(formats.back().has_modifier);
  CHECK_FALSE(formats.back().needs_fixation);
  CHECK(formats.back().modifiers == std::vector<uint64_t>{kFakeTiledModifier});
  for (const auto& f : frames) {
    CHECK(f.data_type == SPA_DATA_DmaBuf);
    CHECK(f.fd >= 0);
    CHECK(f.modifier == kFakeTiledModifier);
  }
  check_numbers(frames);
}

TEST_CASE("dmabuf mode re-fixates when the consumer drops the modifier, then falls back to shared memory") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::TestSource source(dmabuf_source());
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);

  ConsumerOptions co;
  co.target_serial = node->serial;
  co.driver = true;  // every frame counted (see ConsumerOptions::driver)
  co.driver_rate = 120;
  co.modifiers = {kFakeTiledModifier, zc::kModifierLinear};
  Consumer consumer(co);
  consumer.start();
  // The source prefers LINEAR (first in its list) among the common ones.
  REQUIRE(consumer.wait_until([](const auto& f) { return has_frames(f, true, zc::kModifierLinear, 5); }, 10s));

  // As a consumer whose import of LINEAR failed: offer the rest.
  consumer.renegotiate({kFakeTiledModifier}, true);
  REQUIRE(consumer.wait_until([](const auto& f) { return has_frames(f, true, kFakeTiledModifier, 5); }, 10s));
  auto stats = source.stats();
  CHECK(stats.fixations >= 2);
  REQUIRE(stats.format());
  CHECK(stats.format()->modifier == kFakeTiledModifier);

  // No modifier left: shared memory.
  consumer.renegotiate({}, true);
  REQUIRE(consumer.wait_until([](const auto& f) { return has_frames(f, false, 0, 5); }, 10s));
  const auto frames = steady(consumer.frames());
  stats = source.stats();
  CHECK(consumer.recoveries() <= 1);
  consumer.stop();

  REQUIRE(stats.format());
  CHECK(stats.format()->memory == BufferMode::MemFd);  // our memfds, as plain shared memory
  CHECK(stats.renegotiations >= 2);
  CHECK(frames.back().data_type == SPA_DATA_MemFd);
  // Each format change is a pause, not a drop: the numbers stay those of queued frames (but for
  // the 0.3.65 race check_numbers describes).
  std::vector<uint64_t> epoch_starts;
  for (const auto& e : stats.epochs)
    epoch_starts.push_back(e.first_frame);
  check_numbers(frames, epoch_starts);
  // Every epoch the source reports starts at a frame number the consumer can check against.
  REQUIRE(stats.epochs.size() >= 3);
  for (size_t i = 1; i < stats.epochs.size(); ++i)
    CHECK(stats.epochs[i].first_frame >= stats.epochs[i - 1].first_frame);
}
