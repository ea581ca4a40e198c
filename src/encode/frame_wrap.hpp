#pragma once
// Hands a CPU DeviceFrame to FFmpeg without copying its pixels.
#include "core/device_frame.hpp"
#include "core/error.hpp"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace zc::encode {

// AV_PIX_FMT_NV12 / AV_PIX_FMT_YUV420P for the planar formats encoders take; NONE otherwise.
AVPixelFormat av_pixel_format(PixelFormat format);

// Points `out` (which must be empty: freshly allocated or unreffed) at the frame's planes. `out`
// takes over `frame.storage` through a reference-counted buffer whose free callback returns the
// pooled storage: an encoder that keeps a reference (av_frame_ref) keeps the buffer, and it goes
// back to its pool when FFmpeg lets go of the last reference. The buffer is read-only, so
// anything that wants to write copies first. `frame` is left without storage.
Result<void> wrap_device_frame(DeviceFrame& frame, AVFrame& out);

}  // namespace zc::encode
