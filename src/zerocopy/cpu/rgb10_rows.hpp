#pragma once
// 10-bit RGB to 10-bit 4:2:0, the arithmetic shared by the portable rows (rgb10.cpp) and the AVX2
// rows (rgb10_avx2.cpp). Both use these integers in the same order, so they agree to the bit (a
// unit test holds them to that); the AVX2 rows also finish their odd edges with these rows.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy::rgb10 {

// The factors (core/colour.hpp's YuvFactors at 10 bits with 15 fractional bits, the most that
// pmaddwd's signed 16-bit factors hold; BT.601 limited range: Y = 64 + (876/1023)(0.299 R +
// 0.587 G + 0.114 B) is 8389, 16471, 3199; Cb, Cr = 512 + (896/1023)(B - Y') / 1.772, (R - Y') /
// 1.402). Each chroma triple sums to 0, so greys keep 512 exactly; the rounding of the factors
// costs under 0.05 of a 10-bit step.
inline YuvFactors factors10(const Colour& c) {
  return yuv_factors(c.matrix, c.range, 10, 15, 32767);
}
// Offset plus rounding: of one pixel for Y (>> 15), of the sum of a 2x2 block for chroma (>> 17).
inline int32_t y_bias(const YuvFactors& f) {
  return (f.y_offset << 15) + (1 << 14);
}
inline int32_t c_bias(const YuvFactors& f) {
  return (f.c_offset << 17) + (1 << 16);
}

// One 10-bit channel at bit `At` of a packed word (or of a pair of pixels read as one word).
template <int At>
[[gnu::always_inline]] inline int32_t channel(uint64_t word) {
  return static_cast<int32_t>((word >> At) & 0x3ffu);
}

// Y of `width` pixels of one row. R, G, B: each channel's bit (Rgb10Layout); `Shift`: 6 for P010
// (value << 6), 0 for I010.
template <int R, int G, int B, int Shift>
inline void luma_row(const uint8_t* __restrict src, uint16_t* __restrict y, uint32_t width, const YuvFactors& f) {
  const int32_t bias = y_bias(f);
  for (uint32_t x = 0; x < width; ++x) {
    uint32_t w = 0;
    std::memcpy(&w, src + size_t{4} * x, 4);
    const int32_t v = (f.yr * channel<R>(w) + f.yg * channel<G>(w) + f.yb * channel<B>(w) + bias) >> 15;
    y[x] = static_cast<uint16_t>(v << Shift);
  }
}

// Cb, Cr of `pairs` 2x2 blocks from two rows, each pair of pixels read as one 64-bit word.
// `Interleaved`: P010's U, V pairs (u[2i], u[2i + 1]); else I010's planes.
template <int R, int G, int B, int Shift, bool Interleaved>
inline void chroma_pairs(const uint8_t* __restrict s0, const uint8_t* __restrict s1, uint16_t* __restrict u,
                         uint16_t* __restrict v, uint32_t pairs, const YuvFactors& f) {
  const int32_t bias = c_bias(f);
  for (uint32_t i = 0; i < pairs; ++i) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, s0 + size_t{8} * i, 8);
    std::memcpy(&b, s1 + size_t{8} * i, 8);
    const int32_t rs = channel<R>(a) + channel<R + 32>(a) + channel<R>(b) + channel<R + 32>(b);
    const int32_t gs = channel<G>(a) + channel<G + 32>(a) + channel<G>(b) + channel<G + 32>(b);
    const int32_t bs = channel<B>(a) + channel<B + 32>(a) + channel<B>(b) + channel<B + 32>(b);
    const auto cb = static_cast<uint16_t>(((f.ur * rs + f.ug * gs + f.ub * bs + bias) >> 17) << Shift);
    const auto cr = static_cast<uint16_t>(((f.vr * rs + f.vg * gs + f.vb * bs + bias) >> 17) << Shift);
    if constexpr (Interleaved) {
      u[2 * size_t{i}] = cb;
      u[2 * size_t{i} + 1] = cr;
    } else {
      u[i] = cb;
      v[i] = cr;
    }
  }
}

// An odd last column: its block is the one or two pixels of that column, repeated. `index`: the
// block's place in the chroma row.
template <int R, int G, int B, int Shift, bool Interleaved>
void chroma_last(const uint8_t* s0, const uint8_t* s1, uint16_t* u, uint16_t* v, uint32_t index, const YuvFactors& f) {
  uint8_t pair0[8], pair1[8];
  std::memcpy(pair0, s0, 4);
  std::memcpy(pair0 + 4, s0, 4);
  std::memcpy(pair1, s1, 4);
  std::memcpy(pair1 + 4, s1, 4);
  uint16_t out[2]{};
  chroma_pairs<R, G, B, Shift, true>(pair0, pair1, out, nullptr, 1, f);
  if constexpr (Interleaved) {
    u[2 * size_t{index}] = out[0];
    u[2 * size_t{index} + 1] = out[1];
  } else {
    u[index] = out[0];
    v[index] = out[1];
  }
}

// Columns [x, w) of the row pair r0, r1 (r1 == r0 for an odd last row; y1 == y0 then too, and
// is not written twice); x is even. u, v: the pair's chroma row(s), from column 0.
template <int R, int G, int B, int Shift, bool Interleaved>
void row_pair_from(const uint8_t* r0, const uint8_t* r1, uint16_t* y0, uint16_t* y1, uint16_t* u, uint16_t* v,
                   uint32_t x, uint32_t w, const YuvFactors& f) {
  luma_row<R, G, B, Shift>(r0 + size_t{4} * x, y0 + x, w - x, f);
  if (r1 != r0) luma_row<R, G, B, Shift>(r1 + size_t{4} * x, y1 + x, w - x, f);
  chroma_pairs<R, G, B, Shift, Interleaved>(r0 + size_t{4} * x, r1 + size_t{4} * x, Interleaved ? u + x : u + x / 2,
                                            Interleaved ? nullptr : v + x / 2, (w - x) / 2, f);
  if (w % 2 != 0) {
    const size_t last = size_t{4} * (w - 1);
    chroma_last<R, G, B, Shift, Interleaved>(r0 + last, r1 + last, u, v, w / 2, f);
  }
}

inline uint16_t* row16(uint8_t* plane, uint32_t pitch, uint32_t row) {
  return reinterpret_cast<uint16_t*>(plane + size_t{pitch} * row);
}

// The AVX2 rows, where this build has them and the CPU runs them: false (nothing written)
// otherwise. `l`: one of the four channel layouts.
bool to_yuv10_avx2(const Rgb10Layout& l, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                   const PlanarView& dst, const YuvFactors& f);

}  // namespace zc::zerocopy::rgb10
