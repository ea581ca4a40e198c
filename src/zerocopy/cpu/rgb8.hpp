#pragma once
// 8-bit RGB (the eight 32-bit byte orders and the two 24-bit ones) to NV12 or I420 by any matrix
// and range (core/colour.hpp's YuvFactors), in AVX2 rows: one pass per row pair, each source byte
// read once, with libyuv's ARGBToI420 arithmetic (bit for bit at BT.601 limited range; a unit
// test holds it to libyuv). It replaces libyuv's two row functions per row plus the chroma
// interleave for NV12 (or the shuffle into ARGB strips for the orders and the 24-bit formats
// libyuv has no AVX2 rows for), and libyuv has no other matrix for RGB in this version;
// bench/cpu_convert_bench measures it. Portable rows compute the same where there is no AVX2.
#include <cstdint>

#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// The top-left w x h of `src` (`format`, rows `stride` bytes apart) into `dst` (NV12 or I420;
// w <= dst.width, h <= dst.height; an odd w or h gives the last chroma sample from the single
// remaining column or row, as libyuv does) with the 8-bit factors `f` (yuv_factors_8bit). False,
// with nothing written, where `format` is not 8-bit packed RGB or `dst` not NV12/I420. `rows`:
// `portable` forces the scalar rows, for tests that hold the AVX2 rows to them.
enum class Rgb8Rows { best, portable };
bool rgb8_to_yuv(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h, const PlanarView& dst,
                 const YuvFactors& f, Rgb8Rows rows = Rgb8Rows::best);

// Whether Rgb8Rows::best runs SIMD rows (AVX2) on this machine.
bool rgb8_simd_rows();

}  // namespace zc::zerocopy
