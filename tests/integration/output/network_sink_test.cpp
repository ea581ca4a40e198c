// Network outputs received by a real ffmpeg in a separate process, then decoded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "core/log.hpp"
#include "ffmpeg/log.hpp"
#include "output/open_sink.hpp"
#include "output_test_util.hpp"
#include "support/net.hpp"
#include "support/skip.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

void require_ffmpeg() {
  if (!have_program("ffmpeg")) ZC_SKIP("ffmpeg (the receiving peer) is not installed");
}

output::SinkOptions quick_options() {
  output::SinkOptions o;
  o.format.connect_timeout = 3000ms;
  o.format.io_timeout = 2000ms;
  o.queue.close_timeout = 3000ms;
  return o;
}

// Paced like a live source (a little faster than real time), through the queue.
void send(output::Sink& sink, const EncodedStream& stream) {
  REQUIRE(sink.begin({stream.info}));
  for (const auto& p : stream.packets) {
    REQUIRE(sink.write(p));
    std::this_thread::sleep_for(4ms);
  }
}

struct Received {
  Decoded decoded;
  std::string log;
};

Received finish(Process& rx, const std::string& out) {
  const auto status = rx.wait(20s);  // udp ends 5 s after the last datagram
  Received r;
  r.log = rx.output();
  INFO(r.log);
  REQUIRE(status);
  CHECK(*status == 0);
  r.decoded = decode_numbers(out);
  return r;
}

void check_frames(const Received& r, size_t expected, int first = 0) {
  INFO(r.log);
  INFO(r.decoded.result.error);
  REQUIRE(r.decoded.result.ok);
  CHECK(r.decoded.result.decode_errors == 0);
  CHECK(r.decoded.result.frames.size() == expected);
  CHECK(consecutive(r.decoded.numbers, first));
}

}  // namespace

TEST_CASE("tcp: MPEG-TS received by ffmpeg decodes frame by frame", "[output][network]") {
  require_ffmpeg();
  Watchdog dog(60s, "tcp test");
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const int port = free_port(Proto::tcp);
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  Process rx = start_receiver("tcp://127.0.0.1:" + std::to_string(port) + "?listen=1", out);
  REQUIRE(wait_bound(port, Proto::tcp, 10s));
  auto sink = output::open_sink("tcp://127.0.0.1:" + std::to_string(port), AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  send(**sink, stream);
  REQUIRE((*sink)->close());
  CHECK((*sink)->stats().packets == 60);
  CHECK((*sink)->stats().dropped == 0);
  check_frames(finish(rx, out), 60);
}

TEST_CASE("srt: MPEG-TS received by an ffmpeg listener decodes frame by frame", "[output][network]") {
  require_ffmpeg();
  Watchdog dog(60s, "srt test");
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const int port = free_port(Proto::udp);
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  Process rx = start_receiver("srt://127.0.0.1:" + std::to_string(port) + "?mode=listener", out);
  REQUIRE(wait_bound(port, Proto::udp, 10s));
  auto sink = output::open_sink("srt://127.0.0.1:" + std::to_string(port), AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  send(**sink, stream);
  REQUIRE((*sink)->close());
  CHECK((*sink)->stats().packets == 60);
  check_frames(finish(rx, out), 60);
}

TEST_CASE("udp: MPEG-TS received by ffmpeg decodes", "[output][network]") {
  require_ffmpeg();
  Watchdog dog(60s, "udp test");
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const int port = free_port(Proto::udp);
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  // timeout: ffmpeg ends its input 5 s after the last datagram (and gives up if the first one
  // takes that long: a loaded machine may be slow to start sending).
  Process rx = start_receiver("udp://127.0.0.1:" + std::to_string(port) + "?timeout=5000000", out);
  REQUIRE(wait_bound(port, Proto::udp, 10s));
  auto sink = output::open_sink("udp://127.0.0.1:" + std::to_string(port), AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  send(**sink, stream);
  REQUIRE((*sink)->close());
  const Received r = finish(rx, out);
  // UDP may lose datagrams by design; on loopback at this rate it does not.
  check_frames(r, 60);
}

TEST_CASE("rtp: RTP packets carry MPEG-TS that decodes frame by frame", "[output][network]") {
  // ffmpeg's own RTP receiver (without SDP) reopens its socket after the first packet and loses
  // the start, so this test is the receiver: it checks the RTP headers and decodes the payload.
  Watchdog dog(60s, "rtp test");
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const int port = free_port(Proto::udp, true);
  const int rtp = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int rtcp = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(rtp >= 0);
  REQUIRE(rtcp >= 0);
  const int big = 4 << 20;
  ::setsockopt(rtp, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::bind(rtp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  addr.sin_port = htons(static_cast<uint16_t>(port + 1));
  REQUIRE(::bind(rtcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);

  auto sink = output::open_sink("rtp://127.0.0.1:" + std::to_string(port), AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  send(**sink, stream);
  REQUIRE((*sink)->close());

  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  FILE* file = std::fopen(out.c_str(), "wb");
  REQUIRE(file);
  const timeval tv{0, 300000};
  ::setsockopt(rtp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint8_t buf[65536];
  int datagrams = 0;
  int sequence_gaps = 0;
  int wrong_headers = 0;
  int prev_seq = -1;
  for (;;) {
    const ssize_t n = ::recv(rtp, buf, sizeof buf, 0);
    if (n <= 0) break;  // 300 ms of silence: everything is in
    ++datagrams;
    const int cc = buf[0] & 0x0f;
    const size_t header = 12 + 4 * static_cast<size_t>(cc);
    if (n < static_cast<ssize_t>(header) || (buf[0] >> 6) != 2 || (buf[1] & 0x7f) != 33 ||
        (static_cast<size_t>(n) - header) % 188 != 0) {
      ++wrong_headers;
      continue;
    }
    const int seq = (buf[2] << 8) | buf[3];
    if (prev_seq >= 0 && seq != ((prev_seq + 1) & 0xffff)) ++sequence_gaps;
    prev_seq = seq;
    std::fwrite(buf + header, 1, static_cast<size_t>(n) - header, file);
  }
  std::fclose(file);
  ::close(rtp);
  ::close(rtcp);
  CHECK(datagrams > 10);
  CHECK(wrong_headers == 0);  // RTP v2, payload type 33 (MP2T), whole TS packets
  CHECK(sequence_gaps == 0);
  const Decoded d = decode_numbers(out);
  REQUIRE(d.result.ok);
  // FFmpeg 5.1's RTP muxer sends a datagram only once 7 TS packets are in it and does not flush
  // the rest at the trailer: the last < 1316 bytes (here up to 2 small P-frames) never leave.
  CHECK(d.result.frames.size() >= 57);
  CHECK(d.result.frames.size() <= 60);
  CHECK(consecutive(d.numbers, 0));
}

TEST_CASE("rtmp: FLV received by an ffmpeg RTMP listener decodes and the key is in no log line", "[output][network]") {
  require_ffmpeg();
  Watchdog dog(60s, "rtmp test");
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const int port = free_port(Proto::tcp);
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/sk-topsecret-4711";
  Process rx = start_receiver(url, out, {"-listen", "1"});
  REQUIRE(wait_bound(port, Proto::tcp, 10s));
  // Our logger, with FFmpeg chatty enough to name the stream it publishes.
  log::init();
  ffmpeg::route_logs(false);
  const int level = av_log_get_level();
  av_log_set_level(AV_LOG_DEBUG);
  spdlog::set_level(spdlog::level::debug);
  StderrCapture capture;
  auto sink = output::open_sink(url, AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  CHECK_THAT((*sink)->describe(), !Catch::Contains("sk-topsecret-4711"));
  send(**sink, stream);
  REQUIRE((*sink)->close());
  const std::string logged = capture.text();
  av_log_set_level(level);
  spdlog::set_level(spdlog::level::info);
  INFO(logged);
  CHECK_THAT(logged, Catch::Contains("ffmpeg: "));  // FFmpeg's own lines went through our logger
  // FFmpeg 5.1's rtmp protocol names the stream it publishes at verbose level: masked.
  CHECK_THAT(logged, Catch::Contains("fname = ***"));
  CHECK_THAT(logged, !Catch::Contains("sk-topsecret-4711"));
  check_frames(finish(rx, out), 60);
}

namespace {

// Two generations (160x96 then 192x128) over one connection: the peer sees one stream whose
// size changes at a keyframe.
void check_generation_over(const std::string& scheme) {
  require_ffmpeg();
  Watchdog dog(60s, scheme + " generation test");
  const EncodedStream g0 = encode_or_skip({.width = 160, .height = 96, .frames = 30, .gop = 30});
  const EncodedStream g1 = encode_or_skip({.width = 192,
                                           .height = 128,
                                           .frames = 30,
                                           .gop = 30,
                                           .generation = 1,
                                           .first_number = 30,
                                           .start_us = g0.packets.back().packet->pts + g0.frame_us});
  const int port = free_port(Proto::tcp);
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  std::string url = scheme + "://127.0.0.1:" + std::to_string(port);
  if (scheme == "rtmp") url += "/live/key";
  // tcp listen=1 accepts exactly one connection: a reconnect would fail the test.
  Process rx = scheme == "rtmp" ? start_receiver(url, out, {"-listen", "1"}) : start_receiver(url + "?listen=1", out);
  REQUIRE(wait_bound(port, Proto::tcp, 10s));
  auto sink = output::open_sink(url, AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  send(**sink, g0);
  send(**sink, g1);
  REQUIRE((*sink)->close());
  CHECK((*sink)->stats().packets == 60);
  const Received r = finish(rx, out);
  check_frames(r, 60);
  REQUIRE(r.decoded.result.frames.size() == 60);
  CHECK(r.decoded.result.frames[29].width == 160);
  CHECK(r.decoded.result.frames[30].width == 192);
  CHECK(r.decoded.result.frames[59].height == 128);
}

}  // namespace

TEST_CASE("tcp: a new generation goes on over the same connection", "[output][network]") {
  check_generation_over("tcp");
}
TEST_CASE("rtmp: a new generation goes on over the same connection with new FLV extradata", "[output][network]") {
  check_generation_over("rtmp");
}

namespace {

// The receiver dies mid-stream; the sink must turn that into an error state quickly and close
// without hanging, while write() never blocks the caller.
void check_vanishing_peer(const std::string& url, const std::string& rx_input, Proto proto,
                          std::chrono::seconds detect_within) {
  require_ffmpeg();
  Watchdog dog(detect_within + 30s, "vanishing peer test");
  const EncodedStream stream = encode_or_skip({.frames = 300, .gop = 30});
  const std::string out = make_temp_dir("zc-output") + "/rx.ts";
  Process rx = start_receiver(rx_input, out);
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  REQUIRE(wait_bound(port, proto, 10s));
  auto sink = output::open_sink(url, AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  REQUIRE((*sink)->begin({stream.info}));
  size_t i = 0;
  for (; i < 30; ++i) {
    REQUIRE((*sink)->write(stream.packets[i]));
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(Clock::now() > Clock::time_point{});
  ::kill(rx.pid(), SIGKILL);
  rx.wait(5s);
  const auto killed = Clock::now();
  std::chrono::nanoseconds slowest_write{0};
  Result<void> r;
  while (Clock::now() - killed < detect_within) {
    const auto t0 = Clock::now();
    r = (*sink)->write(stream.packets[i % stream.packets.size()]);
    slowest_write = std::max<std::chrono::nanoseconds>(slowest_write, Clock::now() - t0);
    if (!r) break;
    ++i;
    std::this_thread::sleep_for(10ms);
  }
  INFO("packets after the kill: " << i - 30);
  REQUIRE_FALSE(r);
  REQUIRE((*sink)->failure());
  const Error e = *(*sink)->failure();
  INFO(e.describe());
  CHECK((e.code == Errc::io || e.code == Errc::timeout));
  CHECK_THAT(e.message, Catch::Contains("127.0.0.1"));
  CHECK((*sink)->stats().errors == 1);
  // The queue kept I/O off the writer: a write that waited on the socket would take the I/O
  // timeout (1-2 s); the bound leaves a loaded machine its preemptions.
  CHECK(slowest_write < 400ms);
  const auto t0 = Clock::now();
  CHECK_FALSE((*sink)->close());
  CHECK(Clock::now() - t0 < 3s);
}

}  // namespace

TEST_CASE("tcp: a peer that goes away is reported as an error and nothing hangs", "[output][network]") {
  const int port = free_port(Proto::tcp);
  check_vanishing_peer("tcp://127.0.0.1:" + std::to_string(port),
                       "tcp://127.0.0.1:" + std::to_string(port) + "?listen=1", Proto::tcp, 10s);
}

TEST_CASE("srt: a peer that goes away is reported as an error and nothing hangs", "[output][network]") {
  const int port = free_port(Proto::udp);
  // SRT declares a silent peer dead after its idle timeout (5 s in libsrt).
  check_vanishing_peer("srt://127.0.0.1:" + std::to_string(port),
                       "srt://127.0.0.1:" + std::to_string(port) + "?mode=listener", Proto::udp, 12s);
}

TEST_CASE("nobody listening: connection refused becomes the error state, credentials stay hidden",
          "[output][network]") {
  Watchdog dog(30s, "refused test");
  const EncodedStream stream = encode_or_skip({.frames = 5, .gop = 5});
  const int port = free_port(Proto::tcp);
  const std::string url = "rtmp://bob:pa55-word-x@127.0.0.1:" + std::to_string(port) + "/app/sk-live-998877";
  auto sink = output::open_sink(url, AV_CODEC_ID_H264, quick_options());
  REQUIRE(sink);
  REQUIRE((*sink)->begin({stream.info}));
  REQUIRE((*sink)->write(stream.packets[0]));  // queued: the connect happens on the worker
  const auto t0 = Clock::now();
  while (!(*sink)->failure() && Clock::now() - t0 < 10s)
    std::this_thread::sleep_for(10ms);
  REQUIRE((*sink)->failure());
  const Error e = *(*sink)->failure();
  INFO(e.describe());
  CHECK(e.code == Errc::io);
  CHECK_THAT(e.message, Catch::Contains("Connection refused"));
  for (const char* secret : {"pa55-word-x", "sk-live-998877", "bob"}) {
    CHECK_THAT(e.describe(), !Catch::Contains(secret));
    CHECK_THAT((*sink)->describe(), !Catch::Contains(secret));
  }
  CHECK_FALSE((*sink)->write(stream.packets[1]));
  CHECK_FALSE((*sink)->close());
}

TEST_CASE("a peer that accepts but never reads: the queue drops instead of blocking, close() returns",
          "[output][network]") {
  Watchdog dog(30s, "stalled peer test");
  // A listener that never accepts nor reads: the kernel completes the connection, then the
  // buffers fill and the sink's writes block.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  const int small = 4096;
  ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  REQUIRE(::listen(listener, 1) == 0);

  // Big packets (an Annex B start code, then filler) so the socket buffers fill in a moment;
  // MPEG-TS does not look inside them.
  const EncodedStream real = encode_or_skip({.frames = 1, .gop = 1});
  std::vector<ffmpeg::EncodedPacket> packets;
  for (int i = 0; i < 30; ++i) {
    ffmpeg::EncodedPacket p;
    p.packet.reset(av_packet_alloc());
    REQUIRE(av_new_packet(p.packet.get(), 256 * 1024) == 0);
    std::memset(p.packet->data, 0x55, p.packet->size);
    const uint8_t start[] = {0, 0, 0, 1, static_cast<uint8_t>(i % 10 == 0 ? 0x65 : 0x41)};
    std::memcpy(p.packet->data, start, sizeof start);
    p.packet->pts = p.packet->dts = real.info.time_base.den / 30 * i;
    if (i % 10 == 0) p.packet->flags |= AV_PKT_FLAG_KEY;
    packets.push_back(std::move(p));
  }
  output::SinkOptions o = quick_options();
  o.format.io_timeout = 1000ms;
  o.queue.max_packets = 8;
  o.queue.close_timeout = 500ms;
  int keyframe_requests = 0;
  o.queue.on_keyframe_needed = [&] { ++keyframe_requests; };
  auto sink = output::open_sink("tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), AV_CODEC_ID_H264, o);
  REQUIRE(sink);
  REQUIRE((*sink)->begin({real.info}));
  std::chrono::nanoseconds slowest{0};
  int64_t pts = 0;
  const auto start = Clock::now();
  // ~8 MB/s offered for up to 4 s: far more than the kernel buffers take.
  while (Clock::now() - start < 4s && !(*sink)->failure()) {
    ffmpeg::EncodedPacket p = packets[static_cast<size_t>(pts % 30)].share();
    p.packet->pts = p.packet->dts = pts++ * (real.info.time_base.den / 30);
    const auto t0 = Clock::now();
    if (!(*sink)->write(p)) break;
    slowest = std::max<std::chrono::nanoseconds>(slowest, Clock::now() - t0);
    std::this_thread::sleep_for(30ms);
  }
  CHECK(slowest < 400ms);  // never the 1 s I/O timeout: the writer does not wait on the peer
  CHECK((*sink)->stats().dropped > 0);
  CHECK(keyframe_requests >= 1);
  // The stalled write hit the I/O timeout: the peer is reported, not waited for.
  REQUIRE((*sink)->failure());
  CHECK((*sink)->failure()->code == Errc::timeout);
  const auto t0 = Clock::now();
  CHECK_FALSE((*sink)->close());
  CHECK(Clock::now() - t0 < 2s);
  ::close(listener);
}
