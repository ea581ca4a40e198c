#pragma once
// Where the planes of an imported frame live, both in a pooled pitched buffer and in the GPU
// pass's output (a grid of 4-byte words: an RGBA8 texture for GL, a buffer for Vulkan). Pure
// arithmetic, shared by the CUDA pool, the GL and Vulkan passes and their copies.
//
// Pooled buffer, one allocation of `alloc_rows` rows at base pitch P:
//   packed RGB  plane 0: 4W bytes x H, pitch P
//   NV12        plane 0: Y  W x H, pitch P;   plane 1: UV W x H/2 at P*H, pitch P
//   I420        plane 0: Y  W x H, pitch P;   plane 1: U W/2 x H/2 at P*H, pitch P/2;
//               plane 2: V  W/2 x H/2 at P*H + (P/2)*(H/2), pitch P/2
// Pass grid: every plane is a rectangle of words; rows of a plane may run past its bytes into the
// pitch padding (the copies write whole words), never into another plane.
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "core/pixel_format.hpp"

namespace zc::cuda {

struct WordRect {
  uint32_t x = 0, y = 0, w = 0, h = 0;  // in 4-byte words and rows of the pass grid
  bool operator==(const WordRect&) const = default;
};

struct FrameLayout {
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  uint32_t planes = 1;
  std::array<uint32_t, 3> row_bytes{};  // meaningful bytes per row of each plane
  std::array<uint32_t, 3> rows{};
  std::array<uint32_t, 3> pitch_div{1, 1, 1};  // plane pitch = base pitch / pitch_div
  std::array<WordRect, 3> words{};             // the plane's rectangle in the pass grid
  uint32_t grid_w = 0;                         // pass grid size in words x rows
  uint32_t grid_h = 0;
  uint32_t alloc_row_bytes = 0;  // smallest base pitch that holds every plane's padded rows
  uint32_t alloc_rows = 0;

  size_t plane_pitch(uint32_t plane, size_t base_pitch) const { return base_pitch / pitch_div[plane]; }
  size_t plane_offset(uint32_t plane, size_t base_pitch) const;
  size_t total_bytes(size_t base_pitch) const { return base_pitch * alloc_rows; }
  bool operator==(const FrameLayout&) const = default;
};

// Errc::invalid_argument for a zero size or an odd size of a 4:2:0 format.
Result<FrameLayout> frame_layout(uint32_t width, uint32_t height, PixelFormat format);

// Byte order of a packed format as indices into (R, G, B, X): out[i] = channel of byte i, where 3
// means "alpha or padding". E.g. BGRx -> {2, 1, 0, 3}.
std::array<uint8_t, 4> packed_byte_order(PixelFormat format);
// The byte index of R, G, B and A/X within a pixel of `format` (core's packed_layout).
std::array<uint8_t, 4> packed_channel_offsets(PixelFormat format);

}  // namespace zc::cuda
