#include "zerocopy/cpu/cursor_blend.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace zc::zerocopy {
namespace {

struct Channels {
  uint8_t r, g, b, a;  // byte offsets inside a pixel; a == 4: no alpha, opaque
};

Channels channels(PixelFormat f) {
  const PackedLayout l = packed_layout(f);
  return {l.r, l.g, l.b, has_alpha(f) ? l.a : uint8_t{4}};
}

int64_t floor_div(int64_t a, int64_t b) {
  assert(b > 0);
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
int64_t ceil_div(int64_t a, int64_t b) {
  return -floor_div(-a, b);
}

// The output interval [first, last] whose samples land on bitmap positions [0, size), clipped to
// [0, dst). Sample of output x: floor((2x + 1) * src / (2 * dst)) - rel, rel = bitmap origin
// relative to the mapping origin. Empty when first > last.
struct Span {
  int64_t first, last;
};
Span span(int64_t rel, int64_t size, int64_t src, int64_t dst) {
  // floor((2x+1)src / 2dst) >= rel  <=>  x >= (2 dst rel - src) / (2 src)
  const int64_t first = ceil_div(2 * dst * rel - src, 2 * src);
  // floor((2x+1)src / 2dst) <= rel + size - 1  <=>  (2x+1) src < 2 dst (rel + size)
  const int64_t last = ceil_div(2 * dst * (rel + size) - src, 2 * src) - 1;
  return {std::max<int64_t>(first, 0), std::min<int64_t>(last, dst - 1)};
}

int64_t sample(int64_t x, int64_t rel, int64_t src, int64_t dst) {
  return (2 * x + 1) * src / (2 * dst) - rel;
}

// The picture's matrix and range (8-bit factors), the same integer maths as libyuv's C rows.
int to_y(const YuvFactors& f, int r, int g, int b) {
  return ((f.yr * r + f.yg * g + f.yb * b + 128) >> 8) + f.y_offset;
}
int to_u(const YuvFactors& f, int r, int g, int b) {
  return ((f.ur * r + f.ug * g + f.ub * b + 128) >> 8) + f.c_offset;
}
int to_v(const YuvFactors& f, int r, int g, int b) {
  return ((f.vr * r + f.vg * g + f.vb * b + 128) >> 8) + f.c_offset;
}

int mix(int under, int over, int alpha) {
  return (under * (255 - alpha) + over * alpha + 127) / 255;
}

// Samples of the target's planes: 8-bit, or 16-bit words holding 10-bit values (P010 in the top
// bits). Colours are computed at 8 bits and scaled to the target's depth.
struct Samples {
  explicit Samples(PixelFormat f)
      : wide(bit_depth(f) > 8), shift(f == PixelFormat::P010 ? 6 : 0), scale(wide ? 4 : 1) {}
  int get(const uint8_t* row, int64_t i) const {
    if (!wide) return row[i];
    uint16_t v = 0;
    std::memcpy(&v, row + 2 * i, 2);
    return v >> shift;
  }
  void set(uint8_t* row, int64_t i, int value) const {
    if (!wide) {
      row[i] = static_cast<uint8_t>(value);
      return;
    }
    const auto v = static_cast<uint16_t>(value << shift);
    std::memcpy(row + 2 * i, &v, 2);
  }
  bool wide;
  int shift;
  int scale;
};

// The output columns and rows the bitmap lands on; nullopt when nothing is to be drawn.
struct Spans {
  Span xs, ys;
  int64_t rel_x, rel_y;
};
std::optional<Spans> spans(const Cursor& cursor, const OutputMapping& map, uint32_t width, uint32_t height) {
  if (!cursor.visible || cursor.pixels == nullptr || cursor.width == 0 || cursor.height == 0) return std::nullopt;
  if (!is_packed_rgb(cursor.format) || uint64_t{cursor.stride} < uint64_t{cursor.width} * 4) return std::nullopt;
  if (map.src_width == 0 || map.src_height == 0 || width == 0 || height == 0) return std::nullopt;
  Spans s{};
  s.rel_x = int64_t{cursor.x} - map.origin_x;
  s.rel_y = int64_t{cursor.y} - map.origin_y;
  s.xs = span(s.rel_x, cursor.width, map.src_width, width);
  s.ys = span(s.rel_y, cursor.height, map.src_height, height);
  if (s.xs.first > s.xs.last || s.ys.first > s.ys.last) return std::nullopt;
  return s;
}

Rect rect_of(const Spans& s) {
  return Rect{static_cast<int32_t>(s.xs.first), static_cast<int32_t>(s.ys.first),
              static_cast<uint32_t>(s.xs.last - s.xs.first + 1), static_cast<uint32_t>(s.ys.last - s.ys.first + 1)};
}

}  // namespace

std::optional<Rect> CursorBlender::area(const Cursor& cursor, const OutputMapping& map, uint32_t width,
                                        uint32_t height) {
  const auto s = spans(cursor, map, width, height);
  if (!s) return std::nullopt;
  return rect_of(*s);
}

bool CursorBlender::draw(const Cursor& cursor, const OutputMapping& map, const PlanarView& dst,
                         std::optional<Rect>* area) {
  if (area) area->reset();
  const auto spanned = spans(cursor, map, dst.width, dst.height);
  if (!spanned) return false;
  const Span xs = spanned->xs, ys = spanned->ys;
  const int64_t rel_x = spanned->rel_x, rel_y = spanned->rel_y;
  if (area) *area = rect_of(*spanned);

  columns_.resize(static_cast<size_t>(xs.last - xs.first + 1));
  for (int64_t x = xs.first; x <= xs.last; ++x) {
    columns_[static_cast<size_t>(x - xs.first)] = sample(x, rel_x, map.src_width, dst.width);
  }

  const Channels ch = channels(cursor.format);
  const bool interleaved = dst.format == PixelFormat::NV12 || dst.format == PixelFormat::P010;
  const Samples s(dst.format);
  bool touched = false;
  // One 2x2 luma block per chroma sample: blend the luma pixels and accumulate the block's
  // alpha-weighted chroma, so chroma is the average of the blended pixels' chroma.
  for (int64_t cy = ys.first / 2; cy <= ys.last / 2; ++cy) {
    for (int64_t cx = xs.first / 2; cx <= xs.last / 2; ++cx) {
      int sum_a = 0, sum_u = 0, sum_v = 0;
      for (int64_t y = 2 * cy; y <= 2 * cy + 1; ++y) {
        if (y < ys.first || y > ys.last) continue;
        const int64_t py = sample(y, rel_y, map.src_height, dst.height);
        if (py < 0 || py >= cursor.height) continue;
        const uint8_t* bitmap_row = cursor.pixels + static_cast<size_t>(py) * cursor.stride;
        uint8_t* luma_row = dst.y + static_cast<size_t>(y) * dst.y_pitch;
        for (int64_t x = 2 * cx; x <= 2 * cx + 1; ++x) {
          if (x < xs.first || x > xs.last) continue;
          const int64_t px = columns_[static_cast<size_t>(x - xs.first)];
          if (px < 0 || px >= cursor.width) continue;
          const uint8_t* p = bitmap_row + static_cast<size_t>(px) * 4;
          const int a = ch.a < 4 ? p[ch.a] : 255;
          if (a == 0) continue;
          const int r = p[ch.r], g = p[ch.g], b = p[ch.b];
          s.set(luma_row, x, mix(s.get(luma_row, x), to_y(factors_, r, g, b) * s.scale, a));
          sum_a += a;
          sum_u += a * to_u(factors_, r, g, b) * s.scale;
          sum_v += a * to_v(factors_, r, g, b) * s.scale;
        }
      }
      if (sum_a == 0) continue;
      touched = true;
      uint8_t* u_row = dst.u + static_cast<size_t>(cy) * dst.u_pitch;
      uint8_t* v_row = interleaved ? u_row : dst.v + static_cast<size_t>(cy) * dst.v_pitch;
      const int64_t u_at = interleaved ? cx * 2 : cx;
      const int64_t v_at = interleaved ? cx * 2 + 1 : cx;
      constexpr int kFull = 4 * 255;  // the whole block at full alpha
      s.set(u_row, u_at, (s.get(u_row, u_at) * (kFull - sum_a) + sum_u + kFull / 2) / kFull);
      s.set(v_row, v_at, (s.get(v_row, v_at) * (kFull - sum_a) + sum_v + kFull / 2) / kFull);
    }
  }
  return touched;
}

}  // namespace zc::zerocopy
