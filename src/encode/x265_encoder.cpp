// libx265 (I420; I010 at 10 bits: Main 10). Low latency: ultrafast + zerolatency, CBR through the VBV, no scene cuts.
// Quality: veryfast, CRF or an average bitrate. Always closed GOPs and repeated VPS/SPS/PPS so
// every keyframe is a join point. FFmpeg 5.1 cannot change x265's bitrate while it runs.
#include <fmt/format.h>

#include "encode/families.hpp"
#include "encode/ffmpeg_encoder.hpp"

namespace zc::encode {
namespace {

constexpr int kQualityCrf = 24;
constexpr InputSpec kInput{FrameMemory::Cpu, PixelFormat::I420};  // 10 bits: I010 (Main 10)

class X265Encoder final : public FfmpegEncoder {
 public:
  explicit X265Encoder(const EncoderConfig& config)
      : FfmpegEncoder("libx265", config, *input_at_depth(kInput, config.bit_depth)) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) override {
    const bool low_latency = config().tuning == Tuning::LowLatency;
    options.set("preset", low_latency ? "ultrafast" : "veryfast");
    if (low_latency) {
      options.set("tune", "zerolatency");
      ctx.max_b_frames = 0;
    }
    if (rc.constant_quality) options.set("crf", kQualityCrf);
    options.set("forced-idr", 1);
    // x265 writes its banner and statistics to stderr itself; keep only its errors there.
    std::string params =
        fmt::format("repeat-headers=1:open-gop=0:log-level=error:pools={}:keyint={}", ctx.thread_count, ctx.gop_size);
    if (low_latency) params += ":scenecut=0";
    if (!rc.constant_quality) {
      params += fmt::format(":vbv-maxrate={}:vbv-bufsize={}", rc.max_rate / 1000, rc.buffer_size / 1000);
    }
    // HDR10's SEI (x265 turns on its HDR signalling when either is given).
    if (const auto& d = config().hdr.display) params += ":master-display=" + x265_master_display(*d);
    if (const auto& l = config().hdr.light) params += ":max-cll=" + to_string(*l);
    options.set("x265-params", params);
    return {};
  }
};

}  // namespace

Result<EncoderPtr> make_x265(const EncoderConfig& config) {
  if (config.codec != Codec::HEVC) return fail(Errc::invalid_argument, "encode:libx265", "libx265 encodes hevc only");
  if (config.bit_depth != 8 && config.bit_depth != 10) {
    return fail(Errc::invalid_argument, "encode:libx265", "bit depth must be 8 or 10");
  }
  return EncoderPtr(std::make_unique<X265Encoder>(config));
}

}  // namespace zc::encode
