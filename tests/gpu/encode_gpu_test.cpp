// Encode from CUDA frames (issue 3 §5) on the GPU machine: hw frames from FFmpeg's pool on our
// context, filled from pooled CUDA buffers (device to device) and from host frames (the CPU
// fallback), pixel-exact; NVENC tried first and, where it does not open (the H100), the GPU
// frames encoded by libx264, decoded and compared with the pattern; the download importer's
// host frames pixel-exact.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/hwcontext.h>
}

#include "cuda/frame_pool.hpp"
#include "cuda/layout.hpp"
#include "encode/cpu_frames.hpp"
#include "encode/cuda_frames.hpp"
#include "encode/families.hpp"
#include "ffmpeg/handles.hpp"
#include "gpu_frames.hpp"
#include "probe/probe.hpp"
#include "zerocopy/cuda_bridge/download_importer.hpp"

using namespace zc;
using namespace zc::zerocopy;
using namespace zc::zerocopy::cuda_bridge;

namespace {

using zc::test::gpu::cuda_frame;
using zc::test::gpu::encode_cuda;
using zc::test::gpu::kH;
using zc::test::gpu::kW;
using zc::test::gpu::pattern_nv12;
using zc::test::gpu::planes_of;

// Fills a hw frame from `src` and brings it back to the host through FFmpeg.
std::vector<std::vector<uint8_t>> round_trip(encode::CudaFrames& frames, const DeviceFrame& src) {
  zc::ffmpeg::FramePtr hw(av_frame_alloc()), sw(av_frame_alloc());
  auto ok = frames.fill(src, *hw);
  INFO((ok ? std::string() : ok.error().describe()));
  REQUIRE(ok);
  REQUIRE(hw->format == AV_PIX_FMT_CUDA);
  REQUIRE(av_hwframe_transfer_data(sw.get(), hw.get(), 0) == 0);
  REQUIRE(sw->format == AV_PIX_FMT_NV12);
  return planes_of(*sw);
}

}  // namespace

TEST_CASE("CUDA hw frames on our context: filled from a pooled CUDA buffer and from a host frame, pixel-exact") {
  auto frames = encode::CudaFrames::create(encode_cuda(), kW, kH, PixelFormat::NV12);
  INFO((frames ? std::string() : frames.error().describe()));
  REQUIRE(frames);
  zc::cuda::FramePool pool(zc::cuda::make_cuda_memory(encode_cuda()));
  const auto want = pattern_nv12(5);
  for (int i = 0; i < 3; ++i) {
    DeviceFrame src = cuda_frame(pool, want);
    CHECK(round_trip(**frames, src) == want);
  }
  CHECK(pool.counters().created == 1);  // the source buffer came back to its pool each time

  encode::CpuFramePool host(kW, kH, PixelFormat::NV12);
  DeviceFrame h = host.acquire();
  REQUIRE(h.storage);
  for (uint32_t p = 0; p < 2; ++p)
    for (uint32_t y = 0; y < (p ? kH / 2 : kH); ++y)
      std::memcpy(h.cpu_plane(p) + size_t{h.pitches[p]} * y, want[p].data() + size_t{y} * kW, kW);
  CHECK(round_trip(**frames, h) == want);
}

TEST_CASE("encode from CUDA: NVENC tried first, where it does not open, libx264 encodes the GPU frames") {
  encode::EncoderConfig config;
  config.width = kW;
  config.height = kH;
  config.codec = encode::Codec::H264;
  config.frame_rate = {30, 1};
  config.bitrate_kbps = 8000;
  config.time_origin_ns = 1'000'000'000LL;
  zc::cuda::FramePool pool(zc::cuda::make_cuda_memory(encode_cuda()));

  // NVENC on CUDA frames: on the H100 and H200 the session does not open (no encoder on the chip).
  // Whether it opens must agree with the probe's NVENC stage; opened, its packet comes out as a
  // keyframe; refused, the error says why in zerocast's words (FFmpeg's bare errno explained).
  // The encoding itself is checked with the stand-in library ([.fake-nvenc], nvenc_standin_test).
  auto nvenc = encode::make_nvenc_cuda(config, encode_cuda());
  REQUIRE(nvenc);
  CHECK((*nvenc)->input().memory == zc::FrameMemory::Cuda);
  auto opened = (*nvenc)->submit(cuda_frame(pool, pattern_nv12(0)));
  std::vector<ffmpeg::EncodedPacket> first;
  auto finished = (*nvenc)->finish(first);
  CHECK(bool(opened) == zc::probe::run_probe().nvenc);
  if (opened) {
    REQUIRE(finished);
    REQUIRE(first.size() == 1);
    CHECK(first.front().keyframe());
  } else {
    INFO(opened.error().describe());
    CHECK(opened.error().code == Errc::encoder);
    CHECK(opened.error().message.find("no NVENC session") != std::string::npos);
  }

  // The software leg: GPU frames through the hw-frames pool, downloaded, encoded by libx264.
  auto frames = encode::CudaFrames::create(encode_cuda(), kW, kH, PixelFormat::NV12);
  REQUIRE(frames);
  auto x264 = encode::make_x264(config);
  REQUIRE(x264);
  encode::CpuFramePool host(kW, kH, PixelFormat::NV12);
  std::vector<ffmpeg::EncodedPacket> packets;
  constexpr int kFrames = 10;
  for (int i = 0; i < kFrames; ++i) {
    zc::ffmpeg::FramePtr hw(av_frame_alloc()), sw(av_frame_alloc());
    DeviceFrame src = cuda_frame(pool, pattern_nv12(static_cast<uint32_t>(i)));
    REQUIRE((*frames)->fill(src, *hw));
    REQUIRE(av_hwframe_transfer_data(sw.get(), hw.get(), 0) == 0);
    DeviceFrame in = host.acquire(1'000'000'000LL + i * 33'333'333LL, static_cast<uint64_t>(i));
    for (uint32_t p = 0; p < 2; ++p)
      for (uint32_t y = 0; y < (p ? kH / 2 : kH); ++y)
        std::memcpy(in.cpu_plane(p) + size_t{in.pitches[p]} * y, sw->data[p] + ptrdiff_t{sw->linesize[p]} * y, kW);
    REQUIRE((*x264)->submit(std::move(in)));
    REQUIRE((*x264)->receive(packets));
  }
  REQUIRE((*x264)->finish(packets));
  REQUIRE(packets.size() == kFrames);

  const AVCodec* dec = avcodec_find_decoder(AV_CODEC_ID_H264);
  REQUIRE(dec);
  zc::ffmpeg::CodecContextPtr d(avcodec_alloc_context3(dec));
  REQUIRE(d);
  const ffmpeg::StreamInfo* info = (*x264)->stream_info();
  REQUIRE(info);
  REQUIRE(avcodec_parameters_to_context(d.get(), info->params.get()) >= 0);
  REQUIRE(avcodec_open2(d.get(), dec, nullptr) == 0);
  zc::ffmpeg::FramePtr out(av_frame_alloc());
  int decoded = 0;
  double worst = 0;
  auto take = [&] {
    while (avcodec_receive_frame(d.get(), out.get()) == 0) {
      const auto want = pattern_nv12(static_cast<uint32_t>(decoded));
      const auto got = planes_of(*out);
      double sum = 0;
      for (size_t k = 0; k < want[0].size(); ++k)
        sum += std::abs(int(got[0][k]) - int(want[0][k]));
      worst = std::max(worst, sum / static_cast<double>(want[0].size()));
      ++decoded;
      av_frame_unref(out.get());
    }
  };
  for (auto& p : packets) {
    REQUIRE(avcodec_send_packet(d.get(), p.packet.get()) == 0);
    take();
  }
  avcodec_send_packet(d.get(), nullptr);
  take();
  d.reset();
  CHECK(decoded == kFrames);
  // Lossy but close: a frame off by one in the sequence would be ~3 levels off everywhere.
  CHECK(worst < 1.5);
}

namespace {

// Hands out a pooled CUDA frame with a known pattern, as a GPU bridge would.
class PatternCudaImporter final : public Importer {
 public:
  explicit PatternCudaImporter(zc::cuda::FramePool& pool) : pool_(pool) {}
  std::string_view name() const override { return "pattern-cuda"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat) const override { return {kModifierLinear}; }
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override {
    if (target.memory != zc::FrameMemory::Cuda) return fail(Errc::invalid_argument, "fake", "CUDA only");
    return cuda_frame(pool_, pattern_nv12(static_cast<uint32_t>(frame.sequence)));
  }
  void forget(uint64_t) override {}
  bool reads_done(uint64_t, bool) override { return true; }

 private:
  zc::cuda::FramePool& pool_;
};

}  // namespace

TEST_CASE("the download importer hands the software encoder the GPU frame, pixel-exact, from a pool") {
  zc::cuda::FramePool pool(zc::cuda::make_cuda_memory(encode_cuda()));
  DownloadImporter imp(encode_cuda(), std::make_unique<PatternCudaImporter>(pool));
  CHECK(imp.name() == "zero-copy pattern-cuda");
  for (uint64_t i = 0; i < 4; ++i) {
    Frame f;
    f.sequence = i;
    auto got = imp.import(f, ImportTarget{kW, kH, PixelFormat::NV12, zc::FrameMemory::Cpu, false, zc::kBt601Limited});
    INFO((got ? std::string() : got.error().describe()));
    REQUIRE(got);
    REQUIRE(got->memory == zc::FrameMemory::Cpu);
    std::vector<std::vector<uint8_t>> planes(2);
    for (uint32_t p = 0; p < 2; ++p)
      for (uint32_t y = 0; y < (p ? kH / 2 : kH); ++y)
        planes[p].insert(planes[p].end(), got->cpu_plane(p) + size_t{got->pitches[p]} * y,
                         got->cpu_plane(p) + size_t{got->pitches[p]} * y + kW);
    CHECK(planes == pattern_nv12(static_cast<uint32_t>(i)));
  }
  CHECK(imp.name() == "zero-copy pattern-cuda, host download");
  CHECK(imp.host_pool().counters().created == 1);       // steady state: one host buffer, reused
  CHECK(imp.host_pool().memory()->page_locked() == 1);  // the download is a DMA into page-locked memory
  // A CUDA target goes straight through.
  Frame f;
  auto direct = imp.import(f, ImportTarget{kW, kH, PixelFormat::NV12, zc::FrameMemory::Cuda, false, zc::kBt601Limited});
  REQUIRE(direct);
  CHECK(direct->memory == zc::FrameMemory::Cuda);
}

TEST_CASE("the download fills page-locked and pageable host frames alike") {
  zc::cuda::FramePool pool(zc::cuda::make_cuda_memory(encode_cuda()));
  const auto want = pattern_nv12(7);
  const DeviceFrame src = cuda_frame(pool, want);
  for (bool locked : {true, false}) {
    INFO((locked ? "page-locked" : "pageable"));
    auto memory = locked ? make_host_memory(encode_cuda()) : make_host_memory();
    zc::cuda::FramePool host(memory, 2);
    auto layout = zc::cuda::frame_layout(kW, kH, PixelFormat::NV12);
    REQUIRE(layout);
    auto lease = host.acquire(*layout);
    REQUIRE(lease);
    DeviceFrame out = zc::cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu);
    auto ok = download_into(*encode_cuda(), src, out);
    INFO((ok ? std::string() : ok.error().describe()));
    REQUIRE(ok);
    std::vector<std::vector<uint8_t>> planes(2);
    for (uint32_t p = 0; p < 2; ++p)
      for (uint32_t y = 0; y < (p ? kH / 2 : kH); ++y)
        planes[p].insert(planes[p].end(), out.cpu_plane(p) + size_t{out.pitches[p]} * y,
                         out.cpu_plane(p) + size_t{out.pitches[p]} * y + kW);
    CHECK(planes == want);
    CHECK(memory->page_locked() == (locked ? 1u : 0u));
  }
}
