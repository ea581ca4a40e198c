#pragma once
// A compositor's dmabuf as a VA surface, and VA video processing from it into an encoder's
// surface: the two steps of the VA-API zero-copy path. The import hands the driver the dmabuf
// with its DRM format modifier (a DRM PRIME 2 descriptor, which FFmpeg 5.1's own mapping cannot
// carry); the driver reads it where it lies. The processing pass crops, scales and converts RGB to
// NV12 by the stream's matrix and range, on the GPU, into a pooled surface.
#include <array>
#include <cstdint>
#include <memory>

#include "core/colour.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/pixel_format.hpp"
#include "vaapi/va_device.hpp"

namespace zc::vaapi {

// The VA fourcc of a packed 32-bit RGB format the import takes (BGRx -> VA_FOURCC_BGRX: the same
// bytes as DRM's XRGB8888), 0 for the others.
uint32_t va_fourcc(PixelFormat format);

// One imported picture: its VASurfaceID, destroyed with it.
class Surface {
 public:
  Surface(VADisplay display, uint32_t id) : display_(display), id_(id) {}
  Surface(Surface&& o) noexcept : display_(o.display_), id_(o.id_) { o.display_ = nullptr; }
  Surface& operator=(Surface&& o) noexcept;
  Surface(const Surface&) = delete;
  Surface& operator=(const Surface&) = delete;
  ~Surface() { reset(); }
  uint32_t id() const { return id_; }

 private:
  void reset();
  VADisplay display_ = nullptr;
  uint32_t id_ = 0;
};

// Imports a dmabuf frame (packed 32-bit RGB, one plane) as a surface. Errc::rejected when the
// driver refuses this format or modifier (capture renegotiates without the pair), the status
// named; Errc::invalid_argument for a frame that is no single-plane dmabuf of such a format.
Result<Surface> import_dmabuf(VADisplay display, const Frame& frame);

// The driver's video processing (VAProfileNone, VAEntrypointVideoProc): one config and context.
class VideoProc {
 public:
  // Errc::unsupported when the driver has no video processing. `width` x `height`: the output
  // size the context is made for (some drivers refuse a context without one).
  static Result<std::unique_ptr<VideoProc>> create(VADisplay display, uint32_t width, uint32_t height);
  VideoProc(const VideoProc&) = delete;
  VideoProc& operator=(const VideoProc&) = delete;
  ~VideoProc();

  // `crop` of `in` scaled to `out_width` x `out_height` into `out` (NV12), converted by `colour`'s
  // matrix and range. Returns when the driver has finished (vaSyncSurface): the input may be
  // given back to its producer then.
  Result<void> run(uint32_t in, const Rect& crop, uint32_t out, uint32_t out_width, uint32_t out_height,
                   const Colour& colour);

 private:
  explicit VideoProc(VADisplay display) : display_(display) {}
  VADisplay display_;
  uint32_t config_ = 0xffffffff;   // VA_INVALID_ID
  uint32_t context_ = 0xffffffff;  // VA_INVALID_ID
};

}  // namespace zc::vaapi
