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
  CHECK(zc::drm_fourcc(PixelFormat::BGRx) == 0x34325258);        // DRM_FORMAT_XRGB8888 'XR24'
  CHECK(zc::drm_fourcc(PixelFormat::xRGB_210LE) == 0x30335258);  // DRM_FORMAT_XRGB2101010 'XR30'
  CHECK(zc::drm_fourcc(PixelFormat::NV12) == 0);
  CHECK(zc::drm_fourcc(PixelFormat::RGB) == 0);
  CHECK_FALSE(zc::pixel_format_from_string("Y444"));
  for (size_t i = 0; i < zc::kPixelFormatCount; ++i) {
    const auto f = static_cast<PixelFormat>(i);
    CHECK(zc::pixel_format_from_string(zc::to_string(f)) == f);
  }
}

TEST_CASE("only 32-bit RGB at 8 bits per channel counts as packed RGB (the GPU passes' formats)", "[pixel_format]") {
  using zc::PixelFormat;
  size_t packed = 0;
  for (size_t i = 0; i < zc::kPixelFormatCount; ++i)
    packed += zc::is_packed_rgb(static_cast<PixelFormat>(i));
  CHECK(packed == 8);
  CHECK_FALSE(zc::is_packed_rgb(PixelFormat::RGB));
  CHECK_FALSE(zc::is_packed_rgb(PixelFormat::xRGB_210LE));
  CHECK_FALSE(zc::is_packed_rgb(PixelFormat::YUY2));
  CHECK(zc::bytes_per_pixel(PixelFormat::RGB) == 3);
  CHECK(zc::bytes_per_pixel(PixelFormat::YUY2) == 2);
  CHECK(zc::bytes_per_pixel(PixelFormat::ABGR_210LE) == 4);
  CHECK(zc::bytes_per_pixel(PixelFormat::I420) == 0);
  CHECK(zc::bit_depth(PixelFormat::RGBx_102LE) == 10);
  CHECK(zc::has_alpha(PixelFormat::ARGB_210LE));
  CHECK_FALSE(zc::has_alpha(PixelFormat::xRGB_210LE));
}

TEST_CASE("the 10-bit layouts agree with the formats' names (channels from the top bit down)", "[pixel_format]") {
  using zc::PixelFormat;
  // "xRGB_210LE": x:R:G:B 2:10:10:10 from bit 31 down; "RGBx_102LE": R:G:B:x 10:10:10:2.
  for (auto f : {PixelFormat::xRGB_210LE, PixelFormat::xBGR_210LE, PixelFormat::RGBx_102LE, PixelFormat::BGRx_102LE,
                 PixelFormat::ARGB_210LE, PixelFormat::ABGR_210LE, PixelFormat::RGBA_102LE, PixelFormat::BGRA_102LE}) {
    const std::string name(zc::to_string(f));
    INFO(name);
    const bool pad_first = name.substr(5) == "210LE";
    int bit = 32 - (pad_first ? 2 : 0);
    const zc::Rgb10Layout l = zc::format_info(f).rgb10;
    for (size_t i = pad_first ? 1 : 0; i < (pad_first ? 4u : 3u); ++i) {
      bit -= 10;
      const int at = name[i] == 'R' ? l.r : name[i] == 'G' ? l.g : l.b;
      CHECK(at == bit);
    }
  }
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
