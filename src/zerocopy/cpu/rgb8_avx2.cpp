// 8-bit RGB to NV12 / I420 in AVX2 (rgb8.hpp). libyuv converts a row pair in two passes (its Y
// row, its U/V row reading both rows again), writes U and V planes that NV12 then interleaves,
// and has no AVX2 rows at all for the xRGB/xBGR orders and 24-bit RGB (shuffled or unpacked into
// ARGB strips first). Here each 8 pixels are loaded once, shuffled in the register into B, G, R,
// X bytes, and both rows' Y and the pair's chroma come from the same registers.
//
// The arithmetic is libyuv's AVX2 rows' (row_gcc.cc) with the matrix's factors (core/colour.hpp)
// in place of BT.601's, so that the output does not depend on the CPU and BT.601 limited range is
// libyuv's bit for bit: Y = (yr R + yg G + yb B + (y_offset << 8) + 128) >> 8 (BT.601: 66, 129,
// 25, 0x1080), through pmaddubsw with the pixels biased by -128 (the bias comes back in the added
// constant, taken modulo 2^16: the shift is a logical one); a chroma block's B, G, R are the
// rounded-up mean of the two rows' rounded-up means (pavgb down, then across), U = ((ub B + ug G
// + ur R) >> 8) + 128 and V likewise, with an arithmetic shift. The portable rows (and the edges
// that no 32-pixel block covers) compute the same in scalar code.
//
// Only the functions here carry target("avx2"); the file is not built with -mavx2.
#include "zerocopy/cpu/rgb8.hpp"

#include <cstddef>

#include "zerocopy/cpu/avx2.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace zc::zerocopy {
namespace {

// Where B, G and R sit in a pixel, and its size.
struct Order {
  int b = 0, g = 1, r = 2;
  uint32_t bytes = 4;
};

uint8_t avg(uint8_t a, uint8_t b) {
  return static_cast<uint8_t>((a + b + 1) >> 1);
}

uint8_t luma(const uint8_t* p, const Order& o, const YuvFactors& f) {
  return static_cast<uint8_t>((f.yr * p[o.r] + f.yg * p[o.g] + f.yb * p[o.b] + (f.y_offset << 8) + 128) >> 8);
}

// The block of pixels a0, a1 (upper row) and b0, b1 (lower row).
void chroma(const uint8_t* a0, const uint8_t* a1, const uint8_t* b0, const uint8_t* b1, const Order& o,
            const YuvFactors& f, uint8_t* u, uint8_t* v) {
  const int b = avg(avg(a0[o.b], b0[o.b]), avg(a1[o.b], b1[o.b]));
  const int g = avg(avg(a0[o.g], b0[o.g]), avg(a1[o.g], b1[o.g]));
  const int r = avg(avg(a0[o.r], b0[o.r]), avg(a1[o.r], b1[o.r]));
  *u = static_cast<uint8_t>(((f.ub * b + f.ug * g + f.ur * r) >> 8) + f.c_offset);
  *v = static_cast<uint8_t>(((f.vr * r + f.vg * g + f.vb * b) >> 8) + f.c_offset);
}

// Columns [x, w) of the row pair r0, r1 (r1 == r0 and y1 == y0 for an odd last row); x is even.
// `uv`: NV12's chroma row, else u and v are I420's.
void row_pair_from(const uint8_t* r0, const uint8_t* r1, uint8_t* y0, uint8_t* y1, uint8_t* u, uint8_t* v, bool nv12,
                   uint32_t x, uint32_t w, const Order& o, const YuvFactors& f) {
  for (uint32_t c = x; c < w; ++c) {
    y0[c] = luma(r0 + size_t{o.bytes} * c, o, f);
    y1[c] = luma(r1 + size_t{o.bytes} * c, o, f);
  }
  for (uint32_t c = x; c < w; c += 2) {
    const size_t at = size_t{o.bytes} * c;
    const size_t next = c + 1 < w ? at + o.bytes : at;  // an odd last column stands for its block
    uint8_t* cu = nv12 ? u + c : u + c / 2;
    uint8_t* cv = nv12 ? u + c + 1 : v + c / 2;
    chroma(r0 + at, r0 + next, r1 + at, r1 + next, o, f, cu, cv);
  }
}

#if defined(__x86_64__)

#define ZC_AVX2 [[gnu::target("avx2"), gnu::always_inline]] inline

// 8 pixels as B, G, R, X bytes in each 32-bit lane; `mask` picks them (per 128-bit lane).
template <uint32_t Bytes>
ZC_AVX2 __m256i load8(const uint8_t* p, __m256i mask) {
  if constexpr (Bytes == 4) {
    return _mm256_shuffle_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), mask);
  } else {
    // 12 bytes a lane: pixels 0-3 from p, 4-7 from p + 12 (each load reads 4 bytes more).
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 12));
    return _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), mask);
  }
}

// The shuffle that brings one pixel order into B, G, R, X (X zeroed: its factors are 0 anyway).
ZC_AVX2 __m256i order_mask(const Order& o) {
  alignas(32) int8_t m[32];
  for (int px = 0; px < 4; ++px) {
    const int base = px * static_cast<int>(o.bytes);
    for (int lane = 0; lane < 2; ++lane) {
      int8_t* d = m + 16 * lane + 4 * px;
      d[0] = static_cast<int8_t>(base + o.b);
      d[1] = static_cast<int8_t>(base + o.g);
      d[2] = static_cast<int8_t>(base + o.r);
      d[3] = static_cast<int8_t>(-128);
    }
  }
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(m));
}

// Three factors as the bytes B, G, R, 0 of each 32-bit lane.
int32_t bgr_bytes(int32_t b, int32_t g, int32_t r) {
  return static_cast<int32_t>((static_cast<uint32_t>(b) & 0xffu) | (static_cast<uint32_t>(g) & 0xffu) << 8 |
                              (static_cast<uint32_t>(r) & 0xffu) << 16);
}

// The factors as registers: luma's unsigned (pmaddubsw's unsigned side), chroma's signed.
struct Factors {
  __m256i y, u, v;
  __m256i y_add;  // (y_offset << 8) + 128, plus the pixels' -128 bias times the luma factors back
};

ZC_AVX2 Factors factors(const YuvFactors& f) {
  const int32_t add = (f.y_offset << 8) + 128 + (f.yr + f.yg + f.yb) * 128;  // BT.601 limited: 0x7e80
  return {_mm256_set1_epi32(bgr_bytes(f.yb, f.yg, f.yr)), _mm256_set1_epi32(bgr_bytes(f.ub, f.ug, f.ur)),
          _mm256_set1_epi32(bgr_bytes(f.vb, f.vg, f.vr)),
          _mm256_set1_epi16(static_cast<int16_t>(static_cast<uint16_t>(add & 0xffff)))};
}

// The Y pairs (yb B + yg G, yr R) of 8 pixels, less 128 x the factors (pmaddubsw's signed side).
ZC_AVX2 __m256i luma_pairs(__m256i p, __m256i k) {
  return _mm256_maddubs_epi16(k, _mm256_xor_si256(p, _mm256_set1_epi8(-128)));
}

// The 32 Y bytes of four registers of B, G, R, X pixels, in order.
ZC_AVX2 __m256i luma32(__m256i p0, __m256i p1, __m256i p2, __m256i p3, const Factors& k) {
  const __m256i add = k.y_add;
  __m256i a = _mm256_hadd_epi16(luma_pairs(p0, k.y), luma_pairs(p1, k.y));
  __m256i b = _mm256_hadd_epi16(luma_pairs(p2, k.y), luma_pairs(p3, k.y));
  a = _mm256_srli_epi16(_mm256_add_epi16(a, add), 8);
  b = _mm256_srli_epi16(_mm256_add_epi16(b, add), 8);
  return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(a, b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// The 2x2 block means of 8 pixels of each row in a and b: blocks 0, 1, 4, 5 (of the 16 that
// a0/b0 and a1/b1 hold) in the low lane, 2, 3, 6, 7 in the high one.
ZC_AVX2 __m256i blocks(__m256i a0, __m256i b0, __m256i a1, __m256i b1) {
  const __m256 v0 = _mm256_castsi256_ps(_mm256_avg_epu8(a0, b0));
  const __m256 v1 = _mm256_castsi256_ps(_mm256_avg_epu8(a1, b1));
  return _mm256_avg_epu8(_mm256_castps_si256(_mm256_shuffle_ps(v0, v1, 0x88)),
                         _mm256_castps_si256(_mm256_shuffle_ps(v0, v1, 0xdd)));
}

// U (low lane) and V (high lane) of the 16 blocks of q0 (0, 1, 4, 5 | 2, 3, 6, 7) and q1 (8, 9,
// 12, 13 | 10, 11, 14, 15), each in order.
ZC_AVX2 __m256i chroma16(__m256i q0, __m256i q1, const Factors& k) {
  const __m256i ku = k.u;  // BT.601 limited: bytes 112, -74, -38, 0
  const __m256i kv = k.v;  // bytes -18, -94, 112, 0
  const __m256i u = _mm256_srai_epi16(_mm256_hadd_epi16(_mm256_maddubs_epi16(q0, ku), _mm256_maddubs_epi16(q1, ku)), 8);
  const __m256i v = _mm256_srai_epi16(_mm256_hadd_epi16(_mm256_maddubs_epi16(q0, kv), _mm256_maddubs_epi16(q1, kv)), 8);
  // u 0 1 4 5 8 9 12 13, v the same | u 2 3 6 7 10 11 14 15, v the same: dwords, then bytes, in order.
  const __m256i uv = _mm256_permutevar8x32_epi32(_mm256_add_epi8(_mm256_packs_epi16(u, v), _mm256_set1_epi8(-128)),
                                                 _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  return _mm256_shuffle_epi8(uv, _mm256_setr_epi8(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15, 0, 1, 4, 5, 2,
                                                  3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15));
}

template <uint32_t Bytes, bool Nv12>
[[gnu::target("avx2")]] void convert(const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst,
                                     const Order& o, const YuvFactors& f) {
  const __m256i mask = order_mask(o);
  const Factors k = factors(f);
  // 24-bit: a block's last load reads 4 bytes past its 32 pixels (load8), still inside the row.
  const uint32_t end = Bytes == 4 ? w : (w >= 34 ? w - 2 : 0);
  for (uint32_t row = 0; row < h; row += 2) {
    const uint8_t* r0 = src + size_t{stride} * row;
    const bool pair = row + 1 < h;  // an odd last row stands for its whole block
    const uint8_t* r1 = pair ? r0 + stride : r0;
    uint8_t* y0 = dst.y + size_t{dst.y_pitch} * row;
    uint8_t* y1 = pair ? y0 + dst.y_pitch : y0;
    uint8_t* u = dst.u + size_t{dst.u_pitch} * (row / 2);
    uint8_t* v = Nv12 ? nullptr : dst.v + size_t{dst.v_pitch} * (row / 2);
    // The next row pair is fetched while this one is converted, as in rgb10_avx2.cpp.
    const uint8_t* n0 = row + 2 < h ? r0 + size_t{2} * stride : r0;
    const uint8_t* n1 = row + 3 < h ? r1 + size_t{2} * stride : n0;
    uint32_t x = 0;
    for (; x + 32 <= end; x += 32) {
      const size_t at = size_t{Bytes} * x;
      for (size_t line = 0; line < 32 * Bytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(n0 + at + line), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(n1 + at + line), _MM_HINT_T0);
      }
      const __m256i a0 = load8<Bytes>(r0 + at, mask), a1 = load8<Bytes>(r0 + at + 8 * Bytes, mask);
      const __m256i a2 = load8<Bytes>(r0 + at + 16 * Bytes, mask), a3 = load8<Bytes>(r0 + at + 24 * Bytes, mask);
      const __m256i b0 = load8<Bytes>(r1 + at, mask), b1 = load8<Bytes>(r1 + at + 8 * Bytes, mask);
      const __m256i b2 = load8<Bytes>(r1 + at + 16 * Bytes, mask), b3 = load8<Bytes>(r1 + at + 24 * Bytes, mask);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y0 + x), luma32(a0, a1, a2, a3, k));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y1 + x), luma32(b0, b1, b2, b3, k));  // the same for an odd row
      const __m256i uv = chroma16(blocks(a0, b0, a1, b1), blocks(a2, b2, a3, b3), k);
      const __m128i cu = _mm256_castsi256_si128(uv), cv = _mm256_extracti128_si256(uv, 1);
      if constexpr (Nv12) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(u + x), _mm_unpacklo_epi8(cu, cv));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(u + x + 16), _mm_unpackhi_epi8(cu, cv));
      } else {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(u + x / 2), cu);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(v + x / 2), cv);
      }
    }
    row_pair_from(r0, r1, y0, y1, u, v, Nv12, x, w, o, f);
  }
}

#undef ZC_AVX2

#endif

// Every row pair in scalar code: what the AVX2 rows compute, on any CPU.
void portable(const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst, const Order& o,
              const YuvFactors& f) {
  const bool nv12 = dst.format == PixelFormat::NV12;
  for (uint32_t row = 0; row < h; row += 2) {
    const uint8_t* r0 = src + size_t{stride} * row;
    const bool pair = row + 1 < h;
    const uint8_t* r1 = pair ? r0 + stride : r0;
    uint8_t* y0 = dst.y + size_t{dst.y_pitch} * row;
    uint8_t* y1 = pair ? y0 + dst.y_pitch : y0;
    uint8_t* u = dst.u + size_t{dst.u_pitch} * (row / 2);
    uint8_t* v = nv12 ? nullptr : dst.v + size_t{dst.v_pitch} * (row / 2);
    row_pair_from(r0, r1, y0, y1, u, v, nv12, 0, w, o, f);
  }
}

}  // namespace

bool rgb8_simd_rows() {
  return cpu_has_avx2();
}

bool rgb8_to_yuv(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst,
                 const YuvFactors& f, Rgb8Rows rows) {
  const FormatInfo& info = format_info(format);
  const bool packed = info.kind == FormatKind::rgb32 || info.kind == FormatKind::rgb24;
  const bool nv12 = dst.format == PixelFormat::NV12;
  if (!packed || !(nv12 || dst.format == PixelFormat::I420)) return false;
  const Order o{info.packed.b, info.packed.g, info.packed.r, info.bytes};
#if defined(__x86_64__)
  if (rows == Rgb8Rows::best && cpu_has_avx2()) {
    if (info.kind == FormatKind::rgb32) {
      (nv12 ? convert<4, true> : convert<4, false>)(src, stride, w, h, dst, o, f);
    } else {
      (nv12 ? convert<3, true> : convert<3, false>)(src, stride, w, h, dst, o, f);
    }
    return true;
  }
#endif
  portable(src, stride, w, h, dst, o, f);
  return true;
}

}  // namespace zc::zerocopy
