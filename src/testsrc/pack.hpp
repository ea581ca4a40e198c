#pragma once
// The test source's formats other than 32-bit RGB: the pattern is painted into a BGRx canvas and
// converted into the buffer's format (libyuv, BT.601 limited range for YUV, so a consumer's
// conversion back is the inverse), laid out as core/image_layout.hpp's single block. 10-bit
// formats carry each 8-bit value in the top bits (the low two repeat the top two, so 255 is
// 1023), and a grey ramp of every 10-bit level in their bottom rows (pattern_ramp_top).
#include <cstdint>
#include <string>

#include "core/image_layout.hpp"
#include "core/pixel_format.hpp"
#include "testsrc/pattern.hpp"

namespace zc::testsrc {

// Whether the test source sends `format` (every raw format capture negotiates, and MJPG:
// jpeg.hpp).
bool sends(PixelFormat format);
// Their names, space-separated, for help texts.
std::string format_names();

// Converts `canvas` (BGRx, the buffer's size) into `format` at `dst`, laid out as `layout`.
// False when libyuv refuses.
bool pack_canvas(const Image& canvas, PixelFormat format, const ImageLayout& layout, uint8_t* dst);

// rgb10 formats: writes the 10-bit ramp into rows [pattern_ramp_top(height), height) of an image
// at `dst` with `stride` (value x * 1023 / (width - 1) in every channel of column x).
void paint_ramp10(PixelFormat format, uint8_t* dst, uint32_t stride, uint32_t width, uint32_t height);

}  // namespace zc::testsrc
