#include <catch2/catch.hpp>

#include "core/pixel_format.hpp"

TEST_CASE("pixel formats round-trip through names and DRM fourccs", "[pixel_format]") {
  using zc::PixelFormat;
  for (auto f : {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA, PixelFormat::xRGB,
                 PixelFormat::xBGR, PixelFormat::ARGB, PixelFormat::ABGR}) {
    CHECK(zc::pixel_format_from_string(zc::to_string(f)) == f);
    REQUIRE(zc::drm_fourcc(f) != 0);
    CHECK(zc::pixel_format_from_drm(zc::drm_fourcc(f)) == f);
    CHECK(zc::bytes_per_pixel(f) == 4);
  }
  CHECK(zc::drm_fourcc(PixelFormat::BGRx) == 0x34325258);  // DRM_FORMAT_XRGB8888 'XR24'
  CHECK(zc::drm_fourcc(PixelFormat::NV12) == 0);
  CHECK_FALSE(zc::pixel_format_from_string("YUY2"));
}

TEST_CASE("the packed layout table agrees with the formats' names (bytes in memory order)", "[pixel_format]") {
  using zc::PixelFormat;
  for (auto f : {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA, PixelFormat::xRGB,
                 PixelFormat::xBGR, PixelFormat::ARGB, PixelFormat::ABGR}) {
    const std::string name(zc::to_string(f));
    const zc::PackedLayout l = zc::packed_layout(f);
    INFO(name);
    CHECK(name[l.r] == 'R');
    CHECK(name[l.g] == 'G');
    CHECK(name[l.b] == 'B');
    CHECK((name[l.a] == 'x' || name[l.a] == 'A'));
    CHECK((name[l.a] == 'A') == zc::has_alpha(f));
  }
}
