// The rows for 8-bit RGB (rgb8.hpp), AVX2 and portable, against libyuv, which the importer ran
// before them and still runs for BT.601 limited range on CPUs without AVX2: every 32-bit order and
// both 24-bit formats, brought into libyuv "ARGB" bytes and converted by ARGBToI420, must come out
// equal byte for byte, over odd sizes, strides and tails, with nothing written outside the image.
// Other matrices and ranges: the two row kinds agree to the bit, and both follow the formula.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <libyuv/convert.h>

#include "canary_planes.hpp"
#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "support/skip.hpp"
#include "zerocopy/cpu/rgb8.hpp"

using zc::PixelFormat;

namespace {

constexpr PixelFormat kRgb8[] = {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA,
                                 PixelFormat::xRGB, PixelFormat::ARGB, PixelFormat::xBGR, PixelFormat::ABGR,
                                 PixelFormat::RGB,  PixelFormat::BGR};

using Dest = zc::test::CanaryPlanes;
using zc::zerocopy::Rgb8Rows;

const zc::YuvFactors kBt601 = zc::yuv_factors_8bit(zc::Colour{zc::ColourMatrix::BT601, zc::ColourRange::Limited});

std::vector<Rgb8Rows> row_kinds() {
  if (zc::zerocopy::rgb8_simd_rows()) return {Rgb8Rows::best, Rgb8Rows::portable};
  WARN("this CPU has no AVX2: the portable rows are the only ones");
  return {Rgb8Rows::portable};
}

}  // namespace

TEST_CASE("8-bit RGB: the AVX2 and portable rows equal libyuv's ARGBToI420 byte for byte, nothing written around",
          "[cpu_import][formats]") {
  std::mt19937 rng(8);
  const std::vector<std::pair<uint32_t, uint32_t>> sizes = {{1, 1},  {2, 2},   {7, 3},   {31, 2},  {32, 2},
                                                            {33, 5}, {34, 4},  {35, 3},  {63, 7},  {64, 8},
                                                            {66, 6}, {97, 33}, {130, 9}, {258, 17}};
  for (const PixelFormat f : kRgb8) {
    const auto& info = zc::format_info(f);
    for (const auto& [w, h] : sizes) {
      for (const uint32_t pad : {0u, 5u, 64u}) {
        const uint32_t stride = w * info.bytes + pad;
        std::vector<uint8_t> src(size_t{stride} * h);
        for (auto& b : src)
          b = static_cast<uint8_t>(rng());
        // libyuv's input: B, G, R, A bytes.
        std::vector<uint8_t> argb(size_t{w} * h * 4);
        for (uint32_t r = 0; r < h; ++r) {
          for (uint32_t x = 0; x < w; ++x) {
            const uint8_t* p = src.data() + size_t{stride} * r + size_t{info.bytes} * x;
            uint8_t* q = argb.data() + (size_t{r} * w + x) * 4;
            q[0] = p[info.packed.b];
            q[1] = p[info.packed.g];
            q[2] = p[info.packed.r];
            q[3] = 255;
          }
        }
        Dest ref(PixelFormat::I420, w, h);
        REQUIRE(libyuv::ARGBToI420(argb.data(), static_cast<int>(w * 4), ref.y.data(),
                                   static_cast<int>(ref.view.y_pitch), ref.u.data(), static_cast<int>(ref.view.u_pitch),
                                   ref.v.data(), static_cast<int>(ref.view.v_pitch), static_cast<int>(w),
                                   static_cast<int>(h)) == 0);
        for (const auto& [target, rows] :
             {std::pair{PixelFormat::I420, Rgb8Rows::best}, std::pair{PixelFormat::NV12, Rgb8Rows::best},
              std::pair{PixelFormat::I420, Rgb8Rows::portable}, std::pair{PixelFormat::NV12, Rgb8Rows::portable}}) {
          INFO(info.name << " " << w << "x" << h << " pad " << pad << " into " << zc::format_info(target).name
                         << (rows == Rgb8Rows::best ? " best rows" : " portable rows"));
          Dest d(target, w, h);
          REQUIRE(zc::zerocopy::rgb8_to_yuv(f, src.data(), stride, w, h, d.view, kBt601, rows));
          CHECK(d.y == ref.y);  // the canaries past each row included
          if (target == PixelFormat::I420) {
            CHECK(d.u == ref.u);
            CHECK(d.v == ref.v);
            continue;
          }
          std::vector<uint8_t> uv(size_t{d.view.u_pitch} * d.ch, 0x5a);
          for (uint32_t r = 0; r < d.ch; ++r) {
            for (uint32_t c = 0; c < d.cw; ++c) {
              uv[size_t{d.view.u_pitch} * r + 2 * c] = ref.u[size_t{ref.view.u_pitch} * r + c];
              uv[size_t{d.view.u_pitch} * r + 2 * c + 1] = ref.v[size_t{ref.view.v_pitch} * r + c];
            }
          }
          CHECK(d.u == uv);
          CHECK(d.v == std::vector<uint8_t>(d.v.size(), 0xc3));  // NV12 has no V plane
        }
      }
    }
  }
}

TEST_CASE("8-bit RGB rows refuse what they do not convert, writing nothing", "[cpu_import][formats]") {
  Dest d(PixelFormat::NV12, 8, 2);
  std::vector<uint8_t> src(64, 7);
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv(PixelFormat::YUY2, src.data(), 32, 8, 2, d.view, kBt601));
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv(PixelFormat::xRGB_210LE, src.data(), 32, 8, 2, d.view, kBt601));
  Dest p(PixelFormat::I420, 8, 2);
  p.view.format = PixelFormat::P010;
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv(PixelFormat::BGRx, src.data(), 32, 8, 2, p.view, kBt601));
  CHECK(d.y == std::vector<uint8_t>(d.y.size(), 0xa5));
  CHECK(p.y == std::vector<uint8_t>(p.y.size(), 0xa5));
}

TEST_CASE("8-bit RGB by BT.709 and BT.2020 at both ranges: the rows agree to the bit and follow the formula",
          "[cpu_import][formats][colour]") {
  // The formula in doubles: Y of each pixel, chroma of the mean RGB of each 2x2 block. Y within
  // 1.05 (0.5 of rounding, the factors' own rounding at 8 fractional bits: up to half a step each,
  // 0.52 at most for BT.709's blue at full range); chroma within 1.5 (the block mean rounded up
  // twice as libyuv does, and a truncating shift), 2 at full range (whose 128 for B in U and R in V
  // is 127: a signed byte).
  std::mt19937 rng(709);
  constexpr uint32_t w = 70, h = 6;
  std::vector<uint8_t> src(size_t{w} * h * 4);
  for (auto& b : src)
    b = static_cast<uint8_t>(rng());
  for (const auto matrix : {zc::ColourMatrix::BT601, zc::ColourMatrix::BT709, zc::ColourMatrix::BT2020}) {
    for (const auto range : {zc::ColourRange::Limited, zc::ColourRange::Full}) {
      const zc::YuvFactors f = zc::yuv_factors_8bit(zc::Colour{matrix, range});
      const double kr = matrix == zc::ColourMatrix::BT601 ? 0.299 : matrix == zc::ColourMatrix::BT709 ? 0.2126 : 0.2627;
      const double kb = matrix == zc::ColourMatrix::BT601 ? 0.114 : matrix == zc::ColourMatrix::BT709 ? 0.0722 : 0.0593;
      const bool full = range == zc::ColourRange::Full;
      const double ys = full ? 1.0 : 219.0 / 255.0, cs = full ? 1.0 : 224.0 / 255.0, y0 = full ? 0 : 16;
      std::vector<Dest> outs;
      for (const Rgb8Rows rows : row_kinds()) {
        INFO(zc::to_string(matrix) << " " << zc::to_string(range)
                                   << (rows == Rgb8Rows::best ? " best rows" : " portable rows"));
        Dest d(PixelFormat::I420, w, h);
        REQUIRE(zc::zerocopy::rgb8_to_yuv(PixelFormat::BGRx, src.data(), w * 4, w, h, d.view, f, rows));
        double worst_y = 0, worst_c = 0;
        for (uint32_t r = 0; r < h; ++r) {
          for (uint32_t x = 0; x < w; ++x) {
            const uint8_t* p = src.data() + (size_t{r} * w + x) * 4;
            const double want = y0 + ys * (kr * p[2] + (1 - kr - kb) * p[1] + kb * p[0]);
            worst_y = std::max(worst_y, std::abs(d.y[size_t{r} * d.view.y_pitch + x] - want));
          }
        }
        for (uint32_t r = 0; r < h / 2; ++r) {
          for (uint32_t c = 0; c < w / 2; ++c) {
            double m[3] = {0, 0, 0};
            for (const uint32_t dy : {0u, 1u}) {
              for (const uint32_t dx : {0u, 1u}) {
                const uint8_t* p = src.data() + (size_t{2 * r + dy} * w + 2 * c + dx) * 4;
                for (int k = 0; k < 3; ++k)
                  m[k] += p[k] / 4.0;
              }
            }
            const double yl = kr * m[2] + (1 - kr - kb) * m[1] + kb * m[0];
            const double cb = 128 + cs * (m[0] - yl) / (2 * (1 - kb)), cr = 128 + cs * (m[2] - yl) / (2 * (1 - kr));
            worst_c = std::max(worst_c, std::abs(d.u[size_t{r} * d.view.u_pitch + c] - std::clamp(cb, 0.0, 255.0)));
            worst_c = std::max(worst_c, std::abs(d.v[size_t{r} * d.view.v_pitch + c] - std::clamp(cr, 0.0, 255.0)));
          }
        }
        CHECK(worst_y <= 1.05);
        CHECK(worst_c <= (full ? 2.0 : 1.5));
        outs.push_back(std::move(d));
      }
      if (outs.size() == 2) {
        CHECK(outs[0].y == outs[1].y);
        CHECK(outs[0].u == outs[1].u);
        CHECK(outs[0].v == outs[1].v);
      }
    }
  }
}
