#pragma once
// Where the planes of a raw image lie in a producer's buffer, per format: what each row of each
// plane needs, and the single-block layouts PipeWire producers use. Capture validates buffers
// against it; the test source lays its buffers out with it. Pure.
#include <array>
#include <cstdint>
#include <optional>

#include "core/pixel_format.hpp"

namespace zc {

struct PlaneGeometry {
  uint64_t offset = 0;     // from the start of the image (plane 0's first byte)
  uint32_t stride = 0;     // bytes from one row to the next
  uint32_t row_bytes = 0;  // bytes a row holds (<= stride)
  uint32_t rows = 0;

  // Bytes from the plane's first byte to the end of its last row (the last row needs no padding).
  uint64_t span() const { return rows == 0 ? 0 : uint64_t{stride} * (rows - 1) + row_bytes; }
};

struct ImageLayout {
  uint32_t planes = 0;
  std::array<PlaneGeometry, 3> plane{};

  // Bytes from the image's first byte to the end of its last plane.
  uint64_t bytes() const;
};

// Planes of a raw format (1 packed, 2 NV12/P010, 3 I420/YV12/I010); 0 for MJPG.
uint32_t plane_count(PixelFormat format);
// The bytes one row of plane `plane` holds for an image `width` pixels wide (odd widths round the
// chroma up: 4:2:x keeps a sample for the last column), and its number of rows.
uint32_t plane_row_bytes(PixelFormat format, uint32_t width, uint32_t plane);
uint32_t plane_rows(PixelFormat format, uint32_t height, uint32_t plane);

// The layout of an image in one memory block whose plane 0 rows are `stride` bytes apart:
//  - stride > 0: the V4L2 / libcamera convention: chroma planes follow `height` rows of luma;
//    NV12's interleaved UV plane has the luma's stride, I420's U and V planes (YV12: V, U) half of
//    it (so an odd stride has no such layout: nullopt);
//  - stride == 0: GStreamer's default layout (pipewiresink 0.3.65 sends stride 0 for every
//    format): rows padded to 4 bytes, chroma planes after round_up(height, 2) luma rows, chroma
//    rows of round_up(round_up(width, 2) / 2, 4) bytes.
// Strides are not checked against the row bytes here (validation reports that as a bad stride).
// nullopt: MJPG, a zero size, or an odd stride where the chroma stride is half of it.
std::optional<ImageLayout> single_block_layout(PixelFormat format, uint32_t width, uint32_t height, uint32_t stride);

// The stride a producer gives plane 0 of a `width` pixels wide image when rows are aligned to
// `align` bytes (a power of two); 3-plane formats keep it even so the chroma stride is half of it.
uint32_t aligned_stride(PixelFormat format, uint32_t width, uint32_t align);

}  // namespace zc
