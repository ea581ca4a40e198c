// libsvtav1 (I420; I010 at 10 bits). Low latency: the low-delay prediction structure (no reordering, no
// lookahead) at the fastest preset, CBR. Quality: random access at a fast preset, CRF or VBR.
// SVT-AV1 1.4 can force a keyframe only in random-access CRF/CQP mode, and FFmpeg 5.1 cannot
// change its bitrate while it runs.
#include <fmt/format.h>

#include "encode/families.hpp"
#include "encode/ffmpeg_encoder.hpp"

namespace zc::encode {
namespace {

// Real time first: on 2 busy cores at 1080p60, preset 8 ran at 7.5 fps, 10 at 22, 12 at 46.
constexpr int kLowLatencyPreset = 12;  // low delay needs >= 8
constexpr int kQualityPreset = 10;
constexpr int kQualityCrf = 32;
constexpr InputSpec kInput{FrameMemory::Cpu, PixelFormat::I420};  // 10 bits: I010

class SvtAv1Encoder final : public FfmpegEncoder {
 public:
  explicit SvtAv1Encoder(const EncoderConfig& config)
      : FfmpegEncoder("libsvtav1", config, *input_at_depth(kInput, config.bit_depth)) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) override {
    const bool low_latency = config().tuning == Tuning::LowLatency;
    options.set("preset", low_latency ? kLowLatencyPreset : kQualityPreset);
    if (rc.constant_quality) options.set("crf", kQualityCrf);
    // irefresh-type 2: closed GOP, every keyframe is a key frame with a sequence header.
    std::string params = fmt::format("irefresh-type=2:lp={}", ctx.thread_count);
    if (low_latency) {
      // SVT-AV1 refuses a max bitrate equal to the target; CBR is its own mode with a buffer.
      ctx.rc_max_rate = 0;
      const int64_t buffer_ms = rc.buffer_size * 1000LL / rc.bit_rate;
      params += fmt::format(":pred-struct=1:rc=2:buf-sz={}:buf-initial-sz={}:buf-optimal-sz={}", buffer_ms,
                            buffer_ms * 3 / 4, buffer_ms * 3 / 4);
    } else if (rc.constant_quality) {
      params += ":enable-force-key-frames=1";
    }
    // HDR10's metadata OBUs.
    if (const auto& d = config().hdr.display) params += ":mastering-display=" + svtav1_mastering_display(*d);
    if (const auto& l = config().hdr.light) params += ":content-light=" + to_string(*l);
    options.set("svtav1-params", params);
    return {};
  }

  // SVT-AV1 1.4 blocks forever when it is freed without having had a frame.
  bool opens_unfed() const override { return false; }

  Result<void> keyframe_support(const RateControl& rc) const override {
    if (config().tuning == Tuning::Quality && rc.constant_quality) return {};
    return error(Errc::unsupported, "SVT-AV1 1.4 forces keyframes only in quality mode at constant quality");
  }
};

}  // namespace

Result<EncoderPtr> make_svtav1(const EncoderConfig& config) {
  if (config.codec != Codec::AV1) return fail(Errc::invalid_argument, "encode:libsvtav1", "libsvtav1 encodes av1 only");
  if (config.bit_depth != 8 && config.bit_depth != 10) {
    return fail(Errc::invalid_argument, "encode:libsvtav1", "bit depth must be 8 or 10");
  }
  return EncoderPtr(std::make_unique<SvtAv1Encoder>(config));
}

}  // namespace zc::encode
