#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "fake_sink.hpp"
#include "output/queued_sink.hpp"
#include "output/tee_sink.hpp"

using namespace zc;
using namespace zc::output;
using namespace zc::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

void set_gate(FakeSink::Log& log, bool open) {
  std::lock_guard lock(log.mutex);
  log.gate_open = open;
  log.changed.notify_all();
}

}  // namespace

TEST_CASE("the queue hands packets to its sink in order, beginning each generation", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  QueuedSink q(std::make_unique<FakeSink>("fake", log));
  CHECK(q.describe() == "fake");
  REQUIRE(q.begin({fake_info(0)}));
  for (int i = 0; i < 5; ++i)
    REQUIRE(q.write(fake_packet(i, i == 0, 0)));
  REQUIRE(q.begin({fake_info(1)}));
  for (int i = 5; i < 10; ++i)
    REQUIRE(q.write(fake_packet(i, i == 5, 1)));
  REQUIRE(q.close());
  CHECK(log->pts == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(log->generations == std::vector<uint32_t>{0, 1});
  CHECK(log->closed);
  CHECK(q.stats().packets == 10);
  CHECK(q.stats().dropped == 0);
  CHECK(q.close());  // idempotent
}

TEST_CASE("a full queue drops, counts, asks for a keyframe and resumes at the next keyframe", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->gate_open = false;
  int keyframe_requests = 0;
  QueuedSink q(std::make_unique<FakeSink>("slow", log),
               {.max_packets = 4, .on_keyframe_needed = [&] { ++keyframe_requests; }});
  REQUIRE(q.begin({fake_info(0)}));
  REQUIRE(q.write(fake_packet(0, true)));
  REQUIRE(eventually([&] { return q.queued() == 0; }));  // the worker holds packet 0, blocked
  for (int i = 1; i <= 4; ++i)
    REQUIRE(q.write(fake_packet(i, false)));
  CHECK(q.queued() == 4);
  const auto t0 = Clock::now();
  REQUIRE(q.write(fake_packet(5, false)));  // full: dropped
  REQUIRE(q.write(fake_packet(6, false)));  // waiting for a keyframe
  REQUIRE(q.write(fake_packet(7, true)));   // a keyframe, but still full
  CHECK(Clock::now() - t0 < 1s);            // the writer never waits for the slow sink (gated for good)
  CHECK(keyframe_requests == 1);
  set_gate(*log, true);
  REQUIRE(eventually([&] { return q.queued() == 0; }));
  REQUIRE(q.write(fake_packet(8, false)));  // room again, but no keyframe yet
  REQUIRE(q.write(fake_packet(9, true)));
  REQUIRE(q.write(fake_packet(10, false)));
  REQUIRE(q.close());
  CHECK(log->pts == std::vector<int64_t>{0, 1, 2, 3, 4, 9, 10});
  CHECK(q.stats().dropped == 4);
  CHECK(q.stats().packets == 7);
}

TEST_CASE("after a drop only the video waits for a keyframe: audio goes on whenever there is room",
          "[output][queue][streams]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->gate_open = false;
  int keyframe_requests = 0;
  QueuedSink q(std::make_unique<FakeSink>("slow", log),
               {.max_packets = 4, .on_keyframe_needed = [&] { ++keyframe_requests; }});
  REQUIRE(q.begin(fake_streams(0)));
  REQUIRE(q.write(fake_packet(0, true)));
  REQUIRE(eventually([&] { return q.queued() == 0; }));  // the worker holds packet 0, blocked
  for (int i = 1; i <= 4; ++i)
    REQUIRE(q.write(fake_packet(i, false)));
  REQUIRE(q.write(fake_audio(100)));  // full: an audio frame lost, nothing else follows from it
  CHECK(keyframe_requests == 0);
  REQUIRE(q.write(fake_packet(5, false)));  // full: video dropped, the video waits for a keyframe
  CHECK(keyframe_requests == 1);
  set_gate(*log, true);
  REQUIRE(eventually([&] { return q.queued() == 0; }));
  REQUIRE(q.write(fake_audio(101)));        // passes while the video waits
  REQUIRE(q.write(fake_packet(6, false)));  // still waiting
  REQUIRE(q.write(fake_audio(102)));        // and does not end the wait
  REQUIRE(q.write(fake_packet(7, false)));
  REQUIRE(q.write(fake_packet(8, true)));  // the keyframe ends it
  REQUIRE(q.write(fake_packet(9, false)));
  REQUIRE(q.close());
  CHECK(log->pts == std::vector<int64_t>{0, 1, 2, 3, 4, 101, 102, 8, 9});
  CHECK(log->streams == std::vector<uint32_t>{0, 0, 0, 0, 0, 1, 1, 0, 0});
  CHECK(log->stream_counts == std::vector<size_t>{2});
  CHECK(q.stats().dropped == 4);
  CHECK(keyframe_requests == 1);
}

TEST_CASE("a byte bound drops too", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->gate_open = false;
  QueuedSink q(std::make_unique<FakeSink>("slow", log), {.max_packets = 100, .max_bytes = 2500});
  REQUIRE(q.begin({fake_info(0)}));
  REQUIRE(q.write(fake_packet(0, true, 0, 1000)));
  REQUIRE(eventually([&] { return q.queued() == 0; }));
  REQUIRE(q.write(fake_packet(1, false, 0, 1000)));
  REQUIRE(q.write(fake_packet(2, false, 0, 1000)));
  REQUIRE(q.write(fake_packet(3, false, 0, 1000)));  // 3000 > 2500: dropped
  CHECK(q.queued() == 2);
  CHECK(q.stats().dropped == 1);
  set_gate(*log, true);
  REQUIRE(q.close());
}

TEST_CASE("a failing sink behind the queue becomes an error state the writer sees", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->fail_at = 2;
  // Held until all five are queued: else a fast worker fails before the writer is done and a
  // write of the five is (rightly) refused.
  log->gate_open = false;
  QueuedSink q(std::make_unique<FakeSink>("peer", log));
  REQUIRE(q.begin({fake_info(0)}));
  for (int i = 0; i < 5; ++i)
    REQUIRE(q.write(fake_packet(i, i == 0)));
  set_gate(*log, true);
  REQUIRE(eventually([&] { return q.failure().has_value(); }));
  CHECK(q.failure()->code == Errc::io);
  CHECK(q.failure()->message == "peer: Broken pipe");
  auto r = q.write(fake_packet(5, false));
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "peer: Broken pipe");
  CHECK_FALSE(q.begin({fake_info(1)}));
  CHECK(q.stats().errors == 1);
  CHECK(q.stats().packets == 2);
  CHECK(q.stats().dropped == 3);  // the two left in the queue and the one refused
  const auto t0 = Clock::now();
  CHECK_FALSE(q.close());
  CHECK(Clock::now() - t0 < 500ms);
  CHECK(log->closed);
}

TEST_CASE("close() interrupts a sink that does not drain in time", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->gate_open = false;
  QueuedSink q(std::make_unique<FakeSink>("stuck", log), {.close_timeout = 200ms});
  REQUIRE(q.begin({fake_info(0)}));
  for (int i = 0; i < 5; ++i)
    REQUIRE(q.write(fake_packet(i, i == 0)));
  const auto t0 = Clock::now();
  auto r = q.close();
  const auto took = Clock::now() - t0;
  CHECK(took >= 200ms);
  CHECK(took < 1500ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::cancelled);
  CHECK(log->interrupted);
  CHECK(log->closed);
}

TEST_CASE("close() leaves behind a sink that ignores interrupt, and returns", "[output][queue]") {
  auto log = std::make_shared<FakeSink::Log>();
  log->gate_open = false;
  log->ignore_interrupt = true;
  {
    QueuedSink q(std::make_unique<FakeSink>("wedged", log), {.close_timeout = 100ms, .abandon_after = 200ms});
    REQUIRE(q.begin({fake_info(0)}));
    REQUIRE(q.write(fake_packet(0, true)));
    const auto t0 = Clock::now();
    auto r = q.close();
    CHECK(Clock::now() - t0 < 1000ms);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::timeout);
  }
  // Let the abandoned worker finish, so the test ends clean.
  set_gate(*log, true);
  CHECK(eventually([&] {
    std::lock_guard lock(log->mutex);
    return log->closed;
  }));
}

TEST_CASE("the tee detaches a failing sink and keeps writing to the others", "[output][tee]") {
  auto bad = std::make_shared<FakeSink::Log>();
  auto good = std::make_shared<FakeSink::Log>();
  bad->fail_at = 3;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("srt://relay:9000?passphrase=***", bad));
  sinks.push_back(std::make_unique<FakeSink>("rec.mkv", good));
  TeeSink tee(std::move(sinks));
  CHECK(tee.describe() == "tee(srt://relay:9000?passphrase=***, rec.mkv)");
  REQUIRE(tee.begin({fake_info(0)}));
  for (int i = 0; i < 10; ++i)
    REQUIRE(tee.write(fake_packet(i, i == 0)));
  CHECK(good->pts.size() == 10);
  CHECK(bad->pts.size() == 3);
  CHECK(bad->closed);
  CHECK(tee.attached() == 1);
  CHECK_FALSE(tee.failure());
  const auto members = tee.members();
  REQUIRE(members.size() == 2);
  CHECK_FALSE(members[0].attached);
  CHECK(members[0].description == "srt://relay:9000?passphrase=***");
  REQUIRE(members[0].failure);
  CHECK(members[0].failure->message == "srt://relay:9000?passphrase=***: Broken pipe");
  CHECK(members[1].attached);
  CHECK(members[1].stats.packets == 10);
  CHECK(tee.stats().packets == 13);
  REQUIRE(tee.close());
  CHECK(good->closed);
}

TEST_CASE("the tee reports an error once every sink has failed", "[output][tee]") {
  auto a = std::make_shared<FakeSink::Log>();
  auto b = std::make_shared<FakeSink::Log>();
  a->fail_at = 0;
  b->fail_at = 1;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("a", a));
  sinks.push_back(std::make_unique<FakeSink>("b", b));
  TeeSink tee(std::move(sinks));
  REQUIRE(tee.begin({fake_info(0)}));
  REQUIRE(tee.write(fake_packet(0, true)));   // a fails, b goes on
  auto r = tee.write(fake_packet(1, false));  // b fails: nothing left
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::io);
  CHECK_THAT(r.error().message, Catch::Contains("every output failed") && Catch::Contains("b: Broken pipe"));
  REQUIRE(tee.failure());
  CHECK(tee.attached() == 0);
}

TEST_CASE("the tee gives every sink all the streams and every packet with its stream", "[output][tee][streams]") {
  auto a = std::make_shared<FakeSink::Log>();
  auto b = std::make_shared<FakeSink::Log>();
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<FakeSink>("a.mkv", a));
  sinks.push_back(std::make_unique<FakeSink>("b.mkv", b));
  TeeSink tee(std::move(sinks));
  REQUIRE(tee.begin(fake_streams(0)));
  REQUIRE(tee.write(fake_packet(0, true)));
  REQUIRE(tee.write(fake_audio(1)));
  REQUIRE(tee.write(fake_packet(2, false)));
  REQUIRE(tee.close());
  for (const auto& log : {a, b}) {
    CHECK(log->stream_counts == std::vector<size_t>{2});
    CHECK(log->pts == std::vector<int64_t>{0, 1, 2});
    CHECK(log->streams == std::vector<uint32_t>{0, 1, 0});
  }
}
