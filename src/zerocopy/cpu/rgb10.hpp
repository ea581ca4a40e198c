#pragma once
// 10-bit packed RGB (xRGB_210LE and its orders), which libyuv converts only to 8-bit ARGB, for one
// order: rows unpacked for the 8-bit conversion (each channel's top 8 bits into libyuv "ARGB",
// bytes B, G, R, 0xff; plain C that vectorises, with an AVX2 clone), and the whole conversion to
// 10-bit 4:2:0 (P010, I010): AVX2 rows where the CPU has AVX2, portable rows elsewhere
// (bench/cpu_convert_bench measures them).
#include <cstdint>

#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// `format` must be one of the rgb10 formats; `src` and `dst` hold `width` 4-byte pixels.
void rgb10_to_argb_row(PixelFormat format, const uint8_t* src, uint8_t* dst, uint32_t width);

// The top-left w x h of a 10-bit RGB image (`format`, rows `stride` bytes apart) into `dst` (P010
// or I010; w <= dst.width, h <= dst.height, odd ones fill the last chroma sample from the single
// remaining column or row) by `colour`'s matrix and range at 10 bits (limited: Y 64..940, chroma
// 64..960 around 512), each chroma sample from the mean RGB of its 2x2 block, as libyuv does at
// 8 bits.
// `rows`: `portable` forces the rows every CPU runs, for tests that hold the AVX2 rows to them.
enum class Rgb10Rows { best, portable };
void rgb10_to_yuv10(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                    const PlanarView& dst, const Colour& colour, Rgb10Rows rows = Rgb10Rows::best);

// Whether Rgb10Rows::best runs SIMD rows (AVX2) on this machine.
bool rgb10_simd_rows();

}  // namespace zc::zerocopy
