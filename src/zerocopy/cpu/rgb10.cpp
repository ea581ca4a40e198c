#include "zerocopy/cpu/rgb10.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace zc::zerocopy {
namespace {

// R, G, B: the bit position of each 10-bit channel in the little-endian word (Rgb10Layout).
template <int R, int G, int B>
[[gnu::always_inline]] inline void unpack(const uint8_t* __restrict src, uint8_t* __restrict dst, uint32_t width) {
  for (uint32_t x = 0; x < width; ++x) {
    uint32_t w = 0;
    std::memcpy(&w, src + size_t{4} * x, 4);
    const uint32_t out =
        ((w >> (B + 2)) & 0xffu) | (((w >> (G + 2)) & 0xffu) << 8) | (((w >> (R + 2)) & 0xffu) << 16) | 0xff000000u;
    std::memcpy(dst + size_t{4} * x, &out, 4);
  }
}

#if defined(__x86_64__)
#define ZC_VECTOR_CLONES [[gnu::target_clones("avx2", "default")]]
#else
#define ZC_VECTOR_CLONES
#endif

ZC_VECTOR_CLONES void unpack_xrgb(const uint8_t* s, uint8_t* d, uint32_t w) {
  unpack<20, 10, 0>(s, d, w);
}
ZC_VECTOR_CLONES void unpack_xbgr(const uint8_t* s, uint8_t* d, uint32_t w) {
  unpack<0, 10, 20>(s, d, w);
}
ZC_VECTOR_CLONES void unpack_rgbx(const uint8_t* s, uint8_t* d, uint32_t w) {
  unpack<22, 12, 2>(s, d, w);
}
ZC_VECTOR_CLONES void unpack_bgrx(const uint8_t* s, uint8_t* d, uint32_t w) {
  unpack<2, 12, 22>(s, d, w);
}

// BT.601 limited range at 10 bits, 16 fractional bits: Y = 64 + (876/1023)(0.299 R + 0.587 G +
// 0.114 B); Cb, Cr = 512 + (896/1023)(B - Y') / 1.772, (R - Y') / 1.402.
constexpr int32_t kYR = 16780, kYG = 32942, kYB = 6398;
constexpr int32_t kUR = -9685, kUG = -19015, kUB = 28700;
constexpr int32_t kVR = 28700, kVG = -24033, kVB = -4667;

template <int R, int G, int B>
[[gnu::always_inline]] inline void split(const uint8_t* __restrict src, int32_t* __restrict r, int32_t* __restrict g,
                                         int32_t* __restrict b, uint32_t width) {
  for (uint32_t x = 0; x < width; ++x) {
    uint32_t w = 0;
    std::memcpy(&w, src + size_t{4} * x, 4);
    r[x] = static_cast<int32_t>((w >> R) & 0x3ffu);
    g[x] = static_cast<int32_t>((w >> G) & 0x3ffu);
    b[x] = static_cast<int32_t>((w >> B) & 0x3ffu);
  }
}

ZC_VECTOR_CLONES void split_xrgb(const uint8_t* s, int32_t* r, int32_t* g, int32_t* b, uint32_t w) {
  split<20, 10, 0>(s, r, g, b, w);
}
ZC_VECTOR_CLONES void split_xbgr(const uint8_t* s, int32_t* r, int32_t* g, int32_t* b, uint32_t w) {
  split<0, 10, 20>(s, r, g, b, w);
}
ZC_VECTOR_CLONES void split_rgbx(const uint8_t* s, int32_t* r, int32_t* g, int32_t* b, uint32_t w) {
  split<22, 12, 2>(s, r, g, b, w);
}
ZC_VECTOR_CLONES void split_bgrx(const uint8_t* s, int32_t* r, int32_t* g, int32_t* b, uint32_t w) {
  split<2, 12, 22>(s, r, g, b, w);
}

void split_row(PixelFormat format, const uint8_t* src, int32_t* r, int32_t* g, int32_t* b, uint32_t width) {
  const Rgb10Layout l = format_info(format).rgb10;
  if (l == Rgb10Layout{20, 10, 0, l.alpha}) {
    split_xrgb(src, r, g, b, width);
  } else if (l == Rgb10Layout{0, 10, 20, l.alpha}) {
    split_xbgr(src, r, g, b, width);
  } else if (l == Rgb10Layout{22, 12, 2, l.alpha}) {
    split_rgbx(src, r, g, b, width);
  } else {
    split_bgrx(src, r, g, b, width);
  }
}

// `shift`: 6 for P010 (the value in the top bits), 0 for I010.
ZC_VECTOR_CLONES void luma_row(const int32_t* __restrict r, const int32_t* __restrict g, const int32_t* __restrict b,
                               uint16_t* __restrict y, uint32_t width, int shift) {
  for (uint32_t x = 0; x < width; ++x) {
    const int32_t v = ((kYR * r[x] + kYG * g[x] + kYB * b[x] + 32768) >> 16) + 64;
    y[x] = static_cast<uint16_t>(v << shift);
  }
}

// Chroma of `cw` 2x2 blocks from two split rows (each with an even number of values: the caller
// repeats an odd last one). `step`: 2 for P010's interleaved U, V, 1 for I010's planes.
ZC_VECTOR_CLONES void chroma_row(const int32_t* __restrict r0, const int32_t* __restrict g0,
                                 const int32_t* __restrict b0, const int32_t* __restrict r1,
                                 const int32_t* __restrict g1, const int32_t* __restrict b1, uint16_t* __restrict u,
                                 uint16_t* __restrict v, uint32_t cw, uint32_t step, int shift) {
  for (uint32_t x = 0; x < cw; ++x) {
    const int32_t rs = r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
    const int32_t gs = g0[2 * x] + g0[2 * x + 1] + g1[2 * x] + g1[2 * x + 1];
    const int32_t bs = b0[2 * x] + b0[2 * x + 1] + b1[2 * x] + b1[2 * x + 1];
    u[x * step] = static_cast<uint16_t>((((kUR * rs + kUG * gs + kUB * bs + (1 << 17)) >> 18) + 512) << shift);
    v[x * step] = static_cast<uint16_t>((((kVR * rs + kVG * gs + kVB * bs + (1 << 17)) >> 18) + 512) << shift);
  }
}

uint16_t* row16(uint8_t* plane, uint32_t pitch, uint32_t row) {
  return reinterpret_cast<uint16_t*>(plane + size_t{pitch} * row);
}

}  // namespace

void rgb10_to_yuv10(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                    const PlanarView& dst, int32_t* scratch) {
  const bool p010 = dst.format == PixelFormat::P010;
  const int shift = p010 ? 6 : 0;
  const size_t n = size_t{w} + 2;
  int32_t* rows[2][3] = {{scratch, scratch + n, scratch + 2 * n}, {scratch + 3 * n, scratch + 4 * n, scratch + 5 * n}};
  const uint32_t cw = (w + 1) / 2;
  for (uint32_t y0 = 0; y0 < h; y0 += 2) {
    const uint32_t pair = std::min<uint32_t>(2, h - y0);
    for (uint32_t i = 0; i < pair; ++i) {
      int32_t* const* c = rows[i];
      split_row(format, src + size_t{stride} * (y0 + i), c[0], c[1], c[2], w);
      luma_row(c[0], c[1], c[2], row16(dst.y, dst.y_pitch, y0 + i), w, shift);
      if (w % 2 != 0) {
        for (int k = 0; k < 3; ++k)
          c[k][w] = c[k][w - 1];  // an odd last column stands for its whole block
      }
    }
    int32_t* const* second = rows[pair - 1];  // an odd last row stands for its whole block
    uint16_t* u = row16(dst.u, dst.u_pitch, y0 / 2);
    uint16_t* v = p010 ? u + 1 : row16(dst.v, dst.v_pitch, y0 / 2);
    chroma_row(rows[0][0], rows[0][1], rows[0][2], second[0], second[1], second[2], u, v, cw, p010 ? 2 : 1, shift);
  }
}

void rgb10_to_argb_row(PixelFormat format, const uint8_t* src, uint8_t* dst, uint32_t width) {
  const Rgb10Layout l = format_info(format).rgb10;
  if (l == Rgb10Layout{20, 10, 0, l.alpha}) {
    unpack_xrgb(src, dst, width);
  } else if (l == Rgb10Layout{0, 10, 20, l.alpha}) {
    unpack_xbgr(src, dst, width);
  } else if (l == Rgb10Layout{22, 12, 2, l.alpha}) {
    unpack_rgbx(src, dst, width);
  } else {
    unpack_bgrx(src, dst, width);
  }
}

}  // namespace zc::zerocopy
