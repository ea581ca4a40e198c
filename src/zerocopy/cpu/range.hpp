#pragma once
// Full-range ("JPEG") 8-bit YUV to limited range, in place: what MJPEG frames decode to, turned
// into the BT.601 limited range every encoder input is tagged with. Y' = 16 + Y * 219/255,
// C' = 128 + (C - 128) * 224/255, rounded. Compiled at -O3 with an AVX2 clone (it vectorises).
#include <cstdint>

namespace zc::zerocopy {

// `chroma`: the plane holds Cb/Cr samples (NV12's interleaved UV plane too), else luma.
void full_to_limited(uint8_t* plane, uint32_t pitch, uint32_t row_bytes, uint32_t rows, bool chroma);

}  // namespace zc::zerocopy
