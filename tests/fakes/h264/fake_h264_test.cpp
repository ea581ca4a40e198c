// The stand-in NVENC's H.264 writer (fake_h264.h), checked where CI runs: FFmpeg's own decoder
// must give back exactly the samples it was given, at a size that is not whole macroblocks, and
// the colour the VUI says. The GPU cases trust it to turn what FFmpeg's NVENC wrapper asked for
// into a stream.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

#include "fake_h264.h"
}

#include "support/decode.hpp"
#include "support/process.hpp"

namespace {

constexpr uint32_t kW = 328, kH = 200, kPitch = 352;

// A different NV12 picture each time: gradients with the picture's number mixed in.
std::vector<uint8_t> picture(uint32_t n) {
  std::vector<uint8_t> nv12(size_t{kPitch} * kH * 3 / 2, 0xEE);  // padding bytes that must not show
  for (uint32_t y = 0; y < kH; ++y)
    for (uint32_t x = 0; x < kW; ++x)
      nv12[size_t{y} * kPitch + x] = static_cast<uint8_t>(x + 3 * y + 17 * n);
  for (uint32_t y = 0; y < kH / 2; ++y)
    for (uint32_t x = 0; x < kW / 2; ++x) {
      nv12[size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x] = static_cast<uint8_t>(5 * x + n);
      nv12[size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x + 1] = static_cast<uint8_t>(7 * y + 2 * n);
    }
  return nv12;
}

}  // namespace

TEST_CASE("the stand-in NVENC's H.264 decodes to exactly its input, with the colour its VUI was given",
          "[gpu-standin]") {
  ZcH264Sequence seq{};  // BT.709 primaries, sRGB curve, matrix 1, full
  seq.width = kW;
  seq.height = kH;
  seq.signal_type_present = 1;
  seq.video_format = 5;
  seq.full_range = 1;
  seq.colour_description_present = 1;
  seq.primaries = 1;
  seq.transfer = 13;
  seq.matrix = 1;
  seq.chroma_loc_present = 1;
  ZcBytes stream{};
  constexpr uint32_t kPictures = 5;
  for (uint32_t n = 0; n < kPictures; ++n) {
    const bool idr = n == 0 || n == 3;
    if (idr) zc_h264_parameter_sets(&stream, &seq);
    const auto nv12 = picture(n);
    zc_h264_pcm_picture(&stream, &seq, nv12.data(), kPitch, idr ? 1 : 0, n, n < 3 ? n : n - 3);
  }
  const std::string path = zc::test::make_temp_dir("zc-fake-h264") + "/pcm.h264";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(stream.data), static_cast<std::streamsize>(stream.size));
  zc_bytes_free(&stream);

  uint32_t index = 0, wrong = 0;
  const auto d = zc::test::decode_file(path, [&](const AVFrame& f) {
    REQUIRE((f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_YUVJ420P));  // J: full range
    REQUIRE(f.width == static_cast<int>(kW));
    REQUIRE(f.height == static_cast<int>(kH));
    const auto want = picture(index++);
    for (uint32_t y = 0; y < kH; ++y)
      for (uint32_t x = 0; x < kW; ++x)
        wrong += f.data[0][y * f.linesize[0] + x] != want[size_t{y} * kPitch + x];
    for (uint32_t y = 0; y < kH / 2; ++y)
      for (uint32_t x = 0; x < kW / 2; ++x) {
        const size_t c = size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x;
        wrong += f.data[1][y * f.linesize[1] + x] != want[c];
        wrong += f.data[2][y * f.linesize[2] + x] != want[c + 1];
      }
    CHECK(f.color_primaries == AVCOL_PRI_BT709);
    CHECK(f.color_trc == AVCOL_TRC_IEC61966_2_1);
    CHECK(f.colorspace == AVCOL_SPC_BT709);
    CHECK(f.color_range == AVCOL_RANGE_JPEG);
    CHECK(f.chroma_location == AVCHROMA_LOC_LEFT);
  });
  INFO(d.error);
  REQUIRE(d.ok);
  CHECK(d.decode_errors == 0);
  CHECK(index == kPictures);
  CHECK(wrong == 0);
  REQUIRE(d.frames.size() == kPictures);
  for (uint32_t n = 0; n < kPictures; ++n)
    CHECK(d.frames[n].keyframe == (n == 0 || n == 3));
}
