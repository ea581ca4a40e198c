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

// One 10-bit channel at bit `at` of a packed word.
template <int At>
[[gnu::always_inline]] inline int32_t channel(uint64_t word) {
  return static_cast<int32_t>((word >> At) & 0x3ffu);
}

// Y of one row, straight from the packed words (no scratch). `Shift`: 6 for P010, 0 for I010.
template <int R, int G, int B, int Shift>
[[gnu::always_inline]] inline void luma(const uint8_t* __restrict src, uint16_t* __restrict y, uint32_t width) {
  for (uint32_t x = 0; x < width; ++x) {
    uint32_t w = 0;
    std::memcpy(&w, src + size_t{4} * x, 4);
    const int32_t v = ((kYR * channel<R>(w) + kYG * channel<G>(w) + kYB * channel<B>(w) + 32768) >> 16) + 64;
    y[x] = static_cast<uint16_t>(v << Shift);
  }
}

// Cb, Cr of `pairs` 2x2 blocks from two rows: each pair of pixels read as one 64-bit word, so the
// loop vectorises without gathers. `Interleaved`: P010's U, V pairs (u[2i], u[2i + 1]); else I010's
// planes.
template <int R, int G, int B, int Shift, bool Interleaved>
[[gnu::always_inline]] inline void chroma(const uint8_t* __restrict s0, const uint8_t* __restrict s1,
                                          uint16_t* __restrict u, uint16_t* __restrict v, uint32_t pairs) {
  for (uint32_t i = 0; i < pairs; ++i) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, s0 + size_t{8} * i, 8);
    std::memcpy(&b, s1 + size_t{8} * i, 8);
    const int32_t rs = channel<R>(a) + channel<R + 32>(a) + channel<R>(b) + channel<R + 32>(b);
    const int32_t gs = channel<G>(a) + channel<G + 32>(a) + channel<G>(b) + channel<G + 32>(b);
    const int32_t bs = channel<B>(a) + channel<B + 32>(a) + channel<B>(b) + channel<B + 32>(b);
    const auto cb = static_cast<uint16_t>((((kUR * rs + kUG * gs + kUB * bs + (1 << 17)) >> 18) + 512) << Shift);
    const auto cr = static_cast<uint16_t>((((kVR * rs + kVG * gs + kVB * bs + (1 << 17)) >> 18) + 512) << Shift);
    if constexpr (Interleaved) {
      u[2 * size_t{i}] = cb;
      u[2 * size_t{i} + 1] = cr;
    } else {
      u[i] = cb;
      v[i] = cr;
    }
  }
}

// An odd last column: its block is the one or two pixels of that column, repeated.
template <int R, int G, int B, int Shift, bool Interleaved>
void chroma_last(const uint8_t* s0, const uint8_t* s1, uint16_t* u, uint16_t* v, uint32_t index) {
  uint32_t a = 0, b = 0;
  std::memcpy(&a, s0, 4);
  std::memcpy(&b, s1, 4);
  uint8_t pair0[8], pair1[8];
  std::memcpy(pair0, &a, 4);
  std::memcpy(pair0 + 4, &a, 4);
  std::memcpy(pair1, &b, 4);
  std::memcpy(pair1 + 4, &b, 4);
  uint16_t out[2]{};
  chroma<R, G, B, Shift, true>(pair0, pair1, out, nullptr, 1);
  if constexpr (Interleaved) {
    u[2 * size_t{index}] = out[0];
    u[2 * size_t{index} + 1] = out[1];
  } else {
    u[index] = out[0];
    v[index] = out[1];
  }
}

uint16_t* row16(uint8_t* plane, uint32_t pitch, uint32_t row) {
  return reinterpret_cast<uint16_t*>(plane + size_t{pitch} * row);
}

template <int R, int G, int B, int Shift, bool Interleaved>
[[gnu::always_inline]] inline void to_yuv10(const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                                            const PlanarView& dst) {
  for (uint32_t y0 = 0; y0 < h; y0 += 2) {
    const uint8_t* r0 = src + size_t{stride} * y0;
    const uint8_t* r1 = y0 + 1 < h ? r0 + stride : r0;  // an odd last row stands for its whole block
    luma<R, G, B, Shift>(r0, row16(dst.y, dst.y_pitch, y0), w);
    if (y0 + 1 < h) luma<R, G, B, Shift>(r1, row16(dst.y, dst.y_pitch, y0 + 1), w);
    uint16_t* u = row16(dst.u, dst.u_pitch, y0 / 2);
    uint16_t* v = Interleaved ? nullptr : row16(dst.v, dst.v_pitch, y0 / 2);
    chroma<R, G, B, Shift, Interleaved>(r0, r1, u, v, w / 2);
    if (w % 2 != 0) {
      const size_t last = size_t{4} * (w - 1);
      chroma_last<R, G, B, Shift, Interleaved>(r0 + last, r1 + last, u, v, w / 2);
    }
  }
}

// One function per layout and target (clang has no target_clones on templates).
using ToYuv10 = void (*)(const uint8_t*, uint32_t, uint32_t, uint32_t, const PlanarView&);
#define ZC_TO_YUV10(name, R, G, B)                                                                                \
  ZC_VECTOR_CLONES void name##_p010(const uint8_t* s, uint32_t st, uint32_t w, uint32_t h, const PlanarView& d) { \
    to_yuv10<R, G, B, 6, true>(s, st, w, h, d);                                                                   \
  }                                                                                                               \
  ZC_VECTOR_CLONES void name##_i010(const uint8_t* s, uint32_t st, uint32_t w, uint32_t h, const PlanarView& d) { \
    to_yuv10<R, G, B, 0, false>(s, st, w, h, d);                                                                  \
  }
ZC_TO_YUV10(xrgb, 20, 10, 0)
ZC_TO_YUV10(xbgr, 0, 10, 20)
ZC_TO_YUV10(rgbx, 22, 12, 2)
ZC_TO_YUV10(bgrx, 2, 12, 22)
#undef ZC_TO_YUV10

}  // namespace

void rgb10_to_yuv10(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                    const PlanarView& dst) {
  const Rgb10Layout l = format_info(format).rgb10;
  const bool p010 = dst.format == PixelFormat::P010;
  ToYuv10 fn = p010 ? bgrx_p010 : bgrx_i010;
  if (l == Rgb10Layout{20, 10, 0, l.alpha}) {
    fn = p010 ? xrgb_p010 : xrgb_i010;
  } else if (l == Rgb10Layout{0, 10, 20, l.alpha}) {
    fn = p010 ? xbgr_p010 : xbgr_i010;
  } else if (l == Rgb10Layout{22, 12, 2, l.alpha}) {
    fn = p010 ? rgbx_p010 : rgbx_i010;
  }
  fn(src, stride, w, h, dst);
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
