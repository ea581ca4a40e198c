#include "vaapi/va_frames.hpp"

#include <string>

extern "C" {
#include <libavutil/hwcontext.h>
}

#include "ffmpeg/error.hpp"
#include "ffmpeg/handles.hpp"

namespace zc::vaapi {
namespace {

constexpr std::string_view kStage = "vaapi:frames";

// A pooled surface travelling in a DeviceFrame: FFmpeg's frame holds the pool's reference.
class SurfaceHold final : public Recyclable {
 public:
  ffmpeg::FramePtr frame{av_frame_alloc()};
  void recycle() override { delete this; }
};

AVPixelFormat sw_format(PixelFormat format) {
  switch (format) {
    case PixelFormat::NV12:
      return AV_PIX_FMT_NV12;
    case PixelFormat::P010:
      return AV_PIX_FMT_P010;
    default:
      return AV_PIX_FMT_NONE;
  }
}

}  // namespace

Result<std::unique_ptr<VaFrames>> VaFrames::create(std::shared_ptr<VaDevice> device, uint32_t width, uint32_t height,
                                                   PixelFormat format) {
  const AVPixelFormat sw = sw_format(format);
  if (sw == AV_PIX_FMT_NONE) {
    return fail(Errc::invalid_argument, std::string(kStage),
                "VA surfaces take NV12 or P010, not " + std::string(to_string(format)));
  }
  std::unique_ptr<VaFrames> f(new VaFrames());
  f->device_ = std::move(device);
  f->width_ = width;
  f->height_ = height;
  f->format_ = format;
  f->frames_.reset(av_hwframe_ctx_alloc(f->device_->device()));
  if (!f->frames_) return fail(Errc::gpu, std::string(kStage), "av_hwframe_ctx_alloc failed");
  auto* fc = reinterpret_cast<AVHWFramesContext*>(f->frames_->data);
  fc->format = AV_PIX_FMT_VAAPI;
  fc->sw_format = sw;
  fc->width = static_cast<int>(width);
  fc->height = static_cast<int>(height);
  fc->initial_pool_size = 0;  // dynamic: surfaces made as needed, reused once returned
  if (int r = av_hwframe_ctx_init(f->frames_.get()); r < 0) {
    return fail(Errc::gpu, std::string(kStage),
                "VA surfaces " + std::to_string(width) + "x" + std::to_string(height) + " " +
                    std::string(to_string(format)) + " on " + f->device_->node() + ": " + ffmpeg::error_text(r));
  }
  return f;
}

Result<void> VaFrames::upload(const DeviceFrame& src, AVFrame& out) {
  if (src.width != width_ || src.height != height_ || src.format != format_ || src.memory != FrameMemory::Cpu) {
    return fail(Errc::invalid_argument, std::string(kStage), "frame does not match the VA surface pool");
  }
  if (int r = av_hwframe_get_buffer(frames_.get(), &out, 0); r < 0) {
    return fail(Errc::gpu, std::string(kStage), "av_hwframe_get_buffer: " + ffmpeg::error_text(r));
  }
  // The host frame as FFmpeg sees a software frame: no copy, only its planes.
  if (!host_) {
    av_frame_unref(&out);
    return fail(Errc::internal, std::string(kStage), "out of memory");
  }
  AVFrame& host = *host_;
  host.format = sw_format(format_);
  host.width = static_cast<int>(width_);
  host.height = static_cast<int>(height_);
  for (size_t p = 0; p < 2; ++p) {
    host.data[p] = src.cpu_plane(p);
    host.linesize[p] = static_cast<int>(src.pitches[p]);
  }
  if (int r = av_hwframe_transfer_data(&out, &host, 0); r < 0) {
    av_frame_unref(&out);
    return fail(Errc::gpu, std::string(kStage), "uploading a host frame: " + ffmpeg::error_text(r));
  }
  return {};
}

Result<DeviceFrame> VaFrames::acquire() {
  auto hold = std::make_unique<SurfaceHold>();
  if (!hold->frame) return fail(Errc::internal, std::string(kStage), "out of memory");
  if (int r = av_hwframe_get_buffer(frames_.get(), hold->frame.get(), 0); r < 0) {
    return fail(Errc::gpu, std::string(kStage), "av_hwframe_get_buffer: " + ffmpeg::error_text(r));
  }
  DeviceFrame out;
  out.width = width_;
  out.height = height_;
  out.format = format_;
  out.memory = FrameMemory::Vaapi;
  // FFmpeg's VAAPI frames carry the VASurfaceID in data[3].
  out.planes[0] = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(hold->frame->data[3]));
  out.storage.reset(hold.release());
  return out;
}

const AVFrame* surface_frame(const DeviceFrame& frame) {
  if (frame.memory != FrameMemory::Vaapi) return nullptr;
  const auto* hold = dynamic_cast<const SurfaceHold*>(frame.storage.get());
  return hold ? hold->frame.get() : nullptr;
}

}  // namespace zc::vaapi
