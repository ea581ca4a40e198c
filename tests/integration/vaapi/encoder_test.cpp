// zerocast's h264_vaapi encoder (encode/vaapi_encoder.cpp) in this process, on the tests' fake VA
// driver (tests/fakes/vaapi): every macroblock it writes is I_PCM, so the decoded pictures must be
// exactly the NV12 submitted, sample for sample, with the submitted timestamps, keyframes where
// they were asked for and the colour tags of EncoderConfig::colour. Each driver variant stands for
// a kind of real driver: full (Mesa: every packed header taken), sequence (packed SPS/PPS only),
// none (no packed headers: the driver writes its own parameter sets, as some Intel drivers do),
// lowpower (only VAEntrypointEncSliceLP, some Intel parts: FFmpeg falls back to it by itself).
// Each case opens its own VaapiDevices, so libva initialises the driver again with the variant.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "encode/cpu_frames.hpp"
#include "encode/families.hpp"
#include "encode_support.hpp"
#include "support/process.hpp"
#include "vaapi/va_device.hpp"
#include "vaapi_support.hpp"

using zc::encode::Codec;
using zc::encode::EncoderConfig;
using zc::encode::Tuning;
using zc::encode::test::decode_packets;
using zc::encode::test::encode_pattern;
using zc::encode::test::frame_time_ns;
using zc::encode::test::has_parameter_sets;
using zc::encode::test::small_config;
namespace va = zc::test::vaapi;

namespace {

constexpr int kFps = 30;

struct Opened {
  zc::encode::EncoderPtr encoder;
  std::string stats_path;
};

// h264_vaapi on the fake driver's `variant`, through a fresh VaapiDevices on the test node.
Opened open_vaapi(const EncoderConfig& config, const std::string& variant) {
  const std::string node = va::node_or_skip();
  Opened o;
  o.stats_path = zc::test::make_temp_dir("zc-va-enc") + "/stats";
  va::use_fake_driver(variant, o.stats_path);
  auto devices = std::make_shared<zc::encode::VaapiDevices>(node);
  auto device = devices->get();
  INFO("render node " << node << ": " << (device ? std::string() : device.error().describe()));
  REQUIRE(device);
  REQUIRE((*device)->vendor().rfind("zerocast fake VA driver", 0) == 0);
  auto encoder = zc::encode::make_vaapi(config, devices);
  INFO((encoder ? std::string() : encoder.error().describe()));
  REQUIRE(encoder);
  REQUIRE((*encoder)->name() == "h264_vaapi");
  // It reads VA surfaces (the VA importer's); these cases feed it host frames, which it uploads.
  REQUIRE((*encoder)->input() == zc::encode::InputSpec{zc::FrameMemory::Vaapi, zc::PixelFormat::NV12});
  o.encoder = std::move(*encoder);
  return o;
}

EncoderConfig config_at(uint32_t width, uint32_t height, Tuning tuning) {
  EncoderConfig c = small_config(Codec::H264, tuning);
  c.width = width;
  c.height = height;
  c.frame_rate = {kFps, 1};
  return c;
}

// Samples of the decoded picture (planar 4:2:0, the decoder's layout) that differ from `expected`
// (NV12, fill_pattern's).
long wrong_samples(const AVFrame& got, const zc::DeviceFrame& expected) {
  long wrong = 0;
  const uint32_t w = expected.width, h = expected.height;
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t* g = got.data[0] + static_cast<ptrdiff_t>(y) * got.linesize[0];
    const uint8_t* e = expected.cpu_plane(0) + size_t{y} * expected.pitches[0];
    for (uint32_t x = 0; x < w; ++x)
      wrong += g[x] != e[x];
  }
  for (uint32_t y = 0; y < (h + 1) / 2; ++y) {
    const uint8_t* u = got.data[1] + static_cast<ptrdiff_t>(y) * got.linesize[1];
    const uint8_t* v = got.data[2] + static_cast<ptrdiff_t>(y) * got.linesize[2];
    const uint8_t* e = expected.cpu_plane(1) + size_t{y} * expected.pitches[1];
    for (uint32_t x = 0; x < (w + 1) / 2; ++x)
      wrong += (u[x] != e[2 * x]) + (v[x] != e[2 * x + 1]);
  }
  return wrong;
}

struct Expected {
  int matrix, range, primaries, transfer;
};

// What the colour tags must read (colour_tags.cpp's mapping, written out: sRGB screens' curve).
constexpr Expected kBt709LimitedTags{AVCOL_SPC_BT709, AVCOL_RANGE_MPEG, AVCOL_PRI_BT709, AVCOL_TRC_IEC61966_2_1};
constexpr Expected kBt601FullTags{AVCOL_SPC_SMPTE170M, AVCOL_RANGE_JPEG, AVCOL_PRI_BT709, AVCOL_TRC_IEC61966_2_1};

}  // namespace

TEST_CASE("h264_vaapi on each fake driver variant: every sample, the pts, the requested keyframe, colour tags",
          "[encode]") {
  struct Size {
    uint32_t width, height;
    int frames;    // few at 720p: the guest emulates every instruction
    int keyframe;  // the frame request_keyframe() is called before
  };
  const auto variant = GENERATE(as<std::string>{}, "full", "sequence", "none", "lowpower");
  // 328x200 is not whole macroblocks (the SPS's cropping, the surfaces' padding); 1280x720 is.
  const auto size = GENERATE(Size{328, 200, 8, 5}, Size{1280, 720, 3, 2});
  // BT.601 full at the small size, BT.709 limited at 720p: both tags, each through every variant.
  const bool small = size.width == 328;
  const zc::Colour colour = small ? zc::Colour{zc::ColourMatrix::BT601, zc::ColourRange::Full}
                                  : zc::Colour{zc::ColourMatrix::BT709, zc::ColourRange::Limited};
  const Expected tags = small ? kBt601FullTags : kBt709LimitedTags;
  INFO("variant " << variant << ", " << size.width << "x" << size.height);

  EncoderConfig config = config_at(size.width, size.height, Tuning::LowLatency);
  config.colour = colour;
  auto opened = open_vaapi(config, variant);
  zc::encode::CpuFramePool pool(size.width, size.height, zc::PixelFormat::NV12);
  const auto packets = encode_pattern(*opened.encoder, pool, size.frames, kFps, config.time_origin_ns, [&](int i) {
    if (i == size.keyframe) REQUIRE(opened.encoder->request_keyframe());
  });

  const auto stats = va::read_stats(opened.stats_path);
  INFO("driver stats:\n"
       << [&] {
            std::string s;
            for (const auto& [k, v] : stats)
              s += k + "=" + v + "\n";
            return s;
          }());
  CHECK(stats.at("variant") == variant);
  CHECK(va::stat_number(stats, "pictures_encoded") == size.frames);
  CHECK(va::stat_number(stats, "idr_pictures") == 2);
  CHECK(stats.at("entrypoint") == (variant == "lowpower" ? "EncSliceLP" : "EncSlice"));
  CHECK(stats.at("rc_mode") == "CBR");
  // The parameter sets come from FFmpeg's packed headers, or from the driver when it takes none.
  if (variant == "none") {
    CHECK(va::stat_number(stats, "own_parameter_sets") > 0);
  } else {
    CHECK(va::stat_number(stats, "own_parameter_sets") == 0);
  }

  REQUIRE(packets.size() == static_cast<size_t>(size.frames));
  for (size_t i = 0; i < packets.size(); ++i) {
    const bool key = i == 0 || static_cast<int>(i) == size.keyframe;
    INFO("packet " << i);
    CHECK(packets[i].keyframe() == key);
    // An IDR carries its SPS and PPS in band (what a player joining there or a new file needs).
    if (key) CHECK(has_parameter_sets(Codec::H264, *packets[i].packet));
    CHECK(packets[i].generation == config.generation);
  }

  // The stream's parameters (what a container's colour fields come from), for every variant.
  const auto* info = opened.encoder->stream_info();
  REQUIRE(info);
  CHECK(info->encoder == "h264_vaapi");
  CHECK(info->params->width == static_cast<int>(size.width));
  CHECK(info->params->height == static_cast<int>(size.height));
  CHECK(info->params->color_space == tags.matrix);
  CHECK(info->params->color_range == tags.range);
  CHECK(info->params->color_primaries == tags.primaries);
  CHECK(info->params->color_trc == tags.transfer);

  zc::encode::CpuFramePool expected_pool(size.width, size.height, zc::PixelFormat::NV12);
  std::vector<long> wrong;
  const auto decoded = decode_packets(Codec::H264, packets, [&](const AVFrame& f) {
    zc::DeviceFrame expected = expected_pool.acquire();
    REQUIRE(expected.storage);
    zc::encode::fill_pattern(expected, static_cast<uint32_t>(wrong.size()));
    REQUIRE(f.width == static_cast<int>(size.width));
    REQUIRE(f.height == static_cast<int>(size.height));
    REQUIRE((f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_YUVJ420P));
    wrong.push_back(wrong_samples(f, expected));
  });
  CHECK(decoded.errors == 0);
  REQUIRE(decoded.pictures.size() == static_cast<size_t>(size.frames));
  for (size_t i = 0; i < decoded.pictures.size(); ++i) {
    INFO("picture " << i);
    CHECK(wrong[i] == 0);
    CHECK(decoded.pictures[i].pts ==
          (frame_time_ns(config.time_origin_ns, static_cast<int>(i), kFps) - config.time_origin_ns) / 1000);
    CHECK(decoded.pictures[i].key == (i == 0 || static_cast<int>(i) == size.keyframe));
  }
  // In the bitstream (the VUI) where FFmpeg writes the SPS; a driver-written SPS has no colour
  // description (VA's sequence parameters carry none), so there only the container tags it.
  if (variant == "none") {
    CHECK(decoded.color_space == AVCOL_SPC_UNSPECIFIED);
    CHECK(decoded.color_primaries == AVCOL_PRI_UNSPECIFIED);
  } else {
    CHECK(decoded.color_space == tags.matrix);
    CHECK(decoded.color_range == tags.range);
    CHECK(decoded.color_primaries == tags.primaries);
    CHECK(decoded.color_trc == tags.transfer);
  }
}

TEST_CASE("h264_vaapi tunings on the fake driver: low latency CBR one frame in flight, quality CQP or VBR",
          "[encode]") {
  struct TuningCase {
    Tuning tuning;
    uint32_t kbps;
    const char* rc_mode;
  };
  const auto t = GENERATE(TuningCase{Tuning::LowLatency, 0, "CBR"}, TuningCase{Tuning::Quality, 0, "CQP"},
                          TuningCase{Tuning::Quality, 2000, "VBR"});
  INFO("rate control " << t.rc_mode);
  constexpr int kFrames = 4;
  EncoderConfig config = config_at(328, 200, t.tuning);
  config.bitrate_kbps = t.kbps;
  auto opened = open_vaapi(config, "full");
  zc::encode::CpuFramePool pool(config.width, config.height, zc::PixelFormat::NV12);
  std::vector<zc::ffmpeg::EncodedPacket> packets;
  std::vector<size_t> ready;  // packets out after each frame's submit and receive
  for (int i = 0; i < kFrames; ++i) {
    zc::DeviceFrame f = pool.acquire(frame_time_ns(config.time_origin_ns, i, kFps), static_cast<uint64_t>(i));
    REQUIRE(f.storage);
    zc::encode::fill_pattern(f, static_cast<uint32_t>(i));
    auto submitted = opened.encoder->submit(std::move(f));
    INFO((submitted ? std::string() : submitted.error().describe()));
    REQUIRE(submitted);
    REQUIRE(opened.encoder->receive(packets));
    ready.push_back(packets.size());
  }
  REQUIRE(opened.encoder->finish(packets));
  REQUIRE(packets.size() == kFrames);
  const auto stats = va::read_stats(opened.stats_path);
  CHECK(stats.at("rc_mode") == t.rc_mode);
  CHECK(va::stat_number(stats, "pictures_encoded") == kFrames);
  // Low latency (async_depth 1): each frame's packet is out before the next frame goes in.
  if (t.tuning == Tuning::LowLatency) {
    for (int i = 0; i < kFrames; ++i) {
      INFO("after frame " << i);
      CHECK(ready[static_cast<size_t>(i)] == static_cast<size_t>(i + 1));
    }
  }
  const auto decoded = decode_packets(Codec::H264, packets);
  CHECK(decoded.errors == 0);
  CHECK(decoded.pictures.size() == kFrames);
}
