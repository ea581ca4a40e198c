#pragma once
// Encoding from the GPU: an FFmpeg CUDA device context built on OUR CUcontext and stream (so
// FFmpeg's work, NVENC's included, is ordered on the stream the importers use, and FFmpeg never
// destroys the context: av_hwdevice_ctx_init on a context it did not create leaves it alone), and
// a hw-frames pool (AV_PIX_FMT_CUDA with an NV12 or BGR0 software layout). fill() takes a frame
// from the pool and copies an imported DeviceFrame into it on our stream: device-to-device behind
// the frame's ready event (cuStreamWaitEvent, no CPU wait), or host-to-device for a frame the CPU
// path imported after a GPU failure.
#include <cstdint>
#include <memory>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "cuda/cuda_context.hpp"
#include "ffmpeg/handles.hpp"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
}

namespace zc::encode {

struct BufferRefFree {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};
using BufferRefPtr = std::unique_ptr<AVBufferRef, BufferRefFree>;

class CudaFrames {
 public:
  // format: NV12 or BGRx (AV_PIX_FMT_BGR0). Errc::gpu when FFmpeg refuses the context or pool.
  static Result<std::unique_ptr<CudaFrames>> create(std::shared_ptr<cuda::CudaContext> cuda, uint32_t width,
                                                    uint32_t height, PixelFormat format, int pool_size = 8);

  AVBufferRef* device() const { return device_.get(); }
  AVBufferRef* frames() const { return frames_.get(); }
  const cuda::CudaContext& cuda() const { return *cuda_; }

  // `out` must be empty (unreffed). The copy is enqueued on our stream, so `src` may be released
  // when this returns: an importer's next write into that pooled buffer goes on the same stream,
  // behind this read, and a host source has been staged by the driver before the call returns.
  Result<void> fill(const DeviceFrame& src, AVFrame& out);

 private:
  CudaFrames() = default;
  std::shared_ptr<cuda::CudaContext> cuda_;
  BufferRefPtr device_;
  BufferRefPtr frames_;
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  PixelFormat format_ = PixelFormat::NV12;
};

}  // namespace zc::encode
