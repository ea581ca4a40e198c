#pragma once
// Test helpers: patterns, libyuv and CPU-row references and unpacking of the GPU pass's word grid.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <libyuv.h>
#include <catch2/catch.hpp>

#include "core/colour.hpp"
#include "cuda/layout.hpp"
#include "zerocopy/cpu/rgb8.hpp"

namespace zc::zerocopy::cuda_bridge::test {

using zc::zerocopy::PlanarView;
using zc::zerocopy::rgb8_to_yuv;
using zc::zerocopy::Rgb8Rows;

// RGBA bytes (R,G,B,A per pixel): random noise, so any misplaced byte shows.
inline std::vector<uint8_t> noise_rgba(uint32_t w, uint32_t h, uint32_t seed) {
  std::vector<uint8_t> px(size_t{w} * h * 4);
  std::mt19937 rng(seed);
  for (auto& b : px)
    b = static_cast<uint8_t>(rng());
  return px;
}

// RGBA bytes: a smooth diagonal gradient (for scaling, where filters differ by rounding only).
inline std::vector<uint8_t> gradient_rgba(uint32_t w, uint32_t h) {
  std::vector<uint8_t> px(size_t{w} * h * 4);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint8_t* p = &px[(size_t{y} * w + x) * 4];
      p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
      p[2] = static_cast<uint8_t>((x + y) * 255 / (w + h - 2));
      p[3] = 255;
    }
  return px;
}

// RGBA bytes of a rectangle of an RGBA image.
inline std::vector<uint8_t> crop_rgba(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t x0, uint32_t y0,
                                      uint32_t cw, uint32_t ch) {
  std::vector<uint8_t> out(size_t{cw} * ch * 4);
  for (uint32_t y = 0; y < ch; ++y)
    std::memcpy(&out[size_t{y} * cw * 4], &rgba[(size_t{y0 + y} * w + x0) * 4], size_t{cw} * 4);
  return out;
}

// Tight planes (Y, then U/V or UV) as libyuv computes them from RGBA bytes.
inline std::vector<std::vector<uint8_t>> libyuv_planes(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h,
                                                       PixelFormat format) {
  // libyuv "ABGR" is bytes R,G,B,A and "ARGB" bytes B,G,R,A: go through ARGB, as the CPU path
  // (BGRx buffers into ARGBToI420/ARGBToNV12) does.
  const int iw = static_cast<int>(w), ih = static_cast<int>(h);
  std::vector<uint8_t> argb(rgba.size());
  libyuv::ABGRToARGB(rgba.data(), iw * 4, argb.data(), iw * 4, iw, ih);
  std::vector<uint8_t> y(size_t{w} * h);
  if (format == PixelFormat::NV12) {
    std::vector<uint8_t> uv(size_t{w} * h / 2);
    libyuv::ARGBToNV12(argb.data(), iw * 4, y.data(), iw, uv.data(), iw, iw, ih);
    return {y, uv};
  }
  std::vector<uint8_t> u(size_t{w} * h / 4), v(size_t{w} * h / 4);
  libyuv::ARGBToI420(argb.data(), iw * 4, y.data(), iw, u.data(), iw / 2, v.data(), iw / 2, iw, ih);
  return {y, u, v};
}

// Tight planes as the CPU path's portable rows compute them from RGBA bytes by `colour`'s matrix and
// range (zerocopy/cpu/rgb8.hpp, held to libyuv at BT.601 limited and to the formula for the rest).
inline std::vector<std::vector<uint8_t>> cpu_rows_planes(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h,
                                                         PixelFormat format, const Colour& colour) {
  std::vector<uint8_t> y(size_t{w} * h), u(size_t{w} * h / 4), v(size_t{w} * h / 4), uv(size_t{w} * h / 2);
  PlanarView dst;
  dst.format = format;
  dst.width = w;
  dst.height = h;
  dst.y = y.data();
  dst.y_pitch = w;
  if (format == PixelFormat::NV12) {
    dst.u = uv.data();
    dst.u_pitch = w;
  } else {
    dst.u = u.data();
    dst.v = v.data();
    dst.u_pitch = dst.v_pitch = w / 2;
  }
  const bool ok =
      rgb8_to_yuv(PixelFormat::RGBA, rgba.data(), w * 4, w, h, dst, yuv_factors_8bit(colour), Rgb8Rows::portable);
  if (!ok) return {};
  if (format == PixelFormat::NV12) return {y, uv};
  return {y, u, v};
}

// The colours a YUV pass is checked in beside libyuv's BT.601 limited range.
inline const std::vector<Colour>& other_colours() {
  static const std::vector<Colour> c = {{ColourMatrix::BT709, ColourRange::Limited},
                                        {ColourMatrix::BT709, ColourRange::Full},
                                        {ColourMatrix::BT601, ColourRange::Full},
                                        {ColourMatrix::BT2020, ColourRange::Limited}};
  return c;
}

// Packed output bytes in `format`'s byte order from RGBA bytes (X bytes 255).
inline std::vector<uint8_t> packed_reference(const std::vector<uint8_t>& rgba, PixelFormat format) {
  const auto order = cuda::packed_byte_order(format);
  std::vector<uint8_t> out(rgba.size());
  for (size_t i = 0; i < rgba.size(); i += 4)
    for (size_t k = 0; k < 4; ++k)
      out[i + k] = order[k] == 3 ? 255 : rgba[i + order[k]];
  return out;
}

// The planes of a frame, tight, from the pass's word grid read back as RGBA8 texels.
inline std::vector<std::vector<uint8_t>> unpack_grid(const std::vector<uint8_t>& grid, const cuda::FrameLayout& l) {
  std::vector<std::vector<uint8_t>> planes;
  for (uint32_t p = 0; p < l.planes; ++p) {
    std::vector<uint8_t> plane(size_t{l.row_bytes[p]} * l.rows[p]);
    const cuda::WordRect& r = l.words[p];
    for (uint32_t y = 0; y < l.rows[p]; ++y)
      std::memcpy(&plane[size_t{y} * l.row_bytes[p]], &grid[(size_t{r.y + y} * l.grid_w + r.x) * 4], l.row_bytes[p]);
    planes.push_back(std::move(plane));
  }
  return planes;
}

// Count of bytes that differ by more than `tolerance`.
inline size_t count_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int tolerance = 0) {
  if (a.size() != b.size()) return a.size() + b.size();
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    n += std::abs(int{a[i]} - int{b[i]}) > tolerance;
  return n;
}

// A YUV pass in every one of other_colours(), NV12 and I420: `run(layout, colour)` returns
// its planes for `rgba` (w x h), which must equal the CPU rows' and differ from libyuv's BT.601
// limited range in more than a quarter of the bytes (the factors reached the shader).
template <class Run>
void check_other_colours(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h, const Run& run) {
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::I420}) {
    auto layout = cuda::frame_layout(w, h, f);
    REQUIRE(layout);
    const auto bt601 = libyuv_planes(rgba, w, h, f);
    for (const Colour& c : other_colours()) {
      INFO("format " << to_string(f) << " " << describe(c));
      const std::vector<std::vector<uint8_t>> got = run(*layout, c);
      const auto want = cpu_rows_planes(rgba, w, h, f, c);
      REQUIRE(got.size() == want.size());
      for (size_t p = 0; p < got.size(); ++p) {
        INFO("plane " << p);
        CHECK(count_diff(got[p], want[p]) == 0);
        CHECK(count_diff(got[p], bt601[p]) > got[p].size() / 4);
      }
    }
  }
}

}  // namespace zc::zerocopy::cuda_bridge::test
