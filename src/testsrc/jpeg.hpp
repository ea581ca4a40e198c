#pragma once
// The test source's MJPEG: each frame's BGRx canvas encoded as one JPEG with libavcodec's mjpeg
// encoder (4:2:0, JFIF full range BT.601, fixed high quality), as a camera sends them.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "ffmpeg/handles.hpp"
#include "testsrc/pattern.hpp"

namespace zc::testsrc {

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Encodes `canvas` (BGRx) into `dst`; returns the JPEG's size. Errors: no mjpeg encoder, the
  // JPEG does not fit `capacity`, the encoder refused.
  Result<size_t> encode(const Image& canvas, uint8_t* dst, size_t capacity);

 private:
  Result<void> open(uint32_t width, uint32_t height);

  ffmpeg::CodecContextPtr ctx_;
  ffmpeg::FramePtr frame_;
  ffmpeg::PacketPtr packet_;
  int64_t pts_ = 0;
};

// The most bytes a buffer needs for one JPEG of this size at the encoder's quality.
size_t jpeg_capacity(uint32_t width, uint32_t height);

}  // namespace zc::testsrc
