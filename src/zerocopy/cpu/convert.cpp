#include "zerocopy/cpu/convert.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include <libyuv/convert.h>
#include <libyuv/planar_functions.h>
#include <libyuv/scale.h>
#include <libyuv/scale_argb.h>

namespace zc::zerocopy {
namespace {

using ToI420 = int (*)(const uint8_t*, int, uint8_t*, int, uint8_t*, int, uint8_t*, int, int, int);

// libyuv names packed formats by the 32-bit little-endian word, SPA by the bytes in memory:
// SPA BGRx (bytes B,G,R,x) is libyuv "ARGB". The padding byte is ignored by every one of these.
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
    case PixelFormat::NV12:
    case PixelFormat::I420:
      break;
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
bool is_three_quarters(const PackedView& src, const PlanarView& dst) {
  return src.width % 2 == 0 && src.height % 2 == 0 && uint64_t{dst.width} * 4 == uint64_t{src.width} * 3 &&
         uint64_t{dst.height} * 4 == uint64_t{src.height} * 3;
}

}  // namespace

bool Converter::reserve(size_t argb_bytes, size_t chroma_bytes) {
  if (strip_argb_.size() < argb_bytes) strip_argb_ = AlignedBlock(argb_bytes);
  if (strip_u_.size() < chroma_bytes) strip_u_ = AlignedBlock(chroma_bytes);
  if (strip_v_.size() < chroma_bytes) strip_v_ = AlignedBlock(chroma_bytes);
  return (argb_bytes == 0 || strip_argb_) && (chroma_bytes == 0 || (strip_u_ && strip_v_));
}

bool Converter::convert(const PackedView& src, const PlanarView& dst) {
  assert(dst.width % 2 == 0 && dst.height % 2 == 0 && dst.width > 0 && dst.height > 0);
  assert(src.width > 0 && src.height > 0 && src.stride >= src.width * 4);
  if (!to_i420(src.format)) return false;
  if (is_direct(src.width, src.height, dst.width, dst.height)) return convert_direct(src, dst);
  return convert_scaled(src, dst);
}

bool Converter::convert_direct(const PackedView& src, const PlanarView& dst) {
  const ToI420 fn = to_i420(src.format);
  const uint32_t w = std::min(src.width, dst.width);
  const uint32_t h = std::min(src.height, dst.height);
  // An odd w or h still yields dst.width/2 chroma columns and dst.height/2 chroma rows: libyuv
  // computes the last chroma sample from the single remaining column or row.
  if (dst.format == PixelFormat::I420) {
    if (fn(src.data, i(src.stride), dst.y, i(dst.y_pitch), dst.u, i(dst.u_pitch), dst.v, i(dst.v_pitch), i(w), i(h)) !=
        0) {
      return false;
    }
  } else {
    const uint32_t chroma_w = (w + 1) / 2;
    const uint32_t strip_pitch = align_up(chroma_w, kPlaneAlign);
    if (!reserve(0, size_t{strip_pitch} * (kDirectStripRows / 2))) return false;
    for (uint32_t row = 0; row < h; row += kDirectStripRows) {
      const uint32_t n = std::min(kDirectStripRows, h - row);
      if (fn(src.data + size_t{row} * src.stride, i(src.stride), dst.y + size_t{row} * dst.y_pitch, i(dst.y_pitch),
             strip_u_.data(), i(strip_pitch), strip_v_.data(), i(strip_pitch), i(w), i(n)) != 0) {
        return false;
      }
      libyuv::MergeUVPlane(strip_u_.data(), i(strip_pitch), strip_v_.data(), i(strip_pitch),
                           dst.u + size_t{row / 2} * dst.u_pitch, i(dst.u_pitch), i(chroma_w), i((n + 1) / 2));
    }
  }
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

bool Converter::convert_scaled(const PackedView& src, const PlanarView& dst) {
  if (is_three_quarters(src, dst)) return convert_then_scale(src, dst);
  const ToI420 fn = to_i420(src.format);
  const uint32_t rows = scaled_strip_rows(dst.width);
  const uint32_t argb_pitch = align_up(dst.width * 4, kPlaneAlign);
  const uint32_t chroma_pitch = align_up(dst.width / 2, kPlaneAlign);
  const bool nv12 = dst.format == PixelFormat::NV12;
  if (!reserve(size_t{argb_pitch} * rows, nv12 ? size_t{chroma_pitch} * (rows / 2) : 0)) return false;

  for (uint32_t row = 0; row < dst.height; row += rows) {
    const uint32_t n = std::min(rows, dst.height - row);  // even: dst.height and rows are
    // Box: libyuv's integer-ratio paths average (2:1, 4:1); other ratios fall back to bilinear.
    if (libyuv::ARGBScaleClip(src.data, i(src.stride), i(src.width), i(src.height),
                              rows_above(strip_argb_.data(), row, argb_pitch), i(argb_pitch), i(dst.width),
                              i(dst.height), 0, i(row), i(dst.width), i(n), libyuv::kFilterBox) != 0) {
      return false;
    }
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

bool Converter::convert_then_scale(const PackedView& src, const PlanarView& dst) {
  const uint32_t y_pitch = align_up(src.width, kPlaneAlign);
  const uint32_t c_pitch = align_up(src.width / 2, kPlaneAlign);
  const size_t y_bytes = size_t{y_pitch} * src.height;
  const size_t c_bytes = size_t{c_pitch} * (src.height / 2);
  if (full_i420_.size() < y_bytes + 2 * c_bytes) full_i420_ = AlignedBlock(y_bytes + 2 * c_bytes);
  const bool nv12 = dst.format == PixelFormat::NV12;
  const uint32_t dst_c_pitch = align_up(dst.width / 2, kPlaneAlign);
  if (!full_i420_ || !reserve(0, nv12 ? size_t{dst_c_pitch} * (dst.height / 2) : 0)) return false;

  uint8_t* y = full_i420_.data();
  uint8_t* u = y + y_bytes;
  uint8_t* v = u + c_bytes;
  if (to_i420(src.format)(src.data, i(src.stride), y, i(y_pitch), u, i(c_pitch), v, i(c_pitch), i(src.width),
                          i(src.height)) != 0) {
    return false;
  }
  uint8_t* out_u = nv12 ? strip_u_.data() : dst.u;
  uint8_t* out_v = nv12 ? strip_v_.data() : dst.v;
  const uint32_t out_u_pitch = nv12 ? dst_c_pitch : dst.u_pitch;
  const uint32_t out_v_pitch = nv12 ? dst_c_pitch : dst.v_pitch;
  if (libyuv::I420Scale(y, i(y_pitch), u, i(c_pitch), v, i(c_pitch), i(src.width), i(src.height), dst.y, i(dst.y_pitch),
                        out_u, i(out_u_pitch), out_v, i(out_v_pitch), i(dst.width), i(dst.height),
                        libyuv::kFilterBox) != 0) {
    return false;
  }
  if (nv12) {
    libyuv::MergeUVPlane(out_u, i(out_u_pitch), out_v, i(out_v_pitch), dst.u, i(dst.u_pitch), i(dst.width / 2),
                         i(dst.height / 2));
  }
  return true;
}

}  // namespace zc::zerocopy
