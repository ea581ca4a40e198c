#pragma once
// A pool of VA surfaces (FFmpeg's VAAPI hw frames: AV_PIX_FMT_VAAPI over NV12 or P010) that a
// VA-API encoder reads, on one VaDevice. upload() takes a surface from the pool and copies a host
// frame (the CPU path's NV12/P010) into it: one copy, through the driver's image upload, so a
// producer that sends only shared memory is still encoded on the GPU.
#include <cstdint>
#include <memory>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "ffmpeg/handles.hpp"
#include "vaapi/va_device.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace zc::vaapi {

class VaFrames {
 public:
  // format: NV12 or P010. Errc::gpu when the driver refuses the surfaces. The pool grows to what
  // is in flight and keeps what comes back (FFmpeg's dynamic VAAPI pool): a fixed pool of 8 ran
  // dry with the frame queue's 8 frames and the encoder's own in flight.
  static Result<std::unique_ptr<VaFrames>> create(std::shared_ptr<VaDevice> device, uint32_t width, uint32_t height,
                                                  PixelFormat format);

  AVBufferRef* frames() const { return frames_.get(); }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  const VaDevice& device() const { return *device_; }

  // `out` must be empty (unreffed). A host frame of the pool's size and format is copied into a
  // pooled surface; `src` may be released when this returns.
  Result<void> upload(const DeviceFrame& src, AVFrame& out);

  // A pooled surface as a DeviceFrame (FrameMemory::Vaapi: planes[0] its VASurfaceID), for an
  // importer to write into; dropping the frame returns the surface to the pool.
  Result<DeviceFrame> acquire();

 private:
  VaFrames() = default;
  std::shared_ptr<VaDevice> device_;
  BufferRefPtr frames_;
  ffmpeg::FramePtr host_{av_frame_alloc()};  // upload()'s view of a host frame, reused every frame
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  PixelFormat format_ = PixelFormat::NV12;
};

// The surface behind a FrameMemory::Vaapi frame that acquire() made, as FFmpeg's VAAPI frame (an
// encoder references it); nullptr for any other frame.
const AVFrame* surface_frame(const DeviceFrame& frame);
// Its VASurfaceID.
inline uint32_t surface_id(const DeviceFrame& frame) {
  return static_cast<uint32_t>(frame.planes[0]);
}

}  // namespace zc::vaapi
