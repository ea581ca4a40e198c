#include "zerocopy/cpu/rgb10.hpp"

#include <cstddef>
#include <cstring>

#include "zerocopy/cpu/avx2.hpp"
#include "zerocopy/cpu/rgb10_rows.hpp"

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

using rgb10::row16;

// The portable rows: Y of each row, then the chroma of the pair (each row read twice; the AVX2
// rows in rgb10_avx2.cpp read it once).
template <int R, int G, int B, int Shift, bool Interleaved>
void to_yuv10(const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst, const YuvFactors& f) {
  for (uint32_t y0 = 0; y0 < h; y0 += 2) {
    const uint8_t* r0 = src + size_t{stride} * y0;
    const bool pair = y0 + 1 < h;  // an odd last row stands for its whole block
    uint16_t* out0 = row16(dst.y, dst.y_pitch, y0);
    rgb10::row_pair_from<R, G, B, Shift, Interleaved>(
        r0, pair ? r0 + stride : r0, out0, pair ? row16(dst.y, dst.y_pitch, y0 + 1) : out0,
        row16(dst.u, dst.u_pitch, y0 / 2), Interleaved ? nullptr : row16(dst.v, dst.v_pitch, y0 / 2), 0, w, f);
  }
}

using ToYuv10 = void (*)(const uint8_t*, uint32_t, uint32_t, uint32_t, const PlanarView&, const YuvFactors&);

template <int R, int G, int B>
ToYuv10 portable(bool p010) {
  return p010 ? to_yuv10<R, G, B, 6, true> : to_yuv10<R, G, B, 0, false>;
}

}  // namespace

void rgb10_to_yuv10(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                    const PlanarView& dst, const Colour& colour, Rgb10Rows rows) {
  const Rgb10Layout l = format_info(format).rgb10;
  const YuvFactors f = rgb10::factors10(colour);
  if (rows == Rgb10Rows::best && rgb10::to_yuv10_avx2(l, src, stride, w, h, dst, f)) return;
  const bool p010 = dst.format == PixelFormat::P010;
  ToYuv10 fn = portable<2, 12, 22>(p010);
  if (l == Rgb10Layout{20, 10, 0, l.alpha}) {
    fn = portable<20, 10, 0>(p010);
  } else if (l == Rgb10Layout{0, 10, 20, l.alpha}) {
    fn = portable<0, 10, 20>(p010);
  } else if (l == Rgb10Layout{22, 12, 2, l.alpha}) {
    fn = portable<22, 12, 2>(p010);
  }
  fn(src, stride, w, h, dst, f);
}

bool rgb10_simd_rows() {
  return cpu_has_avx2();
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
