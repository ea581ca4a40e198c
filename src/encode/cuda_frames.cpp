#include "encode/cuda_frames.hpp"

#include <string>

// CUDA types from nv-codec-headers (through cuda_api.hpp), so FFmpeg's header needs no <cuda.h>.
#include "cuda/cuda_api.hpp"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

#include "cuda/layout.hpp"
#include "encode/frame_wrap.hpp"
#include "ffmpeg/error.hpp"

namespace zc::encode {
namespace {

constexpr std::string_view kStage = "encode:cuda";

AVPixelFormat sw_format(PixelFormat format) {
  switch (format) {
    case PixelFormat::NV12:
      return AV_PIX_FMT_NV12;
    case PixelFormat::BGRx:
      return AV_PIX_FMT_BGR0;
    default:
      return AV_PIX_FMT_NONE;
  }
}

}  // namespace

Result<std::unique_ptr<CudaFrames>> CudaFrames::create(std::shared_ptr<cuda::CudaContext> cuda, uint32_t width,
                                                       uint32_t height, PixelFormat format, int pool_size) {
  const AVPixelFormat sw = sw_format(format);
  if (sw == AV_PIX_FMT_NONE) {
    return fail(Errc::invalid_argument, std::string(kStage),
                "CUDA frames take NV12 or BGRx, not " + std::string(to_string(format)));
  }
  std::unique_ptr<CudaFrames> f(new CudaFrames());
  f->cuda_ = std::move(cuda);
  f->width_ = width;
  f->height_ = height;
  f->format_ = format;

  f->device_.reset(av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_CUDA));
  if (!f->device_) return fail(Errc::gpu, std::string(kStage), "FFmpeg has no CUDA device support");
  auto* dev = reinterpret_cast<AVHWDeviceContext*>(f->device_->data);
  auto* hw = static_cast<AVCUDADeviceContext*>(dev->hwctx);
  hw->cuda_ctx = f->cuda_->context();
  hw->stream = f->cuda_->stream();
  if (int r = av_hwdevice_ctx_init(f->device_.get()); r < 0) {
    return fail(Errc::gpu, std::string(kStage), "av_hwdevice_ctx_init on our CUDA context: " + ffmpeg::error_text(r));
  }

  f->frames_.reset(av_hwframe_ctx_alloc(f->device_.get()));
  if (!f->frames_) return fail(Errc::gpu, std::string(kStage), "av_hwframe_ctx_alloc failed");
  auto* fc = reinterpret_cast<AVHWFramesContext*>(f->frames_->data);
  fc->format = AV_PIX_FMT_CUDA;
  fc->sw_format = sw;
  fc->width = static_cast<int>(width);
  fc->height = static_cast<int>(height);
  fc->initial_pool_size = pool_size;
  if (int r = av_hwframe_ctx_init(f->frames_.get()); r < 0) {
    return fail(
        Errc::gpu, std::string(kStage),
        "CUDA frames pool " + std::to_string(width) + "x" + std::to_string(height) + ": " + ffmpeg::error_text(r));
  }
  return f;
}

Result<void> CudaFrames::fill(const DeviceFrame& src, AVFrame& out) {
  if (src.width != width_ || src.height != height_ || src.format != format_) {
    return fail(Errc::invalid_argument, std::string(kStage), "frame does not match the CUDA frames pool");
  }
  if (src.memory != FrameMemory::Cuda && src.memory != FrameMemory::Cpu) {
    return fail(Errc::unsupported, std::string(kStage),
                "CUDA frames are made from host or CUDA memory, not " + std::string(to_string(src.memory)));
  }
  auto layout = cuda::frame_layout(src.width, src.height, src.format);
  if (!layout) return tl::unexpected(layout.error());
  if (int r = av_hwframe_get_buffer(frames_.get(), &out, 0); r < 0) {
    return fail(Errc::gpu, std::string(kStage), "av_hwframe_get_buffer: " + ffmpeg::error_text(r));
  }
  const cuda::CudaContext& ctx = *cuda_;
  const auto& cu = ctx.api();
  cuda::CudaContext::Scope scope(ctx);
  const bool on_gpu = src.memory == FrameMemory::Cuda;
  if (on_gpu && src.ready_event) {
    if (auto ok = ctx.check(cu.cuStreamWaitEvent(ctx.stream(), static_cast<CUevent>(src.ready_event), 0),
                            "cuStreamWaitEvent(ready)");
        !ok) {
      av_frame_unref(&out);
      return ok;
    }
  }
  for (uint32_t p = 0; p < layout->planes; ++p) {
    CUDA_MEMCPY2D c{};
    if (on_gpu) {
      c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
      c.srcDevice = src.planes[p];
    } else {
      c.srcMemoryType = CU_MEMORYTYPE_HOST;
      c.srcHost = src.cpu_plane(p);
    }
    c.srcPitch = src.pitches[p];
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = reinterpret_cast<CUdeviceptr>(out.data[p]);
    c.dstPitch = static_cast<size_t>(out.linesize[p]);
    c.WidthInBytes = layout->row_bytes[p];
    c.Height = layout->rows[p];
    if (auto ok = ctx.check(cu.cuMemcpy2DAsync(&c, ctx.stream()), "cuMemcpy2DAsync(into hw frame)"); !ok) {
      av_frame_unref(&out);
      return ok;
    }
  }
  return {};
}

}  // namespace zc::encode
