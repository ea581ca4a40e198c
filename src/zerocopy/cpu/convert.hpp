#pragma once
// Packed RGB → NV12/I420 (BT.601 limited range, libyuv's ARGBToI420 maths) in one pass over the
// source, scaling in the same pass when the sizes differ: scaled rows go through small
// cache-resident strips owned by the Converter, never through a full-size frame. One measured
// exception: an exact 3/4 downscale converts first and scales the planes, because libyuv has a
// dedicated planar 3/4 scaler that makes this cheaper (see convert.cpp).
#include <cstdint>

#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// A region of a packed 4-byte-per-pixel image (already cropped: data points at its top-left).
struct PackedView {
  const uint8_t* data = nullptr;
  uint32_t stride = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
};

// Sizes within one pixel of each other in both directions are converted 1:1: an odd visible
// rect loses or repeats its last row/column instead of being resampled (which would blur it all).
constexpr bool is_direct(uint32_t src_w, uint32_t src_h, uint32_t dst_w, uint32_t dst_h) {
  auto near = [](uint32_t a, uint32_t b) { return (a > b ? a - b : b - a) <= 1; };
  return near(src_w, dst_w) && near(src_h, dst_h);
}

class Converter {
 public:
  // Converts `src` into all of `dst` (even width and height). False when libyuv refuses the
  // arguments or the strip memory cannot be had; `dst` is then unspecified.
  bool convert(const PackedView& src, const PlanarView& dst);

 private:
  bool convert_direct(const PackedView& src, const PlanarView& dst);
  bool convert_scaled(const PackedView& src, const PlanarView& dst);
  bool convert_then_scale(const PackedView& src, const PlanarView& dst);
  bool reserve(size_t argb_bytes, size_t chroma_bytes);

  AlignedBlock strip_argb_;  // scaled rows, before conversion
  AlignedBlock strip_u_;     // NV12: chroma rows before interleaving
  AlignedBlock strip_v_;
  AlignedBlock full_i420_;  // 3/4 downscale only: the source converted at full size
};

}  // namespace zc::zerocopy
