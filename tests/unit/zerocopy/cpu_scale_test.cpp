// Scaling in the same pass as conversion: sizes, geometry, and that the strips join seamlessly.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <tuple>

#include <libyuv/convert.h>
#include <libyuv/scale.h>
#include <libyuv/scale_argb.h>

#include "cpu_test_image.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using zc::PixelFormat;
using zc::test::Planes;
using zc::test::Rgba;
using zc::test::target;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::ImportTarget;

namespace {

constexpr Rgba kBlack{0, 0, 0, 255};
constexpr Rgba kWhite{255, 255, 255, 255};

// First output column of row `y` whose luma is past mid-grey.
int first_bright_column(const Planes& p, uint32_t y) {
  for (uint32_t x = 0; x < p.f.width; ++x)
    if (p.y(x, y) > 125) return static_cast<int>(x);
  return -1;
}
int first_bright_row(const Planes& p, uint32_t x) {
  for (uint32_t y = 0; y < p.f.height; ++y)
    if (p.y(x, y) > 125) return static_cast<int>(y);
  return -1;
}

}  // namespace

TEST_CASE("2:1 downscale keeps a left/right split at half its position", "[cpu_import][scale]") {
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    zc::test::PackedImage img(PixelFormat::BGRx, 256, 128);
    img.fill(kBlack);
    img.fill_rect(100, 0, 156, 128, kWhite);
    auto f = importer.import(img.frame(), target(128, 64, out));
    REQUIRE(f);
    REQUIRE(f->width == 128);
    REQUIRE(f->height == 64);
    const Planes p(*f);
    for (uint32_t y : {0u, 31u, 63u}) {
      CHECK(first_bright_column(p, y) == 50);  // 2:1 box: exact
      CHECK(p.y(0, y) == 16);
      CHECK(p.y(49, y) == 16);
      CHECK(p.y(50, y) == 235);
      CHECK(p.y(127, y) == 235);
    }
  }
  CHECK(importer.counters().scaled == 2);
}

TEST_CASE("4:1 across and another even factor down: libyuv's ARGB quarter box is not used", "[cpu_import][scale]") {
  // 64x32 -> 16x16 and 64x48 -> 16x8 took libyuv's ARGB 1/4 box path, which asserts (Debian's
  // build aborts) when the height does not shrink 4:1 too. Found by fuzzing buffer validation.
  CpuImporter importer;
  for (const auto& [w, h, out_h] : {std::tuple{64u, 32u, 16u}, std::tuple{64u, 48u, 8u}, std::tuple{64u, 16u, 8u}}) {
    zc::test::PackedImage img(PixelFormat::BGRx, w, h);
    img.fill(kBlack);
    img.fill_rect(32, 0, 32, h, kWhite);
    auto f = importer.import(img.frame(), target(16, out_h, PixelFormat::NV12));
    REQUIRE(f);
    const Planes p(*f);
    for (uint32_t y = 0; y < out_h; ++y) {  // the split, 4:1 (through I420: a level off at most)
      CHECK(p.y(7, y) <= 17);
      CHECK(p.y(8, y) >= 234);
    }
  }
}

TEST_CASE("odd ratios give the requested size and edges near their scaled position", "[cpu_import][scale]") {
  struct Case {
    uint32_t sw, sh, tw, th;
  };
  // Down at odd ratios, slightly down, up, and up in one direction only.
  // 3/4 takes the convert-then-scale path.
  const Case cases[] = {
      {300, 200, 118, 74}, {1000, 700, 662, 378}, {120, 90, 250, 186}, {64, 60, 200, 40}, {256, 192, 192, 144}};
  CpuImporter importer;
  for (const auto& c : cases) {
    for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
      INFO(c.sw << "x" << c.sh << " -> " << c.tw << "x" << c.th << " " << zc::to_string(out));
      const uint32_t edge_x = c.sw * 45 / 100;  // white from 45% across
      const uint32_t edge_y = c.sh * 60 / 100;  // and a white band from 60% down
      zc::test::PackedImage img(PixelFormat::RGBA, c.sw, c.sh);
      img.fill(kBlack);
      img.fill_rect(edge_x, 0, c.sw - edge_x, edge_y, kWhite);
      img.fill_rect(0, edge_y, c.sw, c.sh - edge_y, kWhite);
      auto f = importer.import(img.frame(), target(c.tw, c.th, out));
      REQUIRE(f);
      REQUIRE(f->width == c.tw);
      REQUIRE(f->height == c.th);
      const Planes p(*f);
      const double want_x = double(edge_x) * c.tw / c.sw;
      const double want_y = double(edge_y) * c.th / c.sh;
      CHECK(std::abs(first_bright_column(p, 0) - want_x) <= 1.5);
      CHECK(std::abs(first_bright_row(p, 0) - want_y) <= 1.5);
      // Away from the edges the image is flat black or white. libyuv's horizontal bilinear filter
      // (SSSE3, this version) weighs its two taps 127/128 in all: white comes out as 253, luma 233.
      CHECK(p.y(0, 0) == 16);
      CHECK(p.y(c.tw - 1, 0) >= 232);
      CHECK(p.y(0, c.th - 1) >= 232);
      CHECK(std::abs(p.u(0, 0) - 128) <= 1);
      CHECK(std::abs(p.v(c.tw - 1, c.th - 1) - 128) <= 1);
    }
  }
}

TEST_CASE("scaling applies to the crop only", "[cpu_import][scale]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::xRGB, 200, 100);
  img.fill({255, 0, 0, 255});              // red outside the crop
  img.fill_rect(50, 20, 100, 60, kBlack);  // the crop: black left half,
  img.fill_rect(100, 20, 50, 60, kWhite);  // white right half
  auto frame = img.frame();
  frame.crop = zc::Rect{50, 20, 100, 60};
  auto f = importer.import(frame, target(40, 24));
  REQUIRE(f);
  const Planes p(*f);
  for (uint32_t y = 0; y < 24; ++y) {
    CHECK(first_bright_column(p, y) == 20);
    for (uint32_t x = 0; x < 40; ++x)
      REQUIRE(std::abs(p.v(x, y) - 128) <= 1);  // no red
  }
}

TEST_CASE("strips join seamlessly: same result as libyuv scaling the whole frame", "[cpu_import][scale]") {
  // The importer scales in cache-sized strips of rows; the reference scales the whole frame at
  // once into a full-size buffer and converts it. They must agree exactly, strip borders included.
  std::mt19937 rng(42);
  const struct {
    uint32_t sw, sh, tw, th;
  } cases[] = {{1280, 720, 640, 360}, {1000, 700, 662, 378}, {640, 360, 960, 540}};
  CpuImporter importer;
  for (const auto& c : cases) {
    INFO(c.sw << "x" << c.sh << " -> " << c.tw << "x" << c.th);
    zc::test::PackedImage img(PixelFormat::BGRx, c.sw, c.sh);
    for (size_t i = 0; i < img.size(); ++i)
      img.data()[i] = static_cast<uint8_t>(rng());
    auto f = importer.import(img.frame(), target(c.tw, c.th, PixelFormat::I420));
    REQUIRE(f);

    std::vector<uint8_t> argb(size_t{c.tw} * c.th * 4), y(size_t{c.tw} * c.th), u(size_t{c.tw / 2} * (c.th / 2)),
        v(u.size());
    REQUIRE(libyuv::ARGBScale(img.data(), int(img.stride()), int(c.sw), int(c.sh), argb.data(), int(c.tw * 4),
                              int(c.tw), int(c.th), libyuv::kFilterBox) == 0);
    REQUIRE(libyuv::ARGBToI420(argb.data(), int(c.tw * 4), y.data(), int(c.tw), u.data(), int(c.tw / 2), v.data(),
                               int(c.tw / 2), int(c.tw), int(c.th)) == 0);
    size_t mismatches = 0;
    for (uint32_t row = 0; row < c.th; ++row)
      for (uint32_t x = 0; x < c.tw; ++x)
        mismatches += f->cpu_plane(0)[row * f->pitches[0] + x] != y[row * c.tw + x];
    for (uint32_t row = 0; row < c.th / 2; ++row)
      for (uint32_t x = 0; x < c.tw / 2; ++x) {
        mismatches += f->cpu_plane(1)[row * f->pitches[1] + x] != u[row * (c.tw / 2) + x];
        mismatches += f->cpu_plane(2)[row * f->pitches[2] + x] != v[row * (c.tw / 2) + x];
      }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("an exact 3/4 downscale equals converting first and scaling the planes", "[cpu_import][scale]") {
  // The one ratio where libyuv's planar scaler is cheaper than strips (see convert.cpp).
  std::mt19937 rng(7);
  const uint32_t sw = 640, sh = 360, tw = 480, th = 270;
  zc::test::PackedImage img(PixelFormat::xBGR, sw, sh);
  for (size_t i = 0; i < img.size(); ++i)
    img.data()[i] = static_cast<uint8_t>(rng());
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    auto f = importer.import(img.frame(), target(tw, th, out));
    REQUIRE(f);
    std::vector<uint8_t> fy(sw * sh), fu(sw / 2 * (sh / 2)), fv(fu.size()), y(tw * th), u(tw / 2 * (th / 2)),
        v(u.size());
    REQUIRE(libyuv::RGBAToI420(img.data(), int(img.stride()), fy.data(), sw, fu.data(), sw / 2, fv.data(), sw / 2, sw,
                               sh) == 0);
    REQUIRE(libyuv::I420Scale(fy.data(), sw, fu.data(), sw / 2, fv.data(), sw / 2, sw, sh, y.data(), tw, u.data(),
                              tw / 2, v.data(), tw / 2, tw, th, libyuv::kFilterBox) == 0);
    const Planes p(*f);
    size_t mismatches = 0;
    for (uint32_t row = 0; row < th; ++row)
      for (uint32_t x = 0; x < tw; ++x) {
        mismatches += p.y(x, row) != y[row * tw + x];
        if (row % 2 == 0 && x % 2 == 0) {
          mismatches += p.u(x, row) != u[row / 2 * (tw / 2) + x / 2];
          mismatches += p.v(x, row) != v[row / 2 * (tw / 2) + x / 2];
        }
      }
    CHECK(mismatches == 0);
  }
}
