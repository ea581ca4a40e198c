// Files through the real muxers, read back with the real demuxers and decoders.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>

#include "output/format_sink.hpp"
#include "output/open_sink.hpp"
#include "output_test_util.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

using namespace zc;
using namespace zc::test;

namespace {

AVCodecID codec_of(const std::string& encoder) {
  if (encoder == "libx265") return AV_CODEC_ID_HEVC;
  if (encoder == "libsvtav1") return AV_CODEC_ID_AV1;
  return AV_CODEC_ID_H264;
}

void check_roundtrip(const std::string& ext, const std::string& encoder, int frames, int gop) {
  const EncodedStream stream = encode_or_skip({.encoder = encoder, .frames = frames, .gop = gop});
  REQUIRE(stream.packets.size() == static_cast<size_t>(frames));
  const std::string path = make_temp_dir("zc-output") + "/out." + ext;
  auto sink = output::open_sink(path, codec_of(encoder));
  REQUIRE(sink);
  REQUIRE(write_stream(**sink, stream));
  REQUIRE((*sink)->close());
  const auto stats = (*sink)->stats();
  CHECK(stats.packets == static_cast<uint64_t>(frames));
  CHECK(stats.bytes == static_cast<uint64_t>(total_bytes(stream)));
  CHECK(stats.dropped == 0);
  CHECK(stats.errors == 0);

  const Decoded d = decode_numbers(path);
  INFO(path << ": " << d.result.error);
  REQUIRE(d.result.ok);
  CHECK(d.result.decode_errors == 0);
  REQUIRE(d.result.frames.size() == static_cast<size_t>(frames));
  CHECK(consecutive(d.numbers, 0));
  for (size_t i = 0; i < d.result.frames.size(); ++i) {
    const auto& f = d.result.frames[i];
    CHECK(f.width == 160);
    CHECK(f.height == 96);
    // mkv stores milliseconds: allow that rounding.
    CHECK(std::llabs(f.pts_us - static_cast<int64_t>(i) * stream.frame_us) <= 1000);
  }
}

}  // namespace

TEST_CASE("h264 to mkv decodes back frame by frame with timestamps", "[output][file]") {
  check_roundtrip("mkv", "libx264", 30, 10);
}
TEST_CASE("h264 to mp4 decodes back frame by frame with timestamps", "[output][file]") {
  check_roundtrip("mp4", "libx264", 30, 10);
}
TEST_CASE("h264 to ts decodes back frame by frame with timestamps", "[output][file]") {
  check_roundtrip("ts", "libx264", 30, 10);
}
TEST_CASE("hevc to mkv, mp4 and ts decodes back", "[output][file]") {
  for (const char* ext : {"mkv", "mp4", "ts"}) {
    SECTION(ext) {
      check_roundtrip(ext, "libx265", 12, 6);
    }
  }
}
TEST_CASE("av1 to mkv and mp4 decodes back", "[output][file]") {
  for (const char* ext : {"mkv", "mp4"}) {
    SECTION(ext) {
      check_roundtrip(ext, "libsvtav1", 12, 6);
    }
  }
}

TEST_CASE("packets before the first keyframe are dropped and counted", "[output][file]") {
  const EncodedStream stream = encode_or_skip({.frames = 30, .gop = 10});
  REQUIRE(stream.packets[0].keyframe());
  REQUIRE_FALSE(stream.packets[3].keyframe());
  REQUIRE(stream.packets[10].keyframe());
  const std::string path = make_temp_dir("zc-output") + "/late.mkv";
  auto sink = output::open_sink(path, AV_CODEC_ID_H264);
  REQUIRE(sink);
  REQUIRE(write_stream(**sink, stream, 3));
  CHECK(std::filesystem::exists(path));
  REQUIRE((*sink)->close());
  CHECK((*sink)->stats().dropped == 7);
  CHECK((*sink)->stats().packets == 20);

  const Decoded d = decode_numbers(path);
  REQUIRE(d.result.ok);
  REQUIRE(d.result.frames.size() == 20);
  CHECK(d.result.frames.front().keyframe);
  CHECK(consecutive(d.numbers, 10));
}

TEST_CASE("nothing is created before the first keyframe", "[output][file]") {
  const EncodedStream stream = encode_or_skip({.frames = 10, .gop = 10});
  const std::string path = make_temp_dir("zc-output") + "/never.mkv";
  {
    auto sink = output::open_sink(path, AV_CODEC_ID_H264);
    REQUIRE(sink);
    REQUIRE(write_stream(**sink, stream, 1));
    CHECK((*sink)->stats().dropped == 9);
    REQUIRE((*sink)->close());
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

namespace {

void check_generations(const std::string& ext) {
  const EncodedStream g0 = encode_or_skip({.width = 160, .height = 96, .frames = 20, .gop = 10, .generation = 0});
  const int64_t next_us = g0.packets.back().packet->pts + g0.frame_us;
  const EncodedStream g1 = encode_or_skip(
      {.width = 192, .height = 128, .frames = 15, .gop = 10, .generation = 1, .first_number = 20, .start_us = next_us});
  const EncodedStream g2 = encode_or_skip({.width = 160,
                                           .height = 96,
                                           .frames = 10,
                                           .gop = 10,
                                           .generation = 2,
                                           .first_number = 35,
                                           .start_us = next_us + 15 * g0.frame_us});
  const std::string dir = make_temp_dir("zc-output");
  output::FormatSink sink(*output::parse_target(dir + "/rec." + ext));
  REQUIRE(write_stream(sink, g0));
  REQUIRE(write_stream(sink, g1));
  REQUIRE(write_stream(sink, g2));
  REQUIRE(sink.close());
  REQUIRE(sink.files() ==
          std::vector<std::string>{dir + "/rec." + ext, dir + "/rec-001." + ext, dir + "/rec-002." + ext});

  struct Expect {
    uint32_t w, h;
    size_t frames;
    int first;
  };
  const Expect expect[] = {{160, 96, 20, 0}, {192, 128, 15, 20}, {160, 96, 10, 35}};
  for (size_t i = 0; i < 3; ++i) {
    const Decoded d = decode_numbers(sink.files()[i]);
    INFO(sink.files()[i] << ": " << d.result.error);
    REQUIRE(d.result.ok);
    REQUIRE(d.result.frames.size() == expect[i].frames);
    CHECK(d.result.frames.front().width == expect[i].w);
    CHECK(d.result.frames.front().height == expect[i].h);
    CHECK(d.result.frames.front().pts_us == 0);
    CHECK(consecutive(d.numbers, expect[i].first));
  }
}

}  // namespace

TEST_CASE("a new generation rolls an mkv over to NAME-001.mkv, NAME-002.mkv", "[output][file]") {
  check_generations("mkv");
}
TEST_CASE("a new generation rolls an mp4 over to NAME-001.mp4, NAME-002.mp4", "[output][file]") {
  check_generations("mp4");
}

namespace {

// FLV tags: 9-byte header + 4-byte size, then [type, size24, ts24, ts_ext, stream_id24, data,
// prev_size32]. A video tag whose data starts 0x17 0x00 is an AVC sequence header.
int count_avc_sequence_headers(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return -1;
  std::vector<uint8_t> data;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    data.insert(data.end(), buf, buf + n);
  std::fclose(f);
  int count = 0;
  size_t pos = 13;
  while (pos + 11 <= data.size()) {
    const uint8_t type = data[pos];
    const size_t size = (size_t{data[pos + 1]} << 16) | (size_t{data[pos + 2]} << 8) | data[pos + 3];
    if (pos + 11 + size > data.size()) break;
    if (type == 9 && size >= 2 && data[pos + 11] == 0x17 && data[pos + 12] == 0x00) ++count;
    pos += 11 + size + 4;
  }
  return count;
}

}  // namespace

TEST_CASE("FLV (as sent to RTMP) gets a new AVC sequence header when a new generation starts", "[output][file]") {
  const EncodedStream g0 = encode_or_skip({.width = 160, .height = 96, .frames = 20, .gop = 10});
  const EncodedStream g1 = encode_or_skip({.width = 192,
                                           .height = 128,
                                           .frames = 20,
                                           .gop = 10,
                                           .generation = 1,
                                           .first_number = 20,
                                           .start_us = g0.packets.back().packet->pts + g0.frame_us});
  // An RTMP target whose "connection" is a local file, so the bytes the peer would get can be read.
  const std::string path = make_temp_dir("zc-output") + "/rtmp.flv";
  output::Target target;
  target.location = "file:" + path;
  target.redacted = path;
  target.transport = output::Transport::rtmp;
  target.container = output::Container::flv;
  output::FormatSink sink(target);
  REQUIRE(write_stream(sink, g0));
  REQUIRE(write_stream(sink, g1));
  REQUIRE(sink.close());
  CHECK(sink.files().empty());  // network semantics: one muxer, no rollover
  CHECK(count_avc_sequence_headers(path) == 2);

  const Decoded d = decode_numbers(path);
  REQUIRE(d.result.ok);
  REQUIRE(d.result.frames.size() == 40);
  CHECK(d.result.frames[19].width == 160);
  CHECK(d.result.frames[20].width == 192);
  CHECK(consecutive(d.numbers, 0));
}
