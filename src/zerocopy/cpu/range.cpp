#include "zerocopy/cpu/range.hpp"

#include <cstddef>

namespace zc::zerocopy {
namespace {

#if defined(__x86_64__)
#define ZC_RANGE_CLONES [[gnu::target_clones("avx2", "default")]]
#else
#define ZC_RANGE_CLONES
#endif

// 16 fractional bits: 219/255 and 224/255.
constexpr int32_t kLuma = 56283;
constexpr int32_t kChroma = 57569;

ZC_RANGE_CLONES void luma_row(uint8_t* __restrict row, uint32_t n) {
  for (uint32_t x = 0; x < n; ++x)
    row[x] = static_cast<uint8_t>(((row[x] * kLuma + 32768) >> 16) + 16);
}

ZC_RANGE_CLONES void chroma_row(uint8_t* __restrict row, uint32_t n) {
  for (uint32_t x = 0; x < n; ++x)
    row[x] = static_cast<uint8_t>((((row[x] - 128) * kChroma + 32768) >> 16) + 128);
}

}  // namespace

void full_to_limited(uint8_t* plane, uint32_t pitch, uint32_t row_bytes, uint32_t rows, bool chroma) {
  for (uint32_t y = 0; y < rows; ++y) {
    uint8_t* row = plane + size_t{pitch} * y;
    if (chroma) {
      chroma_row(row, row_bytes);
    } else {
      luma_row(row, row_bytes);
    }
  }
}

}  // namespace zc::zerocopy
