#include "zerocopy/cpu/convert.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include <libyuv/convert.h>
#include <libyuv/planar_functions.h>
#include <libyuv/scale.h>
#include <libyuv/scale_argb.h>

#include "zerocopy/cpu/range.hpp"
#include "zerocopy/cpu/rgb10.hpp"
#include "zerocopy/cpu/rgb8.hpp"

namespace zc::zerocopy {
namespace {

using ToI420 = int (*)(const uint8_t*, int, uint8_t*, int, uint8_t*, int, uint8_t*, int, int, int);

// libyuv names packed formats by the 32-bit little-endian word, SPA by the bytes in memory:
// SPA BGRx (bytes B,G,R,x) is libyuv "ARGB", SPA RGB (bytes R,G,B) libyuv "RAW". The padding
// byte is ignored by every one of these.
ToI420 to_i420(PixelFormat f) {
  switch (f) {
    case PixelFormat::BGRx:
    case PixelFormat::BGRA:
      return libyuv::ARGBToI420;
    case PixelFormat::RGBx:
    case PixelFormat::RGBA:
      return libyuv::ABGRToI420;
    case PixelFormat::xRGB:
    case PixelFormat::ARGB:
      return libyuv::BGRAToI420;
    case PixelFormat::xBGR:
    case PixelFormat::ABGR:
      return libyuv::RGBAToI420;
    case PixelFormat::RGB:
      return libyuv::RAWToI420;
    case PixelFormat::BGR:
      return libyuv::RGB24ToI420;
    default:
      break;  // not a packed 8-bit RGB format
  }
  return nullptr;
}

// NV12 output goes through I420 strips that stay in L1/L2 and are interleaved right away: as
// fast as libyuv's ARGBToNV12 (measured), which in this libyuv version mallocs a row per call
// and does not exist at all for the xRGB/xBGR orders.
constexpr uint32_t kDirectStripRows = 32;

// Scaled strips: about 192 KiB of ARGB, which stays in L2 on anything we run on.
uint32_t scaled_strip_rows(uint32_t width) {
  const uint32_t rows = (192u * 1024u) / (width * 4u);
  return std::clamp<uint32_t>(rows, 8, 64) & ~1u;
}

// ARGBScaleClip writes the clip rect at its place inside the full destination image; we want
// the rows in our strip, so we hand it a base that many rows above the strip. Integer arithmetic,
// since forming that pointer with pointer arithmetic would be undefined behaviour in C++. libyuv
// adds the rows back before it writes anything.
uint8_t* rows_above(uint8_t* strip, uint32_t rows, uint32_t pitch) {
  const uintptr_t base = reinterpret_cast<uintptr_t>(strip) - uintptr_t{rows} * pitch;
  return reinterpret_cast<uint8_t*>(base);  // NOLINT(performance-no-int-to-ptr): deliberate, see above
}

int i(uint32_t v) {
  return static_cast<int>(v);
}

// libyuv scales planes by exactly 3/4 with a dedicated row filter (ScalePlaneDown34), while
// its ARGB scaler has no such path and runs the general bilinear filter. Measured on the 2-core
// CI VM (thread CPU time / one memcpy of the source): 2560x1440 -> 1920x1080 costs 1.2x through
// convert-then-scale against 1.8x through strips; every other ratio we tried (1/2, 2/3, 1/3,
// 3/8, 5/6, upscales) is cheaper through strips.
bool is_three_quarters(const SourceView& src, const PlanarView& dst) {
  return src.width % 2 == 0 && src.height % 2 == 0 && uint64_t{dst.width} * 4 == uint64_t{src.width} * 3 &&
         uint64_t{dst.height} * 4 == uint64_t{src.height} * 3;
}

// libyuv (Debian 12's 2023-01 snapshot) takes its 1/4 box path for ARGB when the width alone
// shrinks exactly 4:1 and the height by any even whole factor; that path reads four source rows
// per output row, so another factor (64x32 -> 16x16) trips its assert, which Debian's build keeps
// (an abort), or reads rows past the source. Found by fuzzing; the planes' scaler checks both.
bool is_argb_quarter_trap(const SourceView& src, const PlanarView& dst) {
  if (uint64_t{dst.width} * 4 != src.width || src.height % dst.height != 0) return false;
  const uint32_t factor = src.height / dst.height;
  return factor % 2 == 0 && factor != 4;
}

// The rows of `dst` from `row` (even) on.
PlanarView rows_from(const PlanarView& dst, uint32_t row) {
  PlanarView rows = dst;
  rows.y = dst.y + size_t{row} * dst.y_pitch;
  rows.u = dst.u + size_t{row / 2} * dst.u_pitch;
  if (dst.v) rows.v = dst.v + size_t{row / 2} * dst.v_pitch;
  return rows;
}

}  // namespace

bool converts_from(PixelFormat format) {
  switch (format_info(format).kind) {
    case FormatKind::rgb32:
    case FormatKind::rgb24:
    case FormatKind::rgb10:
    case FormatKind::yuv422:
    case FormatKind::yuv420:
      return true;
    case FormatKind::yuv420_10:
    case FormatKind::compressed:
      break;
  }
  return false;
}

bool Converter::reserve(size_t argb_bytes, size_t chroma_bytes) {
  if (strip_argb_.size() < argb_bytes) strip_argb_ = AlignedBlock(argb_bytes);
  if (strip_u_.size() < chroma_bytes) strip_u_ = AlignedBlock(chroma_bytes);
  if (strip_v_.size() < chroma_bytes) strip_v_ = AlignedBlock(chroma_bytes);
  return (argb_bytes == 0 || strip_argb_) && (chroma_bytes == 0 || (strip_u_ && strip_v_));
}

void Converter::set_colour(const Colour& colour) {
  if (colour == colour_) return;
  colour_ = colour;
  factors8_ = yuv_factors_8bit(colour);
  libyuv_rows_ = factors8_ == yuv_factors_8bit(Colour{ColourMatrix::BT601, ColourRange::Limited});
}

bool Converter::own_rows(PixelFormat format, const uint8_t* src, uint32_t stride, uint32_t w, uint32_t h,
                         const PlanarView& dst) const {
  if (libyuv_rows_ && !rgb8_simd_rows()) return false;
  return rgb8_to_yuv(format, src, stride, w, h, dst, factors8_);
}

bool Converter::convert(const SourceView& src, const PlanarView& dst) {
  assert(dst.width % 2 == 0 && dst.height % 2 == 0 && dst.width > 0 && dst.height > 0);
  assert(src.width > 0 && src.height > 0);
  if (!converts_from(src.format)) return false;
  if (dst.format == PixelFormat::P010 || dst.format == PixelFormat::I010) return convert_to_10(src, dst);
  const bool ok =
      is_direct(src.width, src.height, dst.width, dst.height) ? convert_direct(src, dst) : convert_scaled(src, dst);
  if (ok && src.full_range && colour_.range == ColourRange::Limited) {
    full_to_limited(dst.y, dst.y_pitch, dst.width, dst.height, false);
    const bool nv12 = dst.format == PixelFormat::NV12;
    full_to_limited(dst.u, dst.u_pitch, nv12 ? dst.width : dst.width / 2, dst.height / 2, true);
    if (!nv12) full_to_limited(dst.v, dst.v_pitch, dst.width / 2, dst.height / 2, true);
  }
  return ok;
}

bool Converter::rgb_to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst) {
  const ToI420 fn = to_i420(src.format);
  if (dst.format == PixelFormat::I420) {
    return fn(src.data[0], i(src.stride[0]), dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), dst.v, i(dst.v_pitch), i(w),
              i(h)) == 0;
  }
  const uint32_t chroma_w = (w + 1) / 2;
  const uint32_t strip_pitch = align_up(chroma_w, kPlaneAlign);
  if (!reserve(0, size_t{strip_pitch} * (kDirectStripRows / 2))) return false;
  for (uint32_t row = 0; row < h; row += kDirectStripRows) {
    const uint32_t n = std::min(kDirectStripRows, h - row);
    if (fn(src.data[0] + size_t{row} * src.stride[0], i(src.stride[0]), dst.y + size_t{row} * dst.y_pitch,
           i(dst.y_pitch), strip_u_.data(), i(strip_pitch), strip_v_.data(), i(strip_pitch), i(w), i(n)) != 0) {
      return false;
    }
    libyuv::MergeUVPlane(strip_u_.data(), i(strip_pitch), strip_v_.data(), i(strip_pitch),
                         dst.u + size_t{row / 2} * dst.u_pitch, i(dst.u_pitch), i(chroma_w), i((n + 1) / 2));
  }
  return true;
}

namespace {

// libyuv "ARGB" (bytes B, G, R, A) from the 32-bit orders whose own converters have no AVX2 rows
// in this libyuv (BGRAToI420, RGBAToI420): a shuffle per strip plus ARGBToI420 is cheaper.
const uint8_t* argb_shuffle(PixelFormat f) {
  static constexpr uint8_t kFromXRGB[16] = {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12};
  static constexpr uint8_t kFromXBGR[16] = {1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12};
  switch (f) {
    case PixelFormat::xRGB:
    case PixelFormat::ARGB:
      return kFromXRGB;
    case PixelFormat::xBGR:
    case PixelFormat::ABGR:
      return kFromXBGR;
    default:
      return nullptr;
  }
}

// Whether `f` is converted through cache-resident ARGB strips (strip_to_yuv) rather than by one
// libyuv converter: 10-bit RGB (libyuv has none), the byte orders above, 24-bit RGB (measured:
// RAWToARGB + ARGBToI420 in strips beats RAWToI420, whose rows are SSSE3 only).
bool through_strips(PixelFormat f) {
  return format_info(f).kind == FormatKind::rgb10 || format_info(f).kind == FormatKind::rgb24 ||
         argb_shuffle(f) != nullptr;
}

}  // namespace

// Each strip of rows turned into 8-bit ARGB (in L2), then converted like BGRx.
bool Converter::strip_to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst) {
  const uint32_t argb_pitch = align_up(w * 4, kPlaneAlign);
  const uint32_t chroma_w = (w + 1) / 2;
  const uint32_t strip_pitch = align_up(chroma_w, kPlaneAlign);
  const bool nv12 = dst.format == PixelFormat::NV12;
  if (!reserve(size_t{argb_pitch} * kDirectStripRows, nv12 ? size_t{strip_pitch} * (kDirectStripRows / 2) : 0)) {
    return false;
  }
  const FormatKind kind = format_info(src.format).kind;
  for (uint32_t row = 0; row < h; row += kDirectStripRows) {
    const uint32_t n = std::min(kDirectStripRows, h - row);
    const uint8_t* in = src.data[0] + size_t{row} * src.stride[0];
    if (kind == FormatKind::rgb10) {
      for (uint32_t r = 0; r < n; ++r) {
        rgb10_to_argb_row(src.format, in + size_t{r} * src.stride[0], strip_argb_.data() + size_t{r} * argb_pitch, w);
      }
    } else if (kind == FormatKind::rgb24) {
      // SPA RGB (bytes R, G, B) is libyuv "RAW", SPA BGR libyuv "RGB24".
      const auto to_argb = src.format == PixelFormat::RGB ? libyuv::RAWToARGB : libyuv::RGB24ToARGB;
      if (to_argb(in, i(src.stride[0]), strip_argb_.data(), i(argb_pitch), i(w), i(n)) != 0) return false;
    } else if (libyuv::ARGBShuffle(in, i(src.stride[0]), strip_argb_.data(), i(argb_pitch), argb_shuffle(src.format),
                                   i(w), i(n)) != 0) {
      return false;
    }
    if (own_rows(PixelFormat::BGRx, strip_argb_.data(), argb_pitch, w, n, rows_from(dst, row))) continue;
    uint8_t* y = dst.y + size_t{row} * dst.y_pitch;
    if (nv12) {
      if (libyuv::ARGBToI420(strip_argb_.data(), i(argb_pitch), y, i(dst.y_pitch), strip_u_.data(), i(strip_pitch),
                             strip_v_.data(), i(strip_pitch), i(w), i(n)) != 0) {
        return false;
      }
      libyuv::MergeUVPlane(strip_u_.data(), i(strip_pitch), strip_v_.data(), i(strip_pitch),
                           dst.u + size_t{row / 2} * dst.u_pitch, i(dst.u_pitch), i(chroma_w), i((n + 1) / 2));
    } else if (libyuv::ARGBToI420(strip_argb_.data(), i(argb_pitch), y, i(dst.y_pitch),
                                  dst.u + size_t{row / 2} * dst.u_pitch, i(dst.u_pitch),
                                  dst.v + size_t{row / 2} * dst.v_pitch, i(dst.v_pitch), i(w), i(n)) != 0) {
      return false;
    }
  }
  return true;
}

bool Converter::to_yuv(const SourceView& src, uint32_t w, uint32_t h, const PlanarView& dst) {
  const bool nv12 = dst.format == PixelFormat::NV12;
  const uint8_t* s0 = src.data[0];
  const int p0 = i(src.stride[0]);
  switch (src.format) {
    case PixelFormat::YUY2:
      return (nv12 ? libyuv::YUY2ToNV12(s0, p0, dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), i(w), i(h))
                   : libyuv::YUY2ToI420(s0, p0, dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), dst.v, i(dst.v_pitch),
                                        i(w), i(h))) == 0;
    case PixelFormat::UYVY:
      return (nv12 ? libyuv::UYVYToNV12(s0, p0, dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), i(w), i(h))
                   : libyuv::UYVYToI420(s0, p0, dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), dst.v, i(dst.v_pitch),
                                        i(w), i(h))) == 0;
    case PixelFormat::NV12:
      return (nv12 ? libyuv::NV12Copy(s0, p0, src.data[1], i(src.stride[1]), dst.y, i(dst.y_pitch), dst.u,
                                      i(dst.u_pitch), i(w), i(h))
                   : libyuv::NV12ToI420(s0, p0, src.data[1], i(src.stride[1]), dst.y, i(dst.y_pitch), dst.u,
                                        i(dst.u_pitch), dst.v, i(dst.v_pitch), i(w), i(h))) == 0;
    case PixelFormat::I420:
    case PixelFormat::YV12:  // capture hands its planes over as U, V
      return (nv12 ? libyuv::I420ToNV12(s0, p0, src.data[1], i(src.stride[1]), src.data[2], i(src.stride[2]), dst.y,
                                        i(dst.y_pitch), dst.u, i(dst.u_pitch), i(w), i(h))
                   : libyuv::I420Copy(s0, p0, src.data[1], i(src.stride[1]), src.data[2], i(src.stride[2]), dst.y,
                                      i(dst.y_pitch), dst.u, i(dst.u_pitch), dst.v, i(dst.v_pitch), i(w), i(h))) == 0;
    default:
      break;
  }
  // 8-bit RGB in one AVX2 pass where the CPU has it (rgb8.hpp), else libyuv's rows (BT.601
  // limited) or our portable ones.
  if (own_rows(src.format, src.data[0], src.stride[0], w, h, dst)) return true;
  if (through_strips(src.format)) return strip_to_yuv(src, w, h, dst);
  if (to_i420(src.format)) return rgb_to_yuv(src, w, h, dst);
  return false;
}

bool Converter::convert_direct(const SourceView& src, const PlanarView& dst) {
  const uint32_t w = std::min(src.width, dst.width);
  const uint32_t h = std::min(src.height, dst.height);
  // An odd w or h still yields dst.width/2 chroma columns and dst.height/2 chroma rows: libyuv
  // computes (or copies) the last chroma sample from the single remaining column or row.
  if (!to_yuv(src, w, h, dst)) return false;
  // The visible rect was one short of the target: repeat its last luma column / row.
  if (w < dst.width) {
    for (uint32_t row = 0; row < h; ++row) {
      uint8_t* line = dst.y + size_t{row} * dst.y_pitch;
      line[w] = line[w - 1];
    }
  }
  if (h < dst.height) {
    std::memcpy(dst.y + size_t{h} * dst.y_pitch, dst.y + size_t{h - 1} * dst.y_pitch, dst.width);
  }
  return true;
}

bool Converter::convert_scaled(const SourceView& src, const PlanarView& dst) {
  if (!is_packed_rgb(src.format) || is_three_quarters(src, dst) || is_argb_quarter_trap(src, dst)) {
    return convert_then_scale(src, dst);
  }
  const ToI420 fn = to_i420(src.format);
  const uint32_t rows = scaled_strip_rows(dst.width);
  const uint32_t argb_pitch = align_up(dst.width * 4, kPlaneAlign);
  const uint32_t chroma_pitch = align_up(dst.width / 2, kPlaneAlign);
  const bool nv12 = dst.format == PixelFormat::NV12;
  if (!reserve(size_t{argb_pitch} * rows, nv12 ? size_t{chroma_pitch} * (rows / 2) : 0)) return false;

  for (uint32_t row = 0; row < dst.height; row += rows) {
    const uint32_t n = std::min(rows, dst.height - row);  // even: dst.height and rows are
    // Box: libyuv's integer-ratio paths average (2:1, 4:1); other ratios fall back to bilinear.
    if (libyuv::ARGBScaleClip(src.data[0], i(src.stride[0]), i(src.width), i(src.height),
                              rows_above(strip_argb_.data(), row, argb_pitch), i(argb_pitch), i(dst.width),
                              i(dst.height), 0, i(row), i(dst.width), i(n), libyuv::kFilterBox) != 0) {
      return false;
    }
    if (own_rows(src.format, strip_argb_.data(), argb_pitch, dst.width, n, rows_from(dst, row))) continue;
    uint8_t* y = dst.y + size_t{row} * dst.y_pitch;
    if (nv12) {
      if (fn(strip_argb_.data(), i(argb_pitch), y, i(dst.y_pitch), strip_u_.data(), i(chroma_pitch), strip_v_.data(),
             i(chroma_pitch), i(dst.width), i(n)) != 0) {
        return false;
      }
      libyuv::MergeUVPlane(strip_u_.data(), i(chroma_pitch), strip_v_.data(), i(chroma_pitch),
                           dst.u + size_t{row / 2} * dst.u_pitch, i(dst.u_pitch), i(dst.width / 2), i(n / 2));
    } else {
      if (fn(strip_argb_.data(), i(argb_pitch), y, i(dst.y_pitch), dst.u + size_t{row / 2} * dst.u_pitch,
             i(dst.u_pitch), dst.v + size_t{row / 2} * dst.v_pitch, i(dst.v_pitch), i(dst.width), i(n)) != 0) {
        return false;
      }
    }
  }
  return true;
}

// The source converted at its own size into I420 (odd sizes keep their last chroma sample), whose
// planes are then scaled into the target.
bool Converter::convert_then_scale(const SourceView& src, const PlanarView& dst) {
  const uint32_t cw = (src.width + 1) / 2;
  const uint32_t ch = (src.height + 1) / 2;
  const uint32_t y_pitch = align_up(src.width, kPlaneAlign);
  const uint32_t c_pitch = align_up(cw, kPlaneAlign);
  const size_t y_bytes = size_t{y_pitch} * src.height;
  const size_t c_bytes = size_t{c_pitch} * ch;
  if (full_i420_.size() < y_bytes + 2 * c_bytes) full_i420_ = AlignedBlock(y_bytes + 2 * c_bytes);
  const bool nv12 = dst.format == PixelFormat::NV12;
  const uint32_t dst_c_pitch = align_up(dst.width / 2, kPlaneAlign);
  if (!full_i420_) return false;

  PlanarView full;
  full.format = PixelFormat::I420;
  full.width = src.width;
  full.height = src.height;
  full.y = full_i420_.data();
  full.u = full.y + y_bytes;
  full.v = full.u + c_bytes;
  full.y_pitch = y_pitch;
  full.u_pitch = full.v_pitch = c_pitch;
  if (!to_yuv(src, src.width, src.height, full)) return false;
  // The strips are reserved after the conversion: 10-bit sources use them for their own rows.
  if (!reserve(0, nv12 ? size_t{dst_c_pitch} * (dst.height / 2) : 0)) return false;
  uint8_t* out_u = nv12 ? strip_u_.data() : dst.u;
  uint8_t* out_v = nv12 ? strip_v_.data() : dst.v;
  const uint32_t out_u_pitch = nv12 ? dst_c_pitch : dst.u_pitch;
  const uint32_t out_v_pitch = nv12 ? dst_c_pitch : dst.v_pitch;
  // libyuv scales the chroma planes from (width+1)/2 columns, so odd sources keep their edge.
  if (libyuv::I420Scale(full.y, i(y_pitch), full.u, i(c_pitch), full.v, i(c_pitch), i(src.width), i(src.height), dst.y,
                        i(dst.y_pitch), out_u, i(out_u_pitch), out_v, i(out_v_pitch), i(dst.width), i(dst.height),
                        libyuv::kFilterBox) != 0) {
    return false;
  }
  if (nv12) {
    libyuv::MergeUVPlane(out_u, i(out_u_pitch), out_v, i(out_v_pitch), dst.u, i(dst.u_pitch), i(dst.width / 2),
                         i(dst.height / 2));
  }
  return true;
}

bool Converter::i010_view(AlignedBlock& block, uint32_t width, uint32_t height, PlanarView& out) {
  const uint32_t cw = (width + 1) / 2;
  const uint32_t ch = (height + 1) / 2;
  const uint32_t y_pitch = align_up(width * 2, kPlaneAlign);
  const uint32_t c_pitch = align_up(cw * 2, kPlaneAlign);
  const size_t y_bytes = size_t{y_pitch} * height;
  const size_t c_bytes = size_t{c_pitch} * ch;
  if (block.size() < y_bytes + 2 * c_bytes) block = AlignedBlock(y_bytes + 2 * c_bytes);
  if (!block) return false;
  out = PlanarView{};
  out.format = PixelFormat::I010;
  out.width = width;
  out.height = height;
  out.y = block.data();
  out.u = out.y + y_bytes;
  out.v = out.u + c_bytes;
  out.y_pitch = y_pitch;
  out.u_pitch = out.v_pitch = c_pitch;
  return true;
}

namespace {

const uint16_t* c16(const uint8_t* p) {
  return reinterpret_cast<const uint16_t*>(p);
}
uint16_t* m16(uint8_t* p) {
  return reinterpret_cast<uint16_t*>(p);
}
// libyuv's 16-bit functions take strides in samples.
int s16(uint32_t pitch) {
  return static_cast<int>(pitch / 2);
}

bool i010_to(const PlanarView& from, const PlanarView& dst) {
  if (dst.format == PixelFormat::I010) {
    return libyuv::I010Copy(c16(from.y), s16(from.y_pitch), c16(from.u), s16(from.u_pitch), c16(from.v),
                            s16(from.v_pitch), m16(dst.y), s16(dst.y_pitch), m16(dst.u), s16(dst.u_pitch), m16(dst.v),
                            s16(dst.v_pitch), i(dst.width), i(dst.height)) == 0;
  }
  return libyuv::I010ToP010(c16(from.y), s16(from.y_pitch), c16(from.u), s16(from.u_pitch), c16(from.v),
                            s16(from.v_pitch), m16(dst.y), s16(dst.y_pitch), m16(dst.u), s16(dst.u_pitch), i(dst.width),
                            i(dst.height)) == 0;
}

// 8-bit samples to 10 bits: x4, so limited range stays limited range (libyuv's I420ToI010
// replicates the top bits instead: 235 would become 943, not 940).
void widen(const uint8_t* src, uint32_t src_pitch, uint8_t* dst, uint32_t dst_pitch, uint32_t w, uint32_t h) {
  for (uint32_t row = 0; row < h; ++row) {
    const uint8_t* in = src + size_t{row} * src_pitch;
    uint16_t* out = m16(dst + size_t{row} * dst_pitch);
    for (uint32_t x = 0; x < w; ++x)
      out[x] = static_cast<uint16_t>(in[x] << 2);
  }
}

// The visible rect one short of the target: repeat its last luma column and row (16-bit samples).
void pad_edges16(const PlanarView& dst, uint32_t w, uint32_t h) {
  if (w < dst.width) {
    for (uint32_t row = 0; row < h; ++row) {
      uint16_t* line = m16(dst.y + size_t{row} * dst.y_pitch);
      line[w] = line[w - 1];
    }
  }
  if (h < dst.height) {
    std::memcpy(dst.y + size_t{h} * dst.y_pitch, dst.y + size_t{h - 1} * dst.y_pitch, size_t{dst.width} * 2);
  }
}

}  // namespace

bool Converter::convert_to_10(const SourceView& src, const PlanarView& dst) {
  if (format_info(src.format).kind != FormatKind::rgb10) {
    // 8-bit sources: at 8 bits into I420 of the target's size, then widened.
    PlanarView eight;
    const uint32_t y_pitch = align_up(dst.width, kPlaneAlign);
    const uint32_t c_pitch = align_up(dst.width / 2, kPlaneAlign);
    const size_t y_bytes = size_t{y_pitch} * dst.height;
    const size_t c_bytes = size_t{c_pitch} * (dst.height / 2);
    if (out_i420_.size() < y_bytes + 2 * c_bytes) out_i420_ = AlignedBlock(y_bytes + 2 * c_bytes);
    if (!out_i420_) return false;
    eight.format = PixelFormat::I420;
    eight.width = dst.width;
    eight.height = dst.height;
    eight.y = out_i420_.data();
    eight.u = eight.y + y_bytes;
    eight.v = eight.u + c_bytes;
    eight.y_pitch = y_pitch;
    eight.u_pitch = eight.v_pitch = c_pitch;
    if (!convert(src, eight)) return false;
    PlanarView wide = dst;
    if (dst.format == PixelFormat::P010 && !i010_view(out_i010_, dst.width, dst.height, wide)) return false;
    widen(eight.y, eight.y_pitch, wide.y, wide.y_pitch, dst.width, dst.height);
    widen(eight.u, eight.u_pitch, wide.u, wide.u_pitch, dst.width / 2, dst.height / 2);
    widen(eight.v, eight.v_pitch, wide.v, wide.v_pitch, dst.width / 2, dst.height / 2);
    return dst.format == PixelFormat::I010 || i010_to(wide, dst);
  }
  if (is_direct(src.width, src.height, dst.width, dst.height)) {
    const uint32_t w = std::min(src.width, dst.width);
    const uint32_t h = std::min(src.height, dst.height);
    rgb10_to_yuv10(src.format, src.data[0], src.stride[0], w, h, dst, colour_);
    pad_edges16(dst, w, h);
    return true;
  }
  // Scaled: at full size into I010, its planes scaled at 16 bits (into I010 first for P010).
  PlanarView full;
  if (!i010_view(full_i010_, src.width, src.height, full)) return false;
  rgb10_to_yuv10(src.format, src.data[0], src.stride[0], src.width, src.height, full, colour_);
  PlanarView scaled = dst;
  if (dst.format == PixelFormat::P010 && !i010_view(out_i010_, dst.width, dst.height, scaled)) return false;
  if (libyuv::I420Scale_16(c16(full.y), s16(full.y_pitch), c16(full.u), s16(full.u_pitch), c16(full.v),
                           s16(full.v_pitch), i(src.width), i(src.height), m16(scaled.y), s16(scaled.y_pitch),
                           m16(scaled.u), s16(scaled.u_pitch), m16(scaled.v), s16(scaled.v_pitch), i(dst.width),
                           i(dst.height), libyuv::kFilterBox) != 0) {
    return false;
  }
  return dst.format == PixelFormat::I010 || i010_to(scaled, dst);
}

}  // namespace zc::zerocopy
