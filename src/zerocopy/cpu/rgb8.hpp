#pragma once
// 8-bit RGB (the eight 32-bit byte orders and the two 24-bit ones) to NV12 or I420 in AVX2 rows:
// one pass per row pair, each source byte read once, with libyuv's ARGBToI420 arithmetic bit for
// bit (a unit test holds it to libyuv). It replaces, where the CPU has AVX2, libyuv's two row
// functions per row plus the chroma interleave for NV12 (or the shuffle into ARGB strips for the
// orders and the 24-bit formats libyuv has no AVX2 rows for); bench/cpu_convert_bench measures it.
#include <cstdint>

#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// The top-left w x h of `src` (`format`, rows `stride` bytes apart) into `dst` (NV12 or I420;
// w <= dst.width, h <= dst.height; an odd w or h gives the last chroma sample from the single
// remaining column or row, as libyuv does). False, with nothing written, where the CPU has no
// AVX2 or `format` is not 8-bit packed RGB.
bool rgb8_to_yuv_avx2(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                      const PlanarView& dst);

}  // namespace zc::zerocopy
