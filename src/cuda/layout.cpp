#include "cuda/layout.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace zc::cuda {
namespace {
constexpr uint32_t div_up(uint32_t a, uint32_t b) {
  return (a + b - 1) / b;
}
}  // namespace

size_t FrameLayout::plane_offset(uint32_t plane, size_t base_pitch) const {
  if (plane == 0) return 0;
  size_t off = base_pitch * rows[0];
  if (plane == 2) off += plane_pitch(1, base_pitch) * rows[1];
  return off;
}

Result<FrameLayout> frame_layout(uint32_t width, uint32_t height, PixelFormat format) {
  if (width == 0 || height == 0 || width > 16384 || height > 16384)
    return fail(Errc::invalid_argument, "zerocopy:layout", fmt::format("bad frame size {}x{}", width, height));
  FrameLayout l;
  l.width = width;
  l.height = height;
  l.format = format;
  if (is_packed_rgb(format)) {
    l.planes = 1;
    l.row_bytes[0] = width * 4;
    l.rows[0] = height;
    l.words[0] = {0, 0, width, height};
    l.grid_w = width;
    l.grid_h = height;
    l.alloc_row_bytes = width * 4;
    l.alloc_rows = height;
    return l;
  }
  if (format != PixelFormat::NV12 && format != PixelFormat::I420)
    return fail(Errc::unsupported, "zerocopy:layout", fmt::format("no GPU layout for {}", to_string(format)));
  if (width % 2 || height % 2)
    return fail(Errc::invalid_argument, "zerocopy:layout",
                fmt::format("{} needs an even size, got {}x{}", to_string(format), width, height));
  const uint32_t y_words = div_up(width, 4);
  l.row_bytes[0] = width;
  l.rows[0] = height;
  l.words[0] = {0, 0, y_words, height};
  if (format == PixelFormat::NV12) {
    l.planes = 2;
    l.row_bytes[1] = width;  // interleaved U,V at half resolution
    l.rows[1] = height / 2;
    l.words[1] = {0, height, y_words, height / 2};
    l.grid_w = y_words;
    l.alloc_row_bytes = y_words * 4;
  } else {
    l.planes = 3;
    const uint32_t cw = width / 2;
    const uint32_t c_words = div_up(cw, 4);
    for (uint32_t p : {1u, 2u}) {
      l.row_bytes[p] = cw;
      l.rows[p] = height / 2;
      l.pitch_div[p] = 2;
    }
    l.words[1] = {0, height, c_words, height / 2};
    l.words[2] = {c_words, height, c_words, height / 2};
    l.grid_w = std::max(y_words, 2 * c_words);
    // Chroma planes run at half the base pitch and write whole words.
    l.alloc_row_bytes = std::max(y_words * 4, c_words * 4 * 2);
  }
  l.grid_h = height + height / 2;
  l.alloc_rows = height + height / 2;
  return l;
}

std::array<uint8_t, 4> packed_byte_order(PixelFormat format) {
  const std::array<uint8_t, 4> off = packed_channel_offsets(format);
  std::array<uint8_t, 4> order{};
  for (uint8_t c = 0; c < 4; ++c)
    order[off[c]] = c;
  return order;
}

std::array<uint8_t, 4> packed_channel_offsets(PixelFormat format) {
  const PackedLayout l = packed_layout(format);
  return {l.r, l.g, l.b, l.a};
}

}  // namespace zc::cuda
