#pragma once
// MJPEG frames decoded with libavcodec's mjpeg decoder, for the CPU importer: each frame one JPEG,
// checked before and after decoding so that a corrupt or truncated one is an error (counted by the
// caller as an import failure), never a crash or a half-grey picture passed on.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "core/pixel_format.hpp"
#include "ffmpeg/handles.hpp"

struct AVBufferRef;

namespace zc::zerocopy {

// A decoded picture, valid until the next decode(): 8-bit YCbCr planes in JPEG's full range, or
// G, B, R planes (an RGB JPEG: Adobe's transform 0, what GStreamer's jpegenc writes from RGB).
struct DecodedJpeg {
  enum class Chroma : uint8_t { s420, s422, s444, gray, rgb };
  Chroma chroma = Chroma::s420;
  uint32_t width = 0;
  uint32_t height = 0;
  const uint8_t* planes[3]{};
  uint32_t strides[3]{};
};

class MjpegDecoder {
 public:
  MjpegDecoder();
  ~MjpegDecoder();
  MjpegDecoder(const MjpegDecoder&) = delete;
  MjpegDecoder& operator=(const MjpegDecoder&) = delete;

  // Errc::invalid_argument: no end-of-image marker (truncated), the decoder refused it or reported
  // damage, another size than negotiated, or a layout it does not give as 4:2:0, 4:2:2, 4:4:4, grey
  // or planar RGB.
  // Errc::internal: no mjpeg decoder in this FFmpeg, out of memory.
  Result<DecodedJpeg> decode(const uint8_t* data, size_t size, uint32_t width, uint32_t height);

 private:
  struct BufferFree {
    void operator()(AVBufferRef* b) const;
  };
  Result<void> open();

  ffmpeg::CodecContextPtr ctx_;
  ffmpeg::FramePtr frame_;
  ffmpeg::PacketPtr packet_;
  std::unique_ptr<AVBufferRef, BufferFree> input_;  // the JPEG, with the zeroed padding libavcodec reads
};

// True when a JPEG ends with its end-of-image marker (0xFF 0xD9), allowing the zero padding some
// cameras put after it.
bool has_end_of_image(const uint8_t* data, size_t size);

}  // namespace zc::zerocopy
