#include "zerocopy/cpu/rgb10.hpp"

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

}  // namespace

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
