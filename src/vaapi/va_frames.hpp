#pragma once
// A pool of VA surfaces (FFmpeg's VAAPI hw frames: AV_PIX_FMT_VAAPI over NV12 or P010) that a
// VA-API encoder reads, on one VaDevice. upload() takes a surface from the pool and copies a host
// frame (the CPU path's NV12/P010) into it: one copy, through the driver's image upload, so a
// producer that sends only shared memory is still encoded on the GPU.
#include <cstdint>
#include <memory>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "vaapi/va_device.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace zc::vaapi {

class VaFrames {
 public:
  // format: NV12 or P010. Errc::gpu when the driver refuses the surfaces.
  static Result<std::unique_ptr<VaFrames>> create(std::shared_ptr<VaDevice> device, uint32_t width, uint32_t height,
                                                  PixelFormat format, int pool_size = 8);

  AVBufferRef* frames() const { return frames_.get(); }
  const VaDevice& device() const { return *device_; }

  // `out` must be empty (unreffed). A host frame of the pool's size and format is copied into a
  // pooled surface; `src` may be released when this returns.
  Result<void> upload(const DeviceFrame& src, AVFrame& out);

 private:
  VaFrames() = default;
  std::shared_ptr<VaDevice> device_;
  BufferRefPtr frames_;
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  PixelFormat format_ = PixelFormat::NV12;
};

}  // namespace zc::vaapi
