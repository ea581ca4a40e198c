// NVENC through FFmpeg's own wrapper, on the GPU machine, with the stand-in library in place of
// the driver's (fake_nvenc.c; no machine here has an encode engine). Hidden cases ([.fake-nvenc]):
// tools/gpu-tests.sh runs them with the stand-in first in LD_LIBRARY_PATH as
// libnvidia-encode.so.1. What they hold: the colour zerocast asks for reaches NVENC's VUI and the
// file's tags; CUDA frames reach the encoder as they were (the stand-in's H.264 is lossless);
// keyframe requests and bitrate changes reach the session; 10-bit HDR HEVC is configured Main 10,
// BT.2020 and PQ.
#include <dlfcn.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/pixfmt.h>
}

#include "encode/cpu_frames.hpp"
#include "encode/families.hpp"
#include "fake_nvenc.h"
#include "gpu_frames.hpp"
#include "output/open_sink.hpp"
#include "support/decode.hpp"
#include "support/process.hpp"

using namespace zc;
using zc::test::gpu::cuda_frame;
using zc::test::gpu::encode_cuda;
using zc::test::gpu::kH;
using zc::test::gpu::kW;
using zc::test::gpu::pattern_nv12;

namespace {

const ZcFakeNvencState* standin() {
  void* lib = dlopen("libnvidia-encode.so.1", RTLD_NOW);
  INFO(
      "libnvidia-encode.so.1 must be the stand-in (tests/gpu's libzc_fake_nvenc.so under that name, first in "
      "LD_LIBRARY_PATH: tools/gpu-tests.sh)");
  REQUIRE(lib);
  auto state = reinterpret_cast<const ZcFakeNvencState* (*)()>(dlsym(lib, "zc_fake_nvenc_state"));
  REQUIRE(state);
  return state();
}

bool same_guid(const GUID& a, const GUID& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void write_file(const std::string& path, const ffmpeg::StreamInfo& info,
                const std::vector<ffmpeg::EncodedPacket>& packets) {
  auto sink = output::open_sink(path, info.params->codec_id);
  REQUIRE(sink);
  REQUIRE((*sink)->begin({info}));
  for (const auto& p : packets)
    REQUIRE((*sink)->write(p));
  REQUIRE((*sink)->close());
}

}  // namespace

TEST_CASE("NVENC (stand-in): CUDA frames become H.264 whose pictures, colour tags and keyframes are what was asked",
          "[.fake-nvenc]") {
  const ZcFakeNvencState* state = standin();
  const std::string dir = zc::test::make_temp_dir("zc-nvenc-standin");
  struct Case {
    Colour colour;
    int matrix, primaries, transfer, full;  // H.264's VUI codes
    AVColorSpace av_matrix;
  };
  for (const Case& c : {Case{{ColourMatrix::BT709, ColourRange::Limited, ColourPrimaries::BT709, ColourTransfer::SRGB},
                             1,
                             1,
                             13,
                             0,
                             AVCOL_SPC_BT709},
                        Case{{ColourMatrix::BT601, ColourRange::Full, ColourPrimaries::BT601, ColourTransfer::BT709},
                             6,
                             6,
                             6,
                             1,
                             AVCOL_SPC_SMPTE170M}}) {
    INFO(describe(c.colour));
    encode::EncoderConfig config;
    config.width = kW;
    config.height = kH;
    config.codec = encode::Codec::H264;
    config.frame_rate = {30, 1};
    config.bitrate_kbps = 8000;
    config.tuning = encode::Tuning::LowLatency;
    config.time_origin_ns = 1'000'000'000LL;
    config.colour = c.colour;
    zc::cuda::FramePool pool(zc::cuda::make_cuda_memory(encode_cuda()));
    auto nvenc = encode::make_nvenc_cuda(config, encode_cuda());
    REQUIRE(nvenc);
    std::vector<ffmpeg::EncodedPacket> packets;
    constexpr uint32_t kFrames = 6;
    for (uint32_t i = 0; i < kFrames; ++i) {
      if (i == 2) REQUIRE((*nvenc)->set_bitrate(4000));
      if (i == 4) REQUIRE((*nvenc)->request_keyframe());
      DeviceFrame f = cuda_frame(pool, pattern_nv12(i));
      f.pts_ns = 1'000'000'000LL + i * 33'333'333LL;
      auto sent = (*nvenc)->submit(std::move(f));
      INFO((sent ? std::string() : sent.error().describe()));
      REQUIRE(sent);
      REQUIRE((*nvenc)->receive(packets));
    }
    REQUIRE((*nvenc)->finish(packets));

    // What the session was asked.
    const auto& vui = state->config.encodeCodecConfig.h264Config.h264VUIParameters;
    CHECK(state->pictures == kFrames);
    CHECK(state->cuda_inputs == kFrames);
    CHECK(state->host_inputs == 0);
    CHECK(vui.colourDescriptionPresentFlag == 1);
    CHECK(vui.colourMatrix == static_cast<uint32_t>(c.matrix));
    CHECK(vui.colourPrimaries == static_cast<uint32_t>(c.primaries));
    CHECK(vui.transferCharacteristics == static_cast<uint32_t>(c.transfer));
    CHECK(vui.videoFullRangeFlag == static_cast<uint32_t>(c.full));
    CHECK(state->reconfigurations >= 1);
    CHECK(state->config.rcParams.averageBitRate == 4'000'000);
    // IDR: the first, the bitrate change (FFmpeg resets the session with forceIDR), the request.
    REQUIRE(packets.size() == kFrames);
    for (uint32_t i = 0; i < kFrames; ++i) {
      INFO("packet " << i);
      CHECK(packets[i].keyframe() == (i == 0 || i == 2 || i == 4));
    }

    // Through zerocast's outputs into each container, decoded by FFmpeg: the pictures exactly, the tags.
    const ffmpeg::StreamInfo* info = (*nvenc)->stream_info();
    REQUIRE(info);
    for (const char* ext : {"mkv", "mp4", "ts"}) {
      INFO(ext);
      const std::string path = dir + "/" + std::to_string(c.matrix) + "." + ext;
      write_file(path, *info, packets);
      uint32_t index = 0;
      size_t wrong = 0;
      const auto d = zc::test::decode_file(path, [&](const AVFrame& f) {
        const auto want = pattern_nv12(index++);
        for (uint32_t y = 0; y < kH; ++y)
          for (uint32_t x = 0; x < kW; ++x)
            wrong += f.data[0][y * f.linesize[0] + x] != want[0][size_t{y} * kW + x];
        for (uint32_t y = 0; y < kH / 2; ++y)
          for (uint32_t x = 0; x < kW / 2; ++x) {
            wrong += f.data[1][y * f.linesize[1] + x] != want[1][size_t{y} * kW + 2 * x];
            wrong += f.data[2][y * f.linesize[2] + x] != want[1][size_t{y} * kW + 2 * x + 1];
          }
      });
      INFO(d.error);
      REQUIRE(d.ok);
      CHECK(index == kFrames);
      CHECK(wrong == 0);
      CHECK(d.color_space == c.av_matrix);
      CHECK(d.color_range == (c.full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG));
      CHECK(d.color_primaries == (c.primaries == 1 ? AVCOL_PRI_BT709 : AVCOL_PRI_SMPTE170M));
      CHECK(d.color_trc == (c.transfer == 13 ? AVCOL_TRC_IEC61966_2_1 : AVCOL_TRC_SMPTE170M));
    }
  }
}

TEST_CASE("NVENC (stand-in): a 10-bit HDR source is configured HEVC Main 10 with BT.2020 and PQ in its VUI",
          "[.fake-nvenc]") {
  const ZcFakeNvencState* state = standin();
  encode::EncoderConfig config;
  config.width = kW;
  config.height = kH;
  config.codec = encode::Codec::HEVC;
  config.bit_depth = 10;
  config.frame_rate = {30, 1};
  config.colour = {ColourMatrix::BT2020, ColourRange::Limited, ColourPrimaries::BT2020, ColourTransfer::PQ};
  auto nvenc = encode::make_nvenc(config);
  REQUIRE(nvenc);
  REQUIRE((*nvenc)->input().format == PixelFormat::P010);
  encode::CpuFramePool host(kW, kH, PixelFormat::P010);
  std::vector<ffmpeg::EncodedPacket> packets;
  for (uint32_t i = 0; i < 3; ++i) {
    DeviceFrame f = host.acquire(1'000'000'000LL + i * 33'333'333LL, i);
    REQUIRE(f.storage);
    auto sent = (*nvenc)->submit(std::move(f));
    INFO((sent ? std::string() : sent.error().describe()));
    REQUIRE(sent);
    REQUIRE((*nvenc)->receive(packets));
  }
  REQUIRE((*nvenc)->finish(packets));
  CHECK(packets.size() == 3);
  CHECK(same_guid(state->init.encodeGUID, NV_ENC_CODEC_HEVC_GUID));
  CHECK(same_guid(state->config.profileGUID, NV_ENC_HEVC_PROFILE_MAIN10_GUID));
  CHECK(state->config.encodeCodecConfig.hevcConfig.pixelBitDepthMinus8 == 2);
  CHECK(state->host_inputs == 3);
  CHECK(state->last_format == NV_ENC_BUFFER_FORMAT_YUV420_10BIT);
  const auto& vui = state->config.encodeCodecConfig.hevcConfig.hevcVUIParameters;
  CHECK(vui.colourMatrix == 9);              // BT.2020 non-constant
  CHECK(vui.colourPrimaries == 9);           // BT.2020
  CHECK(vui.transferCharacteristics == 16);  // SMPTE ST 2084 (PQ)
  CHECK(vui.videoFullRangeFlag == 0);
  const ffmpeg::StreamInfo* info = (*nvenc)->stream_info();
  REQUIRE(info);
  CHECK(info->params->color_trc == AVCOL_TRC_SMPTE2084);
  CHECK(info->params->color_primaries == AVCOL_PRI_BT2020);
}
