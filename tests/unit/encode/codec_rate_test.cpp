#include <sched.h>

#include <catch2/catch.hpp>

#include <thread>

#include "encode/rate.hpp"

using namespace zc;
using namespace zc::encode;

TEST_CASE("codec names parse in any case and round-trip", "[encode][codec]") {
  CHECK(codec_from_string("h264").value() == Codec::H264);
  CHECK(codec_from_string("AVC").value() == Codec::H264);
  CHECK(codec_from_string("hevc").value() == Codec::HEVC);
  CHECK(codec_from_string("H265").value() == Codec::HEVC);
  CHECK(codec_from_string("av1").value() == Codec::AV1);
  for (Codec c : {Codec::H264, Codec::HEVC, Codec::AV1})
    CHECK(codec_from_string(to_string(c)).value() == c);
  CHECK(codec_id(Codec::HEVC) == AV_CODEC_ID_HEVC);
}

TEST_CASE("an unknown codec is a named invalid-argument error", "[encode][codec]") {
  const auto r = codec_from_string("vp9");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().message.find("vp9") != std::string::npos);
}

TEST_CASE("the GOP defaults to two seconds of frames", "[encode][rate]") {
  EncoderConfig c;
  c.frame_rate = {30, 1};
  CHECK(effective_gop(c) == 60);
  c.frame_rate = {60000, 1001};
  CHECK(effective_gop(c) == 120);
  c.frame_rate = {0, 1};  // unknown rate: as if 60
  CHECK(effective_gop(c) == 120);
  c.gop_frames = 7;
  CHECK(effective_gop(c) == 7);
}

TEST_CASE("threads default to the usable cores, clamped to 1..16", "[encode][rate]") {
  EncoderConfig c;
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
  const auto cores = static_cast<uint32_t>(CPU_COUNT(&set));
  CHECK(usable_cores() == cores);
  CHECK(usable_cores() <= std::max(1U, std::thread::hardware_concurrency()));
  CHECK(effective_threads(c) == std::clamp<uint32_t>(cores, 1, 16));
  c.threads = 3;
  CHECK(effective_threads(c) == 3);
}

TEST_CASE("low latency up to 1080p60: one thread below 3 cores, 4 sliced threads from 3", "[encode][rate]") {
  for (const uint32_t cores : {1U, 2U})
    CHECK(small_frame_threads(cores) == 1);
  for (const uint32_t cores : {3U, 4U, 8U, 16U, 128U})
    CHECK(small_frame_threads(cores) == 4);
}

TEST_CASE("low latency above 1080p60: at least 4 sliced threads from 2 cores, the cores up to 16", "[encode][rate]") {
  CHECK(large_frame_threads(1) == 1);
  CHECK(large_frame_threads(2) == 4);
  CHECK(large_frame_threads(3) == 4);
  CHECK(large_frame_threads(4) == 4);
  CHECK(large_frame_threads(6) == 6);
  CHECK(large_frame_threads(16) == 16);
  CHECK(large_frame_threads(128) == 16);
}

TEST_CASE("the default low-latency bitrate follows the pixel rate within bounds", "[encode][rate]") {
  const uint32_t hd60 = default_bitrate_kbps(1920, 1080, {60, 1});
  CHECK(hd60 > 9000);
  CHECK(hd60 < 11000);
  CHECK(default_bitrate_kbps(3840, 2160, {30, 1}) ==
        2 * default_bitrate_kbps(1920, 1080, {60, 1}));  // 2x the pixel rate
  CHECK(default_bitrate_kbps(64, 64, {1, 1}) == 500);
  CHECK(default_bitrate_kbps(7680, 4320, {240, 1}) == 50000);
}

TEST_CASE("low latency is CBR with a buffer of a few frames", "[encode][rate]") {
  EncoderConfig c;
  c.tuning = Tuning::LowLatency;
  c.width = 1920;
  c.height = 1080;
  c.frame_rate = {60, 1};
  const RateControl rc = rate_control(c, 6000);
  CHECK_FALSE(rc.constant_quality);
  CHECK(rc.bit_rate == 6'000'000);
  CHECK(rc.max_rate == rc.bit_rate);
  CHECK(rc.buffer_size == 6'000'000 * static_cast<int64_t>(kLowLatencyBufferFrames) / 60);
  const RateControl dflt = rate_control(c, 0);
  CHECK(dflt.bit_rate == int64_t{default_bitrate_kbps(1920, 1080, {60, 1})} * 1000);
}

TEST_CASE("quality is constant quality without a bitrate and capped VBR with one", "[encode][rate]") {
  EncoderConfig c;
  c.tuning = Tuning::Quality;
  const RateControl cq = rate_control(c, 0);
  CHECK(cq.constant_quality);
  CHECK(cq.bit_rate == 0);
  CHECK(cq.max_rate == 0);
  const RateControl vbr = rate_control(c, 4000);
  CHECK_FALSE(vbr.constant_quality);
  CHECK(vbr.bit_rate == 4'000'000);
  CHECK(vbr.max_rate == 6'000'000);
  CHECK(vbr.buffer_size == 12'000'000);
}
