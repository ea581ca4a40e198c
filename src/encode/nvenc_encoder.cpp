// NVENC through FFmpeg (h264_nvenc, hevc_nvenc, av1_nvenc), fed CPU NV12, or CUDA NV12 frames
// through a hw-frames pool on our CUDA context (cuda_frames.hpp); at 10 bits (HEVC Main10, AV1)
// CPU P010 (10-bit sources take the CPU path). Low latency:
// p2 + ultra-low-latency tuning, CBR, no B-frames, no frame delay. Quality: p5 + high quality,
// constant quality (cq) or VBR. NVENC changes its bitrate on the fly where the GPU supports it.
#include <dlfcn.h>

#include <string>

#include "encode/cuda_frames.hpp"
#include "encode/families.hpp"
#include "encode/ffmpeg_encoder.hpp"

namespace zc::encode {
namespace {

constexpr int kQualityCq = 23;

std::string nvenc_name(Codec codec) {
  switch (codec) {
    case Codec::H264:
      return "h264_nvenc";
    case Codec::HEVC:
      return "hevc_nvenc";
    case Codec::AV1:
      return "av1_nvenc";
  }
  return "nvenc";
}

class NvencEncoder final : public FfmpegEncoder {
 public:
  // 10 bits: host P010 frames (the CPU path makes them; FFmpeg uploads them), never CUDA ones.
  NvencEncoder(const EncoderConfig& config, std::shared_ptr<cuda::CudaContext> cuda)
      : FfmpegEncoder(nvenc_name(config.codec), config,
                      config.bit_depth == 10
                          ? InputSpec{FrameMemory::Cpu, PixelFormat::P010}
                          : InputSpec{cuda ? FrameMemory::Cuda : FrameMemory::Cpu, PixelFormat::NV12}),
        cuda_(config.bit_depth == 10 ? nullptr : std::move(cuda)) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) override {
    // FFmpeg reports a missing driver as a bare errno; say what is missing instead.
    for (const char* lib : {"libcuda.so.1", "libnvidia-encode.so.1"}) {
      if (!loadable(lib)) return error(Errc::unsupported, std::string("no NVIDIA driver (cannot load ") + lib + ")");
    }
    if (cuda_) {
      auto frames = CudaFrames::create(cuda_, config().width, config().height, PixelFormat::NV12);
      if (!frames) return tl::unexpected(frames.error());
      frames_ = std::move(*frames);
      ctx.pix_fmt = AV_PIX_FMT_CUDA;
      ctx.sw_pix_fmt = AV_PIX_FMT_NV12;
      ctx.hw_frames_ctx = av_buffer_ref(frames_->frames());
      if (!ctx.hw_frames_ctx) return error(Errc::internal, "out of memory");
    }
    const bool low_latency = config().tuning == Tuning::LowLatency;
    ctx.thread_count = 0;  // NVENC has no threads of its own to size
    if (low_latency) {
      options.set("preset", "p2");
      options.set("tune", "ull");
      options.set("rc", "cbr");
      options.set("zerolatency", 1);
      options.set("delay", 0);
      ctx.max_b_frames = 0;
    } else {
      options.set("preset", "p5");
      options.set("tune", "hq");
      options.set("rc", "vbr");
      if (rc.constant_quality) options.set("cq", kQualityCq);
    }
    options.set("forced-idr", 1);
    return {};
  }

  // FFmpeg's NVENC wrapper calls nvEncReconfigureEncoder when bit_rate changes (if the GPU
  // reports dynamic bitrate support; otherwise it logs and keeps the old rate).
  bool reconfigures_bitrate() const override { return true; }

  std::string explain_open_failure(int /*averror*/) const override {
    return "no NVENC session: this GPU may have no encoder (data-center parts) or the driver refused; "
           "FFmpeg's message above says which";
  }

  // With CUDA: CUDA frames, and host frames the CPU path imported (uploaded into the same pool).
  bool accepts(FrameMemory memory) const override { return cuda_ || memory == FrameMemory::Cpu; }

  Result<void> fill_frame(DeviceFrame& frame, AVFrame& out) override {
    if (!frames_) return FfmpegEncoder::fill_frame(frame, out);
    return frames_->fill(frame, out);
  }

 private:
  std::shared_ptr<cuda::CudaContext> cuda_;
  std::unique_ptr<CudaFrames> frames_;

  static bool loadable(const char* lib) {
    void* handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return false;
    dlclose(handle);
    return true;
  }
};

}  // namespace

namespace {

Result<void> check_depth(const EncoderConfig& config) {
  if (config.bit_depth == 8 || (config.bit_depth == 10 && config.codec != Codec::H264)) return {};
  return fail(Errc::unsupported, "encode:" + nvenc_name(config.codec),
              config.bit_depth == 10 ? "NVENC encodes H.264 at 8 bits only" : "bit depth must be 8 or 10");
}

}  // namespace

Result<EncoderPtr> make_nvenc(const EncoderConfig& config) {
  if (auto ok = check_depth(config); !ok) return tl::unexpected(ok.error());
  return EncoderPtr(std::make_unique<NvencEncoder>(config, nullptr));
}

Result<EncoderPtr> make_nvenc_cuda(const EncoderConfig& config, std::shared_ptr<cuda::CudaContext> cuda) {
  if (!cuda) return fail(Errc::invalid_argument, "encode", "make_nvenc_cuda needs a CUDA context");
  if (auto ok = check_depth(config); !ok) return tl::unexpected(ok.error());
  return EncoderPtr(std::make_unique<NvencEncoder>(config, std::move(cuda)));
}

}  // namespace zc::encode
