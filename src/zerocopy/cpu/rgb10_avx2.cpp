// 10-bit RGB to P010 / I010 in AVX2: one pass per row pair, each source byte read once (both
// rows' Y and the pair's chroma from the same registers), integer maths with pmaddwd. The compiler
// vectorised the portable rows too, but they read every row twice and did 32-bit multiplies: 2.7
// to 3.8x one memcpy of the frame against this file's 1.x (README, bench/cpu_convert_bench).
//
// Only the functions here carry target("avx2"): the file is not built with -mavx2, so nothing it
// shares with the portable code (the inline rows of rgb10_rows.hpp) can come out as AVX2 code.
#include "zerocopy/cpu/avx2.hpp"
#include "zerocopy/cpu/rgb10_rows.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

namespace zc::zerocopy::rgb10 {
namespace {

#define ZC_AVX2 [[gnu::target("avx2"), gnu::always_inline]] inline

// One pmaddwd factor pair, `lo` for the even 16-bit lane, `hi` for the odd one.
ZC_AVX2 __m256i factors(int32_t lo, int32_t hi) {
  return _mm256_set1_epi32(
      static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) | (static_cast<uint32_t>(lo) & 0xffffu)));
}

// Every packed pixel as two 16-bit pairs, ready for pmaddwd: `ends` = (the channel at the low
// bits, the one at the high bits), `g` = (G, kOne). kOne rides along so that one factor adds the
// offset and the rounding: kOne * (y_bias / kOne) for Y, 4 kOne * (c_bias / 4 kOne) for a block
// (both divide: the offsets are whole codes, the rounding 2^14 and 2^16; both quotients are under
// 2^15: at most (64 << 5) + 16 and (512 << 5) + 16).
constexpr int32_t kOne = 1024;

struct Split {
  __m256i ends, g;
};

// 8 pixels whose lowest channel sits at bit P (0 or 2; 10 bits each, G 10 above, the other 20).
template <int P>
ZC_AVX2 Split split(const uint8_t* p) {
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i ends = _mm256_blend_epi16(_mm256_srli_epi32(w, P), _mm256_srli_epi32(w, P + 4), 0xaa);
  const __m256i g = _mm256_and_si256(_mm256_srli_epi32(w, P + 10), _mm256_set1_epi32(0x3ff));
  return {_mm256_and_si256(ends, _mm256_set1_epi32(0x03ff03ff)), _mm256_or_si256(g, _mm256_set1_epi32(kOne << 16))};
}

// The factors for one output (Y, Cb or Cr) of one layout.
struct Factors {
  __m256i ends, g;
};

// `lo` in the even 32-bit lanes, `hi` in the odd ones.
ZC_AVX2 Factors alternate(const Factors& lo, const Factors& hi) {
  return {_mm256_blend_epi32(lo.ends, hi.ends, 0xaa), _mm256_blend_epi32(lo.g, hi.g, 0xaa)};
}

template <bool LowIsR>
ZC_AVX2 Factors make(int32_t kr, int32_t kg, int32_t kb, int32_t bias_per_one) {
  return {LowIsR ? factors(kr, kb) : factors(kb, kr), factors(kg, bias_per_one)};
}

// Y of 8 pixels, one per 32-bit lane.
ZC_AVX2 __m256i luma(const Split& s, const Factors& k) {
  return _mm256_srli_epi32(_mm256_add_epi32(_mm256_madd_epi16(s.ends, k.ends), _mm256_madd_epi16(s.g, k.g)), 15);
}

// Cb, Cr of the 4 blocks of 8 columns of two rows, interleaved in the 32-bit lanes (Cb even), as
// P010 stores them. The rows are summed, then each pixel pair, into both halves of its 64-bit lane
// (16-bit sums, at most 4092), so that one pmaddwd with Cb factors in the even lanes and Cr
// factors in the odd ones yields both.
ZC_AVX2 __m256i chroma(const Split& a, const Split& b, const Factors& kuv) {
  __m256i ends = _mm256_add_epi16(a.ends, b.ends);
  __m256i g = _mm256_add_epi16(a.g, b.g);
  ends = _mm256_add_epi16(ends, _mm256_shuffle_epi32(ends, 0xb1));
  g = _mm256_add_epi16(g, _mm256_shuffle_epi32(g, 0xb1));
  return _mm256_srli_epi32(_mm256_add_epi32(_mm256_madd_epi16(ends, kuv.ends), _mm256_madd_epi16(g, kuv.g)), 17);
}

// Two registers of 8 32-bit values (each < 1024) as 16 16-bit ones in order, << Shift.
template <int Shift>
ZC_AVX2 __m256i pack(__m256i a, __m256i b) {
  const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
  return Shift != 0 ? _mm256_slli_epi16(p, Shift) : p;
}

ZC_AVX2 void store(uint16_t* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

template <int P, bool LowIsR, bool P010>
[[gnu::target("avx2")]] void convert(const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst,
                                     const YuvFactors& f) {
  constexpr int R = LowIsR ? P : P + 20, G = P + 10, B = LowIsR ? P + 20 : P;
  constexpr int Shift = P010 ? 6 : 0;
  const Factors ky = make<LowIsR>(f.yr, f.yg, f.yb, y_bias(f) / kOne);
  const Factors kuv = alternate(make<LowIsR>(f.ur, f.ug, f.ub, c_bias(f) / (4 * kOne)),
                                make<LowIsR>(f.vr, f.vg, f.vb, c_bias(f) / (4 * kOne)));
  // I010: (u0 v0 u1 v1 u4 v4 u5 v5 | u2 v2 u3 v3 u6 v6 u7 v7) after packus, to U then V.
  const __m256i uv_bytes = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15, 0, 1, 4, 5, 8, 9, 12,
                                            13, 2, 3, 6, 7, 10, 11, 14, 15);
  const __m256i uv_dwords = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (uint32_t row = 0; row < h; row += 2) {
    const uint8_t* r0 = src + size_t{stride} * row;
    const bool pair = row + 1 < h;  // an odd last row stands for its whole block
    const uint8_t* r1 = pair ? r0 + stride : r0;
    uint16_t* y0 = row16(dst.y, dst.y_pitch, row);
    uint16_t* y1 = pair ? row16(dst.y, dst.y_pitch, row + 1) : y0;
    uint16_t* u = row16(dst.u, dst.u_pitch, row / 2);
    uint16_t* v = P010 ? nullptr : row16(dst.v, dst.v_pitch, row / 2);
    uint32_t x = 0;
    // The next row pair is fetched while this one is converted: with the hardware prefetcher alone
    // the loop waited on memory (1080p P010 0.74 ms a frame; 0.44 ms with this, 0.37 ms with the
    // source in cache). One line of each row per iteration.
    const uint8_t* n0 = row + 2 < h ? r0 + size_t{2} * stride : r0;
    const uint8_t* n1 = row + 3 < h ? r1 + size_t{2} * stride : n0;
    for (; x + 16 <= w; x += 16) {
      _mm_prefetch(reinterpret_cast<const char*>(n0 + size_t{4} * x), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(n1 + size_t{4} * x), _MM_HINT_T0);
      const Split a0 = split<P>(r0 + size_t{4} * x), a1 = split<P>(r0 + size_t{4} * x + 32);
      const Split b0 = split<P>(r1 + size_t{4} * x), b1 = split<P>(r1 + size_t{4} * x + 32);
      store(y0 + x, pack<Shift>(luma(a0, ky), luma(a1, ky)));
      store(y1 + x, pack<Shift>(luma(b0, ky), luma(b1, ky)));  // the same values again for an odd last row
      const __m256i c0 = chroma(a0, b0, kuv), c1 = chroma(a1, b1, kuv);
      if constexpr (P010) {
        store(u + x, pack<Shift>(c0, c1));
      } else {
        const __m256i uv =
            _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(_mm256_packus_epi32(c0, c1), uv_bytes), uv_dwords);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(u + x / 2), _mm256_castsi256_si128(uv));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(v + x / 2), _mm256_extracti128_si256(uv, 1));
      }
    }
    row_pair_from<R, G, B, Shift, P010>(r0, r1, y0, y1, u, v, x, w, f);
  }
}

#undef ZC_AVX2

}  // namespace

bool to_yuv10_avx2(const Rgb10Layout& l, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                   const PlanarView& dst, const YuvFactors& f) {
  if (!cpu_has_avx2()) return false;
  const bool p010 = dst.format == PixelFormat::P010;
  using Fn = void (*)(const uint8_t*, uint32_t, uint32_t, uint32_t, const PlanarView&, const YuvFactors&);
  Fn fn = p010 ? convert<2, true, true> : convert<2, true, false>;  // BGRx_102LE: R at bit 2
  if (l == Rgb10Layout{20, 10, 0, l.alpha}) {
    fn = p010 ? convert<0, false, true> : convert<0, false, false>;
  } else if (l == Rgb10Layout{0, 10, 20, l.alpha}) {
    fn = p010 ? convert<0, true, true> : convert<0, true, false>;
  } else if (l == Rgb10Layout{22, 12, 2, l.alpha}) {
    fn = p010 ? convert<2, false, true> : convert<2, false, false>;
  }
  fn(src, stride, w, h, dst, f);
  return true;
}

}  // namespace zc::zerocopy::rgb10

#else

namespace zc::zerocopy::rgb10 {

bool to_yuv10_avx2(const Rgb10Layout&, const uint8_t*, uint32_t, uint32_t, uint32_t, const PlanarView&,
                   const YuvFactors&) {
  return false;
}

}  // namespace zc::zerocopy::rgb10

#endif
