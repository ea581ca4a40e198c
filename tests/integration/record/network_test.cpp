// `zerocast record` to network URLs, received by ffmpeg as a separate process and decoded.
#include <catch2/catch.hpp>

#include "record_support.hpp"
#include "support/net.hpp"
#include "support/pw_daemon.hpp"

using namespace std::chrono_literals;
using zc::test::consecutive_problem;
using zc::test::decode_numbers;
using zc::test::errors_first;
using zc::test::zerocast;

TEST_CASE("record: MPEG-TS over UDP reaches a separate ffmpeg intact", "[record][network]") {
  zc::test::PipeWireDaemon pw;
  const int port = zc::test::free_port(zc::test::Proto::udp);
  const auto out = zc::test::make_temp_dir("zc-net") + "/udp.ts";
  // timeout: the receiver ends its input 5 s after the last datagram and writes out everything.
  // It counts from when ffmpeg starts reading too, so it also bounds zerocast's start-up before
  // the first datagram (seconds on a loaded machine under sanitizers).
  auto receiver = zc::test::start_receiver("udp://127.0.0.1:" + std::to_string(port) + "?timeout=5000000", out);
  REQUIRE(zc::test::wait_bound(port, zc::test::Proto::udp, 10s));
  auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "60", "-o",
                     "udp://127.0.0.1:" + std::to_string(port)},
                    30s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  REQUIRE(receiver.wait(30s));  // the 5 s timeout, then writing out
  INFO(receiver.output());
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  // Loopback UDP loses nothing at this rate; every frame arrives once, in order.
  CHECK(d.numbers.size() == 60);
  CHECK(consecutive_problem(d.numbers).empty());
}

TEST_CASE("record: SRT caller to a listening ffmpeg, every frame delivered", "[record][network]") {
  zc::test::PipeWireDaemon pw;
  const int port = zc::test::free_port(zc::test::Proto::udp);
  const auto out = zc::test::make_temp_dir("zc-net") + "/srt.ts";
  auto receiver = zc::test::start_receiver("srt://127.0.0.1:" + std::to_string(port) + "?mode=listener", out);
  REQUIRE(zc::test::wait_bound(port, zc::test::Proto::udp, 10s));
  auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "60", "-o",
                     "srt://127.0.0.1:" + std::to_string(port) + "?mode=caller"},
                    30s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  // The caller closing ends the listener's input: ffmpeg finishes by itself.
  const auto status = receiver.wait(15s);
  INFO(receiver.output());
  REQUIRE(status);
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.numbers.size() == 60);
  CHECK(consecutive_problem(d.numbers).empty());
}
