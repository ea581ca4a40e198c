#pragma once
// Rows of 10-bit packed RGB (xRGB_210LE and its orders) unpacked for the 8-bit conversion: each
// channel's top 8 bits into libyuv "ARGB" (bytes B, G, R, 0xff), the row converter libyuv lacks
// for all but one order (and has only in plain C). Compiled at -O3 with an AVX2 clone: the loop
// vectorises (measured in bench/cpu_convert_bench).
#include <cstdint>

#include "core/pixel_format.hpp"

namespace zc::zerocopy {

// `format` must be one of the rgb10 formats; `src` and `dst` hold `width` 4-byte pixels.
void rgb10_to_argb_row(PixelFormat format, const uint8_t* src, uint8_t* dst, uint32_t width);

}  // namespace zc::zerocopy
