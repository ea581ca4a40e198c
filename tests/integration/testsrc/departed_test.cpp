// The test source after a consumer that was killed while it held one of the source's buffers (a
// GStreamer pipewiresrc, SIGKILLed): on PipeWire 0.3 that buffer never came back, so every such
// consumer cost the source a buffer for good, and its later consumers got 45, then 30 frames a
// second of a 60 fps source. A consumer holds a buffer through its busy count (SPA_META_Busy), which
// a killed one never lowers; the source sets the counts back to zero when its stream pauses. Until
// 2026-11 it took those buffers as its own and queued them though PipeWire still had them: each
// such queue was refused and lowered a count nobody had raised, and a buffer taken so twice wrapped
// to a count PipeWire refuses for good (CI, now and then: 135 frames in both windows).
#include <csignal>
#include <thread>

#include <catch2/catch.hpp>

#include "consumer.hpp"
#include "core/log.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using zc::testsrc::test::Consumer;
using zc::testsrc::test::ConsumerOptions;

namespace {

// Polls `done` every 20 ms until it holds or `timeout` passes.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("consumers killed while holding a buffer leave the source its full rate") {
  zc::log::init();
  if (!zc::test::have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 is not installed");
  zc::test::PipeWireDaemon daemon;
  zc::testsrc::Options o;
  o.width = 320;
  o.height = 240;
  o.fps = 60;
  o.node_name = "zc-test-source-departed";
  zc::testsrc::TestSource source(o);
  REQUIRE(source.start());
  const auto node = source.wait_for_node(5s);
  REQUIRE(node);

  constexpr int kKilled = 3;  // each cost a buffer of the four before the fix
  for (int k = 0; k < kKilled; ++k) {
    INFO("killed consumer " << k);
    const uint64_t before = source.stats().queued;
    zc::test::Process gst({"gst-launch-1.0", "-q", "pipewiresrc", "path=" + std::to_string(node->id), "!",
                           "video/x-raw", "!", "fakesink"});
    REQUIRE(wait_until([&] { return source.stats().queued >= before + 60; }, 15s));
    gst.signal(SIGKILL);
    REQUIRE(gst.wait(5s));
    REQUIRE(wait_until([&] { return !source.stats().streaming; }, 5s));
  }

  ConsumerOptions co;
  co.target_serial = node->serial;
  Consumer consumer(co);
  consumer.start();
  REQUIRE(consumer.wait_frames(10, 10s));
  // 180 frames in 3 s at 60 fps; with a buffer lost per killed consumer it was 45 and then 30 a
  // second (135, 90), with about as many ticks finding no buffer, in every window. The bounds leave
  // a loaded machine (ASan, two cores) a few late cycles; a second window is measured only when the
  // first misses them, since a lost buffer misses in both while a stall of the whole graph (CI's
  // ASan run: "graph cycle not done after 1000 ms", 135 received) is one window's.
  struct Window {
    size_t received = 0;
    uint64_t no_buffer = 0;
    bool good() const { return received >= 150 && no_buffer <= 15; }
  };
  const auto measure = [&] {
    const auto stats_before = source.stats();
    const size_t frames_before = consumer.frames().size();
    std::this_thread::sleep_for(3s);
    return Window{consumer.frames().size() - frames_before,
                  source.stats().skipped_no_buffer - stats_before.skipped_no_buffer};
  };
  Window w = measure();
  const Window first = w;
  if (!first.good()) w = measure();
  const auto stats_after = source.stats();
  consumer.stop();
  source.stop();

  INFO("received " << w.received << " in 3 s (first window " << first.received << "); reclaimed "
                   << stats_after.reclaimed_buffers << ", ticks without a buffer " << w.no_buffer << " (first window "
                   << first.no_buffer << "), queues refused " << stats_after.queue_failures);
  CHECK(w.received >= 150);
  CHECK(w.no_buffer <= 15);
  CHECK(stats_after.reclaimed_buffers >= 1);
  // The old way's refused queue came with every buffer taken back: this fails on it every run.
  CHECK(stats_after.queue_failures == 0);
}
