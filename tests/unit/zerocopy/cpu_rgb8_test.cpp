// The AVX2 rows for 8-bit RGB (rgb8.hpp) against libyuv, which the importer ran before them and
// still runs on CPUs without AVX2: every 32-bit order and both 24-bit formats, brought into libyuv
// "ARGB" bytes and converted by ARGBToI420, must come out equal byte for byte, over odd sizes,
// strides and tails, with nothing written outside the image.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include <libyuv/convert.h>

#include "canary_planes.hpp"
#include "core/pixel_format.hpp"
#include "support/skip.hpp"
#include "zerocopy/cpu/rgb8.hpp"

using zc::PixelFormat;

namespace {

constexpr PixelFormat kRgb8[] = {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA,
                                 PixelFormat::xRGB, PixelFormat::ARGB, PixelFormat::xBGR, PixelFormat::ABGR,
                                 PixelFormat::RGB,  PixelFormat::BGR};

using Dest = zc::test::CanaryPlanes;

}  // namespace

TEST_CASE("8-bit RGB: the AVX2 rows equal libyuv's ARGBToI420 byte for byte, nothing written around",
          "[cpu_import][formats]") {
  if (!__builtin_cpu_supports("avx2")) ZC_SKIP("this CPU has no AVX2: the importer runs libyuv's rows here");
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
        for (const PixelFormat target : {PixelFormat::I420, PixelFormat::NV12}) {
          INFO(info.name << " " << w << "x" << h << " pad " << pad << " into " << zc::format_info(target).name);
          Dest d(target, w, h);
          REQUIRE(zc::zerocopy::rgb8_to_yuv_avx2(f, src.data(), stride, w, h, d.view));
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
  if (!__builtin_cpu_supports("avx2")) ZC_SKIP("this CPU has no AVX2: the rows refuse everything here");
  Dest d(PixelFormat::NV12, 8, 2);
  std::vector<uint8_t> src(64, 7);
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv_avx2(PixelFormat::YUY2, src.data(), 32, 8, 2, d.view));
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv_avx2(PixelFormat::xRGB_210LE, src.data(), 32, 8, 2, d.view));
  Dest p(PixelFormat::I420, 8, 2);
  p.view.format = PixelFormat::P010;
  CHECK_FALSE(zc::zerocopy::rgb8_to_yuv_avx2(PixelFormat::BGRx, src.data(), 32, 8, 2, p.view));
  CHECK(d.y == std::vector<uint8_t>(d.y.size(), 0xa5));
  CHECK(p.y == std::vector<uint8_t>(p.y.size(), 0xa5));
}
