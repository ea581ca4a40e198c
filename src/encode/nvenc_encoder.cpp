// NVENC through FFmpeg (h264_nvenc, hevc_nvenc, av1_nvenc), fed CPU NV12 for now. Low latency:
// p2 + ultra-low-latency tuning, CBR, no B-frames, no frame delay. Quality: p5 + high quality,
// constant quality (cq) or VBR. NVENC changes its bitrate on the fly where the GPU supports it.
#include <dlfcn.h>

#include <string>

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
  explicit NvencEncoder(const EncoderConfig& config)
      : FfmpegEncoder(nvenc_name(config.codec), config, InputSpec{FrameMemory::Cpu, PixelFormat::NV12}) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, Options& options) override {
    // FFmpeg reports a missing driver as a bare errno; say what is missing instead.
    for (const char* lib : {"libcuda.so.1", "libnvidia-encode.so.1"}) {
      if (!loadable(lib)) return error(Errc::unsupported, std::string("no NVIDIA driver (cannot load ") + lib + ")");
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

  static bool loadable(const char* lib) {
    void* handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return false;
    dlclose(handle);
    return true;
  }
};

}  // namespace

Result<EncoderPtr> make_nvenc(const EncoderConfig& config) {
  return EncoderPtr(std::make_unique<NvencEncoder>(config));
}

}  // namespace zc::encode
