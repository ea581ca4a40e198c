// The two row implementations of 10-bit RGB to P010 / I010 (rgb10.hpp): the AVX2 rows that the
// importer runs on this machine and the portable rows that CPUs without AVX2 run. Random pixels
// over odd sizes, strides and crops, so every SIMD block, edge and tail is hit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "canary_planes.hpp"
#include "zerocopy/cpu/rgb10.hpp"

using zc::PixelFormat;
using zc::zerocopy::Rgb10Rows;

namespace {

const zc::Colour kBt601{zc::ColourMatrix::BT601, zc::ColourRange::Limited};

constexpr PixelFormat kRgb10[] = {PixelFormat::xRGB_210LE, PixelFormat::xBGR_210LE, PixelFormat::RGBx_102LE,
                                  PixelFormat::BGRx_102LE, PixelFormat::ARGB_210LE, PixelFormat::ABGR_210LE,
                                  PixelFormat::RGBA_102LE, PixelFormat::BGRA_102LE};

// A random source, `pad` bytes past each row's pixels (alpha and padding bits random too: they
// must be ignored).
struct Source {
  Source(uint32_t w, uint32_t h, uint32_t pad, std::mt19937& rng) : w(w), h(h), stride(w * 4 + pad) {
    bytes.resize(size_t{stride} * h);
    for (auto& b : bytes)
      b = static_cast<uint8_t>(rng());
  }
  uint32_t w, h, stride;
  std::vector<uint8_t> bytes;
};

// A P010 or I010 destination with canaries, read back as 10-bit samples.
struct Dest : zc::test::CanaryPlanes {
  using CanaryPlanes::CanaryPlanes;
  int sample(const std::vector<uint8_t>& plane, uint32_t pitch, uint32_t row, uint32_t index) const {
    uint16_t s = 0;
    std::memcpy(&s, plane.data() + size_t{pitch} * row + size_t{index} * 2, 2);
    return view.format == PixelFormat::P010 ? s >> 6 : s;
  }
  int luma(uint32_t x, uint32_t row) const { return sample(y, view.y_pitch, row, x); }
  int cb(uint32_t i, uint32_t row) const {
    return view.format == PixelFormat::P010 ? sample(u, view.u_pitch, row, 2 * i) : sample(u, view.u_pitch, row, i);
  }
  int cr(uint32_t i, uint32_t row) const {
    return view.format == PixelFormat::P010 ? sample(u, view.u_pitch, row, 2 * i + 1) : sample(v, view.v_pitch, row, i);
  }
};

struct Rgb {
  double r, g, b;
};

Rgb pixel(PixelFormat f, const uint8_t* p) {
  uint32_t w = 0;
  std::memcpy(&w, p, 4);
  const auto l = zc::format_info(f).rgb10;
  return {static_cast<double>((w >> l.r) & 0x3ff), static_cast<double>((w >> l.g) & 0x3ff),
          static_cast<double>((w >> l.b) & 0x3ff)};
}

}  // namespace

TEST_CASE("10-bit RGB: the AVX2 rows and the portable rows agree to the bit", "[cpu_import][10bit]") {
  // Bit for bit, not within 1 LSB: both compute the same integer sums with the same factors and
  // shifts (rgb10_rows.hpp), only in a different order, which integer addition does not mind.
  if (!zc::zerocopy::rgb10_simd_rows()) {
    WARN("this CPU has no AVX2: the portable rows are the only ones");
    return;
  }
  std::mt19937 rng(12);
  const uint32_t widths[] = {1, 2, 3, 15, 16, 17, 31, 33, 47, 48, 63, 64, 65, 130, 1921};
  const uint32_t heights[] = {1, 2, 3, 4, 5, 9};
  for (const zc::Colour colour : {kBt601, zc::Colour{zc::ColourMatrix::BT709, zc::ColourRange::Full},
                                  zc::Colour{zc::ColourMatrix::BT2020, zc::ColourRange::Limited}}) {
    for (const PixelFormat in : kRgb10) {
      for (const PixelFormat out : {PixelFormat::P010, PixelFormat::I010}) {
        for (const uint32_t w : widths) {
          for (const uint32_t h : heights) {
            INFO(zc::to_string(in) << " -> " << zc::to_string(out) << " " << w << "x" << h << " "
                                   << zc::describe(colour));
            // A crop: the image starts 3 pixels and 1 row into a larger source with padded rows.
            const Source src(w + 5, h + 2, 4 * (w % 3), rng);
            const uint8_t* origin = src.bytes.data() + src.stride + 12;
            Dest simd(out, w, h), portable(out, w, h);
            zc::zerocopy::rgb10_to_yuv10(in, origin, src.stride, w, h, simd.view, colour, Rgb10Rows::best);
            zc::zerocopy::rgb10_to_yuv10(in, origin, src.stride, w, h, portable.view, colour, Rgb10Rows::portable);
            CHECK(simd.y == portable.y);
            CHECK(simd.u == portable.u);
            CHECK(simd.v == portable.v);
          }
        }
      }
    }
  }
}

TEST_CASE("10-bit RGB: both row implementations follow BT.601 and leave the bytes around the image",
          "[cpu_import][10bit]") {
  // Random pixels against the formula in doubles: Y of each pixel, chroma of the mean RGB of each
  // 2x2 block (an odd last column or row: the pixels it has). Within 0.6 of a 10-bit step: 0.5 of
  // rounding plus what 15-bit factors cost (< 0.05); the importer's tests allow 1.5.
  std::mt19937 rng(2024);
  for (const Rgb10Rows rows : {Rgb10Rows::best, Rgb10Rows::portable}) {
    for (const PixelFormat in : kRgb10) {
      for (const PixelFormat out : {PixelFormat::P010, PixelFormat::I010}) {
        for (const auto& [w, h] : {std::pair{35u, 7u}, std::pair{64u, 4u}, std::pair{1u, 1u}, std::pair{18u, 3u}}) {
          INFO(zc::to_string(in) << " -> " << zc::to_string(out) << " " << w << "x" << h
                                 << (rows == Rgb10Rows::best ? " best rows" : " portable rows"));
          const Source src(w, h, 8, rng);
          Dest dst(out, w, h);
          const Dest untouched(out, w, h);
          zc::zerocopy::rgb10_to_yuv10(in, src.bytes.data(), src.stride, w, h, dst.view, kBt601, rows);
          double worst = 0;
          for (uint32_t row = 0; row < h; ++row) {
            for (uint32_t x = 0; x < w; ++x) {
              const Rgb p = pixel(in, src.bytes.data() + size_t{src.stride} * row + size_t{x} * 4);
              const double want = 64 + 876 * (0.299 * p.r + 0.587 * p.g + 0.114 * p.b) / 1023;
              worst = std::max(worst, std::abs(dst.luma(x, row) - want));
            }
          }
          for (uint32_t row = 0; row < (h + 1) / 2; ++row) {
            for (uint32_t i = 0; i < (w + 1) / 2; ++i) {
              Rgb sum{0, 0, 0};
              int n = 0;
              for (uint32_t r = 2 * row; r < std::min(2 * row + 2, h); ++r) {
                for (uint32_t x = 2 * i; x < std::min(2 * i + 2, w); ++x) {
                  const Rgb p = pixel(in, src.bytes.data() + size_t{src.stride} * r + size_t{x} * 4);
                  sum = {sum.r + p.r, sum.g + p.g, sum.b + p.b};
                  ++n;
                }
              }
              const Rgb m{sum.r / n, sum.g / n, sum.b / n};
              const double ey = (0.299 * m.r + 0.587 * m.g + 0.114 * m.b) / 1023;
              worst = std::max(worst, std::abs(dst.cb(i, row) - (512 + 896 * (m.b / 1023 - ey) / 1.772)));
              worst = std::max(worst, std::abs(dst.cr(i, row) - (512 + 896 * (m.r / 1023 - ey) / 1.402)));
            }
          }
          CHECK(worst <= 0.6);
          // Past each row's samples, the canary is still there.
          for (uint32_t row = 0; row < h; ++row) {
            const size_t used = size_t{w} * 2, at = size_t{dst.view.y_pitch} * row;
            CHECK(std::equal(dst.y.begin() + at + used, dst.y.begin() + at + dst.view.y_pitch,
                             untouched.y.begin() + at + used));
          }
          const size_t chroma_used = size_t{(w + 1) / 2} * (out == PixelFormat::P010 ? 4 : 2);
          for (uint32_t row = 0; row < (h + 1) / 2; ++row) {
            const size_t at = size_t{dst.view.u_pitch} * row;
            CHECK(std::equal(dst.u.begin() + at + chroma_used, dst.u.begin() + at + dst.view.u_pitch,
                             untouched.u.begin() + at + chroma_used));
            if (out == PixelFormat::I010) {
              const size_t at_v = size_t{dst.view.v_pitch} * row;
              CHECK(std::equal(dst.v.begin() + at_v + chroma_used, dst.v.begin() + at_v + dst.view.v_pitch,
                               untouched.v.begin() + at_v + chroma_used));
            }
          }
        }
      }
    }
  }
}
