#pragma once
// Any raw source format → NV12/I420 in one pass over the source, scaling in the same pass when the
// sizes differ. RGB is converted by the target colour's matrix and range (set_colour; libyuv's
// ARGBToI420 maths, generalised: rgb8.hpp); YUV is copied as it is, except full-range YUV (decoded
// JPEG) brought to limited range for a limited-range target.
//  - 32-bit RGB: scaled rows go through small cache-resident strips owned by the Converter,
//    never through a full-size frame; one measured exception: an exact 3/4 downscale converts
//    first and scales the planes, because libyuv has a dedicated planar 3/4 scaler that makes
//    this cheaper (see convert.cpp).
//  - 24-bit RGB and 4:2:2 YUV: one libyuv converter each; 4:2:0 YUV: one copy (a plane copy, or
//    the interleaving / de-interleaving of the chroma when the layouts differ).
//  - 8-bit RGB (32 and 24 bits, every byte order) unscaled, where the CPU has AVX2: our own rows,
//    one pass per row pair, libyuv's arithmetic bit for bit (rgb8.hpp); 2.5x faster than libyuv.
//    Without AVX2, libyuv's rows for BT.601 limited range and our portable rows for the rest.
//  - 10-bit RGB, and without AVX2 24-bit RGB and the xRGB/xBGR byte orders: strips of rows turned
//    into 8-bit ARGB (cache-resident), converted from there by the rows above or libyuv's.
//  - Scaled, for every format but 32-bit RGB: converted at the source size into a 4:2:0 frame
//    the Converter keeps, whose planes are then scaled.
//  - 10-bit targets (P010, I010; --bit-depth): see convert_to_10.
#include <array>
#include <cstdint>

#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// A region of a source image, already cropped: each plane points at the region's top-left (for
// subsampled formats the region starts on an even column, and for 4:2:0 on an even row).
struct SourceView {
  PixelFormat format = PixelFormat::BGRx;
  uint32_t width = 0;
  uint32_t height = 0;
  std::array<const uint8_t*, 3> data{};  // plane 0; then U (NV12: UV) and V for planar formats
  std::array<uint32_t, 3> stride{};
  bool full_range = false;  // YUV in full range (decoded JPEG): brought to limited range for a limited target
};

// Sizes within one pixel of each other in both directions are converted 1:1: an odd visible
// rect loses or repeats its last row/column instead of being resampled (which would blur it all).
constexpr bool is_direct(uint32_t src_w, uint32_t src_h, uint32_t dst_w, uint32_t dst_h) {
  auto near = [](uint32_t a, uint32_t b) { return (a > b ? a - b : b - a) <= 1; };
  return near(src_w, dst_w) && near(src_h, dst_h);
}

// Whether the Converter reads `format` (every raw source format; not MJPG, P010, I010).
bool converts_from(PixelFormat format);

class Converter {
 public:
  // The colour RGB sources are converted to (matrix, range); BT.601 limited range until set.
  void set_colour(const Colour& colour);
  const Colour& colour() const { return colour_; }

  // Converts `src` into all of `dst` (NV12, I420, P010 or I010, even width and height). False
  // when libyuv refuses the arguments or the strip memory cannot be had; `dst` is then unspecified.
  bool convert(const SourceView& src, const PlanarView& dst);

 private:
  // 10-bit targets: 10-bit RGB converted at 10 bits (rgb10.hpp), directly or at its own size
  // and then scaled at 16 bits; 8-bit sources converted at 8 bits and widened (values x4).
  bool convert_to_10(const SourceView& src, const PlanarView& dst);
  // An I010 image of `width` x `height` in `block` (grown as needed).
  static bool i010_view(AlignedBlock& block, uint32_t width, uint32_t height, PlanarView& out);

  // The top-left w x h of `src` into `dst` (w, h at most one more than dst's; odd ones fill
  // the last chroma sample from the single remaining column or row).
  bool to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst);
  bool rgb_to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst);
  bool strip_to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst);
  bool convert_direct(const SourceView& src, const PlanarView& dst);
  bool convert_scaled(const SourceView& src, const PlanarView& dst);
  bool convert_then_scale(const SourceView& src, const PlanarView& dst);
  bool reserve(size_t argb_bytes, size_t chroma_bytes);
  // 8-bit RGB by our rows (rgb8.hpp) where they are the fast ones (AVX2) or the only right ones (a
  // colour other than libyuv's); false where libyuv's rows should run.
  bool own_rows(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                const PlanarView& dst) const;

  Colour colour_{ColourMatrix::BT601, ColourRange::Limited};
  YuvFactors factors8_ = yuv_factors_8bit(colour_);
  bool libyuv_rows_ = true;  // factors8_ are libyuv's ARGBToI420's (BT.601 limited)

  AlignedBlock strip_argb_;  // scaled or unpacked rows, before conversion
  AlignedBlock strip_u_;     // NV12: chroma rows before interleaving
  AlignedBlock strip_v_;
  AlignedBlock full_i420_;  // convert-then-scale: the source converted at full size
  AlignedBlock full_i010_;  // 10-bit RGB scaled: the source converted at full size
  AlignedBlock out_i010_;   // P010 from a scaled or widened image: I010 at the target's size first
  AlignedBlock out_i420_;   // 10-bit target from an 8-bit source: I420 at the target's size first
};

}  // namespace zc::zerocopy
