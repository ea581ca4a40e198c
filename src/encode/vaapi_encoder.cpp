// VA-API through FFmpeg (h264_vaapi, hevc_vaapi, av1_vaapi where FFmpeg has it) on AMD and Intel
// GPUs. Fed NV12 VA surfaces the VA importer made from the compositor's dmabufs (zero-copy), or
// host NV12 (P010 at 10 bits: HEVC Main 10) the CPU path made, uploaded into a pool of VA surfaces
// (vaapi/va_frames.hpp): one copy, then the encode runs on the GPU. Low latency: CBR, no B-frames,
// one frame in flight (async_depth 1). Quality: constant QP, or VBR at a bitrate. A driver that
// offers only the low-power entrypoint (VAEntrypointEncSliceLP: some Intel parts) needs nothing
// here: FFmpeg's VA-API encoders (5.1 included) try EncSlice, then EncPicture, then EncSliceLP
// (vaapi_encode.c's vaapi_encode_entrypoints_normal); `low_power` would only forbid the first two.
// The VUI/VUI-like colour tags come from the context, as for the other families.
#include <string>

#include "core/log.hpp"
#include "encode/families.hpp"
#include "encode/ffmpeg_encoder.hpp"
#include "vaapi/va_frames.hpp"

namespace zc::encode {
namespace {

// Constant QP for quality without a bitrate: about libx264's CRF 20 in size on the drivers'
// rate-distortion (P-frames; FFmpeg scales I and B by its factors).
constexpr int kQualityQpH264 = 22;
constexpr int kQualityQpHevc = 24;

std::string vaapi_name(Codec codec) {
  switch (codec) {
    case Codec::H264:
      return "h264_vaapi";
    case Codec::HEVC:
      return "hevc_vaapi";
    case Codec::AV1:
      return "av1_vaapi";
  }
  return "vaapi";
}

class VaapiEncoder final : public FfmpegEncoder {
 public:
  VaapiEncoder(const EncoderConfig& config, std::shared_ptr<VaapiDevices> devices)
      : FfmpegEncoder(vaapi_name(config.codec), config,
                      config.bit_depth == 10 ? InputSpec{FrameMemory::Cpu, PixelFormat::P010}
                                             : InputSpec{FrameMemory::Vaapi, PixelFormat::NV12}),
        devices_(std::move(devices)) {}

 protected:
  Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) override {
    auto device = devices_->get();
    if (!device) return tl::unexpected(device.error());
    if (!frames_) {
      auto frames = vaapi::VaFrames::create(*device, config().width, config().height, input().format);
      if (!frames) return tl::unexpected(frames.error());
      frames_ = std::move(*frames);
    }
    ctx.pix_fmt = AV_PIX_FMT_VAAPI;
    ctx.sw_pix_fmt = config().bit_depth == 10 ? AV_PIX_FMT_P010 : AV_PIX_FMT_NV12;
    ctx.hw_frames_ctx = av_buffer_ref(frames_->frames());
    if (!ctx.hw_frames_ctx) return error(Errc::internal, "out of memory");
    const bool low_latency = config().tuning == Tuning::LowLatency;
    if (low_latency) {
      options.set("rc_mode", "CBR");
      options.set("async_depth", 1);  // a frame's packet comes out before the next goes in
      ctx.max_b_frames = 0;
    } else if (rc.constant_quality) {
      options.set("rc_mode", "CQP");
      options.set("qp", config().codec == Codec::H264 ? kQualityQpH264 : kQualityQpHevc);
    } else {
      options.set("rc_mode", "VBR");
    }
    return {};
  }

  std::string explain_open_failure(int /*averror*/) const override {
    auto device = devices_->get();
    if (!device) return {};
    const std::string driver = "the VA-API driver on " + (*device)->node() + " (" + (*device)->vendor() + ")";
    const std::string codec(to_string(config().codec));
    if (!(*device)->lists_encoder(codec)) return driver + " has no " + codec + " encoder";
    return driver + " refused it; `zerocast zerocopy-probe` lists what it offers";
  }

  // VA surfaces of the importer's pool on the same display: referenced as they are. Host frames
  // (the CPU path's, and 10-bit ones): uploaded.
  bool accepts(FrameMemory memory) const override { return memory == FrameMemory::Cpu || memory == FrameMemory::Vaapi; }

  Result<void> fill_frame(DeviceFrame& frame, AVFrame& out) override {
    if (frame.memory == FrameMemory::Cpu) return frames_->upload(frame, out);
    const AVFrame* surface = vaapi::surface_frame(frame);
    if (!surface) return error(Errc::invalid_argument, "a VA frame without its surface");
    if (av_frame_ref(&out, surface) < 0) return error(Errc::internal, "out of memory");
    return {};
  }

 private:
  std::shared_ptr<VaapiDevices> devices_;
  std::unique_ptr<vaapi::VaFrames> frames_;
};

}  // namespace

VaapiDevices::VaapiDevices(std::string node) : node_(std::move(node)) {}

Result<std::shared_ptr<vaapi::VaDevice>> VaapiDevices::get() {
  std::lock_guard lock(mutex_);
  if (!opened_) {
    auto device = vaapi::VaDevice::open_first(node_);
    if (device) {
      zc::log::info("encode: VA-API device {} ({})", (*device)->node(), (*device)->vendor());
    } else {
      zc::log::debug("encode: no VA-API device: {}", device.error().describe());
    }
    opened_ = std::move(device);
  }
  return *opened_;
}

Result<EncoderPtr> make_vaapi(const EncoderConfig& config, std::shared_ptr<VaapiDevices> devices) {
  if (!devices) return fail(Errc::invalid_argument, "encode", "make_vaapi needs its device slot");
  const std::string name = vaapi_name(config.codec);
  if (config.bit_depth == 10 && config.codec == Codec::H264) {
    return fail(Errc::unsupported, "encode:" + name, "VA-API encodes H.264 at 8 bits only");
  }
  if (config.bit_depth != 8 && config.bit_depth != 10) {
    return fail(Errc::unsupported, "encode:" + name, "bit depth must be 8 or 10");
  }
  if (!avcodec_find_encoder_by_name(name.c_str()))
    return fail(Errc::not_found, "encode:" + name, "not in this FFmpeg build");
  // Before any encoder: a machine without a VA driver says so in one line, not FFmpeg's.
  if (auto device = devices->get(); !device) return tl::unexpected(device.error());
  return EncoderPtr(std::make_unique<VaapiEncoder>(config, std::move(devices)));
}

}  // namespace zc::encode
