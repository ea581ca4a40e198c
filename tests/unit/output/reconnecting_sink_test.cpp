// The reconnecting network output with fake inner sinks: a lost peer is replaced after a
// backoff, at a keyframe, and the writer never sees a failure.
#include <thread>

#include <catch2/catch.hpp>

#include "../output/fake_sink.hpp"
#include "output/reconnecting_sink.hpp"

using namespace zc;
using namespace zc::output;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

struct Factory {
  std::vector<std::shared_ptr<FakeSink::Log>> logs;  // one per sink made
  int refuse = 0;                                    // the next `refuse` calls fail
  int calls = 0;

  SinkFactory make() {
    return [this]() -> Result<std::unique_ptr<Sink>> {
      ++calls;
      if (refuse > 0) {
        --refuse;
        return fail(Errc::io, "output:tcp", "Connection refused");
      }
      logs.push_back(std::make_shared<FakeSink::Log>());
      return std::unique_ptr<Sink>(std::make_unique<FakeSink>("peer", logs.back()));
    };
  }
};

}  // namespace

TEST_CASE("a lost peer is replaced after the backoff, starting at a keyframe", "[reconnect]") {
  Factory factory;
  int keyframe_requests = 0;
  ReconnectingSink sink(
      "tcp://peer", factory.make(),
      {.initial_backoff = 50ms, .max_backoff = 200ms, .on_keyframe_needed = [&] { ++keyframe_requests; }});
  CHECK(sink.describe() == "tcp://peer");
  REQUIRE(sink.begin({fake_info(0)}));
  REQUIRE(factory.logs.size() == 1);
  factory.logs[0]->fail_at = 3;  // the 4th write fails: the peer went away

  for (int i = 0; i < 6; ++i)
    CHECK(sink.write(fake_packet(i, i == 0)));  // never an error for the writer
  CHECK(factory.logs[0]->pts == std::vector<int64_t>{0, 1, 2});
  CHECK(factory.logs[0]->closed);
  auto st = sink.status();
  CHECK(!st.connected);
  CHECK(st.failures == 1);
  REQUIRE(st.last_error);
  CHECK(st.last_error->message.find("Broken pipe") != std::string::npos);
  CHECK(factory.calls == 1);  // within the backoff: no new attempt

  std::this_thread::sleep_for(60ms);
  CHECK(sink.write(fake_packet(6, false)));  // due, but not a keyframe: a keyframe is asked for
  CHECK(keyframe_requests == 1);
  CHECK(sink.write(fake_packet(7, false)));
  CHECK(keyframe_requests == 1);  // once per attempt
  CHECK(factory.calls == 1);
  CHECK(sink.write(fake_packet(8, true)));
  CHECK(sink.write(fake_packet(9, false)));
  REQUIRE(factory.logs.size() == 2);
  CHECK(factory.logs[1]->generations == std::vector<uint32_t>{0});  // begun with the stream's info
  CHECK(factory.logs[1]->pts == std::vector<int64_t>{8, 9});
  st = sink.status();
  CHECK(st.connected);
  CHECK(st.reconnects == 1);
  // 3 + 2 written; packets 4..7 dropped while waiting (the failed write is the lost peer's).
  CHECK(sink.stats().packets == 5);
  CHECK(sink.stats().dropped >= 4);
  REQUIRE(sink.close());
  CHECK(factory.logs[1]->closed);
}

TEST_CASE("refused connections back off, doubling up to the maximum", "[reconnect]") {
  Factory factory;
  factory.refuse = 3;
  ReconnectingSink sink("srt://peer", factory.make(), {.initial_backoff = 40ms, .max_backoff = 100ms});
  const auto start = std::chrono::steady_clock::now();  // before begin(): the backoff counts from there
  REQUIRE(sink.begin({fake_info(0)}));
  CHECK(factory.calls == 1);  // the first attempt is made at once, and refused
  int64_t pts = 0;
  while (factory.logs.empty() && std::chrono::steady_clock::now() - start < 2s) {
    REQUIRE(sink.write(fake_packet(pts, true)));  // every packet a keyframe: only the backoff gates
    ++pts;
    std::this_thread::sleep_for(2ms);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(factory.logs.size() == 1);
  CHECK(factory.calls == 4);
  // 40 + 80 + 100 ms of backoff before the 4th attempt (not sooner; generous upper bound).
  CHECK(took >= 220ms);
  CHECK(took < 1500ms);
  CHECK(sink.status().failures == 3);
  CHECK(sink.status().reconnects == 1);
  CHECK(factory.logs[0]->pts.size() == 1);
}

TEST_CASE("interrupt() stops reconnecting for good", "[reconnect]") {
  Factory factory;
  ReconnectingSink sink("tcp://peer", factory.make(), {.initial_backoff = 1ms});
  REQUIRE(sink.begin({fake_info(0)}));
  factory.logs[0]->fail_at = 0;
  CHECK(sink.write(fake_packet(0, true)));
  sink.interrupt();
  std::this_thread::sleep_for(5ms);
  for (int i = 1; i < 10; ++i)
    CHECK(sink.write(fake_packet(i, true)));
  CHECK(factory.calls == 1);
  CHECK(sink.close());
  CHECK(!sink.write(fake_packet(11, true)));  // after close: a programming error, reported
}

TEST_CASE("a lost peer comes back at a video keyframe, audio in between neither reconnects nor asks",
          "[reconnect][streams]") {
  Factory factory;
  int keyframe_requests = 0;
  ReconnectingSink sink("tcp://peer", factory.make(),
                        {.initial_backoff = 1ms, .on_keyframe_needed = [&] { ++keyframe_requests; }});
  REQUIRE(sink.begin(fake_streams(0)));
  REQUIRE(factory.logs.size() == 1);
  factory.logs[0]->fail_at = 2;
  CHECK(sink.write(fake_packet(0, true)));
  CHECK(sink.write(fake_audio(100)));
  CHECK(sink.write(fake_packet(1, false)));  // the peer goes away here
  std::this_thread::sleep_for(5ms);
  CHECK(sink.write(fake_audio(101)));  // due, but audio cannot start a peer (it looks like a keyframe)
  CHECK(factory.calls == 1);
  CHECK(keyframe_requests == 0);
  CHECK(sink.write(fake_packet(2, false)));  // video that cannot start one: ask for a keyframe
  CHECK(keyframe_requests == 1);
  CHECK(sink.write(fake_packet(3, true)));
  CHECK(sink.write(fake_audio(102)));
  REQUIRE(factory.logs.size() == 2);
  CHECK(factory.logs[1]->stream_counts == std::vector<size_t>{2});  // begun with both streams
  CHECK(factory.logs[1]->pts == std::vector<int64_t>{3, 102});
  CHECK(factory.logs[1]->streams == std::vector<uint32_t>{0, 1});
  REQUIRE(sink.close());
}

TEST_CASE("a peer not found for give_up_after fails the writer, whether it was connected before or never",
          "[reconnect]") {
  SECTION("never connected") {
    Factory factory;
    factory.refuse = 1000;
    ReconnectingSink sink("rtmp://peer", factory.make(),
                          {.initial_backoff = 10ms, .max_backoff = 20ms, .give_up_after = 150ms});
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(sink.begin({fake_info(0)}));
    Result<void> written;
    int64_t pts = 0;
    while ((written = sink.write(fake_packet(pts++, true))) && std::chrono::steady_clock::now() - start < 3s)
      std::this_thread::sleep_for(2ms);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(written);
    CHECK(took >= 150ms);
    CHECK(took < 1500ms);
    CHECK(written.error().message.find("no peer for 0.15 s, gave up (Connection refused)") != std::string::npos);
    CHECK(factory.calls > 3);  // it kept trying until then
    CHECK(sink.stats().packets == 0);
  }
  SECTION("lost after writing: the bound counts from the loss, and a peer found again resets it") {
    Factory factory;
    ReconnectingSink sink("tcp://peer", factory.make(),
                          {.initial_backoff = 10ms, .max_backoff = 20ms, .give_up_after = 150ms});
    REQUIRE(sink.begin({fake_info(0)}));
    factory.logs[0]->fail_at = 2;
    int64_t pts = 0;
    for (; pts < 3; ++pts)
      REQUIRE(sink.write(fake_packet(pts, true)));  // the third is lost
    // Refused for 100 ms (under the bound), then found again.
    factory.refuse = 1000;
    const auto lost = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - lost < 100ms) {
      REQUIRE(sink.write(fake_packet(pts++, true)));
      std::this_thread::sleep_for(2ms);
    }
    factory.refuse = 0;
    while (!sink.status().connected && std::chrono::steady_clock::now() - lost < 1s) {
      REQUIRE(sink.write(fake_packet(pts++, true)));
      std::this_thread::sleep_for(2ms);
    }
    REQUIRE(sink.status().connected);
    // Lost again: the 150 ms start over from this loss, not the first one.
    factory.logs.back()->fail_at = factory.logs.back()->writes;  // its next write
    factory.refuse = 1000;
    const auto again = std::chrono::steady_clock::now();
    Result<void> written;
    while ((written = sink.write(fake_packet(pts++, true))) && std::chrono::steady_clock::now() - again < 3s)
      std::this_thread::sleep_for(2ms);
    const auto took = std::chrono::steady_clock::now() - again;
    REQUIRE_FALSE(written);
    CHECK(took >= 150ms);
    CHECK(took < 1500ms);
    CHECK(sink.stats().packets >= 3);
  }
  SECTION("0: retried for as long as it is written to") {
    Factory factory;
    factory.refuse = 1000;
    ReconnectingSink sink("tcp://peer", factory.make(),
                          {.initial_backoff = 1ms, .max_backoff = 2ms, .give_up_after = 0ms});
    REQUIRE(sink.begin({fake_info(0)}));
    const auto start = std::chrono::steady_clock::now();
    for (int64_t pts = 0; std::chrono::steady_clock::now() - start < 300ms; ++pts) {
      REQUIRE(sink.write(fake_packet(pts, true)));
      std::this_thread::sleep_for(2ms);
    }
    CHECK(factory.calls > 10);
  }
}
