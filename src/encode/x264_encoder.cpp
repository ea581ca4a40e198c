// libx264. Low latency: ultrafast + zerolatency (sliced threads, no lookahead, no B-frames), CBR
// through the VBV, keyframes only at the GOP boundary or on request. Quality: veryfast, CRF or an
// average bitrate, B-frames and scene cuts allowed.
#include "encode/families.hpp"
#include "encode/ffmpeg_encoder.hpp"
#include "encode/rate.hpp"

namespace zc::encode {
namespace {

constexpr int kQualityCrf = 20;
// Low latency up to this many pixels a second (1080p60) encodes on one thread on a small machine:
// ultrafast keeps up on one core with room to spare (about 3.3 ms a 1080p frame on the 2-core CI
// class), and sliced threads hand each frame to worker threads and wait for them, several wake-ups
// a frame, which there cost more than they save (record_bench, 1080p60: libx264 alone 3.3 ms a
// frame on one thread, 4.2-4.8 on two). With cores to spare, 4 sliced threads halve the latency at
// the same CPU (rate.hpp small_frame_threads; bench/HISTORY.md). Above it (4K30), a frame takes
// longer than one core can give within the frame interval: sliced threads on every core, and more
// slices than cores on a small machine (rate.hpp large_frame_threads).
constexpr double kOneThreadPixelRate = 1920.0 * 1080.0 * 60.0;

class X264Encoder final : public FfmpegEncoder {
 public:
  X264Encoder(const EncoderConfig& config, PixelFormat input)
      : FfmpegEncoder("libx264", config, InputSpec{FrameMemory::Cpu, input}) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) override {
    const bool low_latency = config().tuning == Tuning::LowLatency;
    options.set("preset", low_latency ? "ultrafast" : "veryfast");
    if (low_latency && config().threads == 0) {
      const bool small =
          static_cast<double>(config().width) * config().height * nominal_fps(config()) <= kOneThreadPixelRate;
      const uint32_t cores = usable_cores();
      ctx.thread_count = static_cast<int>(small ? small_frame_threads(cores) : large_frame_threads(cores));
    }
    if (low_latency) {
      options.set("tune", "zerolatency");
      ctx.max_b_frames = 0;
      options.set("sc_threshold", 0);  // predictable rate: keyframes on the GOP or on request only
    }
    if (rc.constant_quality) options.set("crf", kQualityCrf);
    // A requested keyframe is an IDR, so a viewer can join there (x264 repeats SPS/PPS on it).
    options.set("forced-idr", 1);
    return {};
  }

  // libx264's wrapper calls x264_encoder_reconfig when bit_rate / VBV fields change.
  bool reconfigures_bitrate() const override { return true; }
};

}  // namespace

Result<EncoderPtr> make_x264(const EncoderConfig& config, PixelFormat input) {
  if (config.codec != Codec::H264) return fail(Errc::invalid_argument, "encode:libx264", "libx264 encodes h264 only");
  if (input != PixelFormat::NV12 && input != PixelFormat::I420) {
    return fail(Errc::invalid_argument, "encode:libx264", "libx264 takes NV12 or I420");
  }
  if (config.bit_depth != 8) {
    return fail(Errc::unsupported, "encode:libx264", "zerocast encodes H.264 at 8 bits (High 10 plays almost nowhere)");
  }
  return EncoderPtr(std::make_unique<X264Encoder>(config, input));
}

}  // namespace zc::encode
