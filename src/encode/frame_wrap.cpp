#include "encode/frame_wrap.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

extern "C" {
#include <libavutil/buffer.h>
}

namespace zc::encode {
namespace {

void release_storage(void* opaque, uint8_t* /*data*/) {
  Recycle{}(static_cast<Recyclable*>(opaque));
}

}  // namespace

AVPixelFormat av_pixel_format(PixelFormat format) {
  switch (format) {
    case PixelFormat::NV12:
      return AV_PIX_FMT_NV12;
    case PixelFormat::I420:
      return AV_PIX_FMT_YUV420P;
    case PixelFormat::P010:
      return AV_PIX_FMT_P010LE;
    case PixelFormat::I010:
      return AV_PIX_FMT_YUV420P10LE;
    default:
      return AV_PIX_FMT_NONE;
  }
}

Result<void> wrap_device_frame(DeviceFrame& frame, AVFrame& out) {
  if (frame.memory != FrameMemory::Cpu) {
    return fail(Errc::unsupported, "encode",
                std::string("a frame in ") + std::string(to_string(frame.memory)) +
                    " memory goes through its encoder's hardware frames (cuda_frames), not wrapped as host memory");
  }
  const AVPixelFormat pix_fmt = av_pixel_format(frame.format);
  if (pix_fmt == AV_PIX_FMT_NONE) {
    return fail(
        Errc::invalid_argument, "encode",
        "frame format " + std::string(to_string(frame.format)) + " is not a planar 4:2:0 format an encoder takes");
  }
  const size_t planes = frame.format == PixelFormat::NV12 || frame.format == PixelFormat::P010 ? 2 : 3;
  const uint32_t chroma_rows = (frame.height + 1) / 2;
  uint8_t* lowest = frame.cpu_plane(0);
  uint8_t* end = lowest;
  for (size_t i = 0; i < planes; ++i) {
    uint8_t* p = frame.cpu_plane(i);
    if (!p || frame.pitches[i] == 0) {
      return fail(Errc::invalid_argument, "encode", "frame plane " + std::to_string(i) + " is missing");
    }
    const uint32_t rows = i == 0 ? frame.height : chroma_rows;
    lowest = std::min(lowest, p);
    end = std::max(end, p + size_t{frame.pitches[i]} * rows);
  }

  // The buffer spans the planes; its size is informational (nothing reallocates it).
  AVBufferRef* buf = av_buffer_create(lowest, static_cast<size_t>(end - lowest), release_storage, frame.storage.get(),
                                      AV_BUFFER_FLAG_READONLY);
  if (!buf) return fail(Errc::internal, "encode", "out of memory wrapping a frame");
  static_cast<void>(frame.storage.release());  // now owned by `buf`

  out.format = pix_fmt;
  out.width = static_cast<int>(frame.width);
  out.height = static_cast<int>(frame.height);
  out.buf[0] = buf;
  for (size_t i = 0; i < planes; ++i) {
    out.data[i] = frame.cpu_plane(i);
    out.linesize[i] = static_cast<int>(frame.pitches[i]);
  }
  return {};
}

}  // namespace zc::encode
