// Every raw source format through the CPU importer (issue 12): colours against the BT.601 formula,
// two-colour pictures identical across formats, odd sizes, crops and scaling, plane validation.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <set>

#include "cpu_source_image.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using zc::PixelFormat;
using zc::test::Planes;
using zc::test::Rgba;
using zc::test::SourceImage;
using zc::test::target;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::ImportTarget;

namespace {

bool is_yuv(PixelFormat f) {
  const auto kind = zc::format_info(f).kind;
  return kind == zc::FormatKind::yuv420 || kind == zc::FormatKind::yuv422;
}

}  // namespace

TEST_CASE("every source format converts known colours to BT.601 limited range", "[cpu_import][formats]") {
  const Rgba colours[] = {{0, 0, 0, 255},   {255, 255, 255, 255}, {255, 0, 0, 255}, {0, 255, 0, 255},
                          {0, 0, 255, 255}, {128, 128, 128, 255}, {30, 200, 90, 0}, {200, 40, 160, 128}};
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    for (const PixelFormat in : zc::test::kSourceFormats) {
      for (const Rgba c : colours) {
        INFO(zc::to_string(in) << " -> " << zc::to_string(out) << " rgb " << int(c.r) << "," << int(c.g) << ","
                               << int(c.b));
        SourceImage img(in, 64, 34);
        img.fill(c);
        auto f = importer.import(img.frame(), target(64, 34, out));
        REQUIRE(f);
        const Planes p(*f);
        const auto want = zc::test::bt601(c);
        // YUV sources are copied: their samples come out as they went in (bt601 rounded).
        const double tolerance = is_yuv(in) ? 0.5 : 2;
        for (uint32_t y : {0u, 17u, 33u}) {
          for (uint32_t x : {0u, 31u, 63u}) {
            CHECK(std::abs(p.y(x, y) - want.y) <= tolerance);
            CHECK(std::abs(p.u(x, y) - want.u) <= tolerance);
            CHECK(std::abs(p.v(x, y) - want.v) <= tolerance);
          }
        }
      }
    }
  }
  CHECK(importer.counters().failed == 0);
}

TEST_CASE("a two-colour picture comes out the same from every RGB format, and close from every YUV one",
          "[cpu_import][formats]") {
  // Catches swapped channels or planes that a single colour cannot (YV12's V before U, UYVY).
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    std::vector<uint8_t> reference;
    for (const PixelFormat in : zc::test::kSourceFormats) {
      INFO(zc::to_string(in) << " -> " << zc::to_string(out));
      SourceImage img(in, 32, 32);
      img.fill({250, 120, 10, 255});
      img.fill_rect(8, 4, 16, 20, {20, 90, 240, 255});
      auto f = importer.import(img.frame(), target(32, 32, out));
      REQUIRE(f);
      const auto snap = Planes(*f).snapshot();
      if (reference.empty()) {
        reference = snap;
        continue;
      }
      REQUIRE(snap.size() == reference.size());
      int worst = 0;
      for (size_t i = 0; i < snap.size(); ++i)
        worst = std::max(worst, std::abs(int(snap[i]) - int(reference[i])));
      // RGB formats go through the same libyuv maths: identical; YUV ones were made by the formula.
      CHECK(worst <= (is_yuv(in) ? 2 : 0));
    }
  }
}

TEST_CASE("odd sizes, odd crops and scaling in every source format stay inside the buffers", "[cpu_import][formats]") {
  // Sizes and crops that leave half a chroma sample at an edge; scaling through the full-size
  // conversion. ASan/UBSan builds run this: any read past a plane fails there.
  CpuImporter importer;
  for (const PixelFormat in : zc::test::kSourceFormats) {
    for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
      INFO(zc::to_string(in) << " -> " << zc::to_string(out));
      SourceImage img(in, 67, 39, 0);  // odd both ways, rows as tight as the format allows
      img.fill({40, 160, 220, 255});
      auto frame = img.frame();
      auto whole = importer.import(frame, target(66, 38, out));
      REQUIRE(whole);
      const auto want = zc::test::bt601({40, 160, 220, 255});
      CHECK(std::abs(Planes(*whole).y(65, 37) - want.y) <= 2);
      CHECK(std::abs(Planes(*whole).v(65, 37) - want.v) <= 2);
      auto larger = importer.import(frame, target(68, 40, out));  // one more: the edge repeats
      REQUIRE(larger);
      CHECK(std::abs(Planes(*larger).y(67, 39) - want.y) <= 2);
      frame.crop = zc::Rect{5, 3, 51, 29};
      auto cropped = importer.import(frame, target(50, 28, out));
      REQUIRE(cropped);
      CHECK(std::abs(Planes(*cropped).u(49, 27) - want.u) <= 2);
      for (auto [w, h] : {std::pair{32u, 20u}, std::pair{134u, 78u}, std::pair{50u, 30u}}) {
        auto scaled = importer.import(frame, target(w, h, out));
        REQUIRE(scaled);
        CHECK(std::abs(Planes(*scaled).y(w - 1, h - 1) - want.y) <= 2);
        CHECK(std::abs(Planes(*scaled).u(w - 1, h - 1) - want.u) <= 2);
      }
    }
  }
  CHECK(importer.counters().failed == 0);
}

TEST_CASE("a crop of a subsampled format starts on a whole chroma sample", "[cpu_import][formats]") {
  CpuImporter importer;
  for (const PixelFormat in : {PixelFormat::NV12, PixelFormat::I420, PixelFormat::YV12, PixelFormat::YUY2}) {
    INFO(zc::to_string(in));
    SourceImage img(in, 64, 32);
    img.fill({255, 0, 0, 255});
    img.fill_rect(10, 6, 20, 12, {0, 0, 255, 255});
    auto frame = img.frame();
    frame.crop = zc::Rect{11, 7, 18, 10};  // odd: rounded down to (10, 6)
    auto f = importer.import(frame, target(18, 10));
    REQUIRE(f);
    const auto blue = zc::test::bt601({0, 0, 255, 255});
    CHECK(std::abs(Planes(*f).y(0, 0) - blue.y) <= 1);
    CHECK(std::abs(Planes(*f).u(0, 0) - blue.u) <= 1);
    CHECK(std::abs(Planes(*f).v(17, 9) - blue.v) <= 1);
  }
}

TEST_CASE("planar frames with a missing or short chroma plane are refused", "[cpu_import][formats]") {
  CpuImporter importer;
  for (const PixelFormat in : {PixelFormat::NV12, PixelFormat::I420, PixelFormat::YV12}) {
    INFO(zc::to_string(in));
    SourceImage img(in, 32, 16);
    auto no_chroma = img.frame();
    no_chroma.chroma[0] = {};
    auto r = importer.import(no_chroma, target(32, 16));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == zc::Errc::invalid_argument);
    auto short_chroma = img.frame();
    short_chroma.chroma[in == PixelFormat::NV12 ? 0 : 1].size = 10;
    r = importer.import(short_chroma, target(32, 16));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == zc::Errc::invalid_argument);
  }
  SourceImage rgb(PixelFormat::RGB, 32, 16);
  auto narrow = rgb.frame();
  narrow.stride = 32 * 3 - 1;
  CHECK_FALSE(importer.import(narrow, target(32, 16)));
  // Encoder layouts and MJPEG are not sources for the converter.
  auto p010 = rgb.frame();
  p010.format = PixelFormat::P010;
  auto r = importer.import(p010, target(32, 16));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::rejected);
}

namespace {

// Reads samples of a P010 or I010 DeviceFrame as 10-bit values.
struct Planes16 {
  explicit Planes16(const zc::DeviceFrame& f) : f(f) {}
  int at(size_t plane, uint32_t row, uint32_t index) const {
    uint16_t v = 0;
    std::memcpy(&v, f.cpu_plane(plane) + size_t{row} * f.pitches[plane] + size_t{index} * 2, 2);
    return f.format == PixelFormat::P010 ? v >> 6 : v;
  }
  int y(uint32_t x, uint32_t row) const { return at(0, row, x); }
  int u(uint32_t x, uint32_t row) const {
    return f.format == PixelFormat::P010 ? at(1, row / 2, (x / 2) * 2) : at(1, row / 2, x / 2);
  }
  int v(uint32_t x, uint32_t row) const {
    return f.format == PixelFormat::P010 ? at(1, row / 2, (x / 2) * 2 + 1) : at(2, row / 2, x / 2);
  }
  const zc::DeviceFrame& f;
};

// BT.601 limited range at 10 bits, from 10-bit RGB.
zc::test::Yuv bt601_10(double r, double g, double b) {
  const double ey = (0.299 * r + 0.587 * g + 0.114 * b) / 1023.0;
  return {64 + 876 * ey, 512 + 896 * (b / 1023.0 - ey) / 1.772, 512 + 896 * (r / 1023.0 - ey) / 1.402};
}

uint32_t wide(uint8_t v) {
  return (uint32_t{v} << 2) | (v >> 6);
}

}  // namespace

TEST_CASE("10-bit RGB into P010 and I010 keeps 10 bits, BT.601 limited range", "[cpu_import][formats][10bit]") {
  const Rgba colours[] = {{0, 0, 0, 255},   {255, 255, 255, 255}, {255, 0, 0, 255},   {0, 255, 0, 255},
                          {0, 0, 255, 255}, {128, 128, 128, 255}, {30, 200, 90, 255}, {200, 40, 160, 255}};
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::P010, PixelFormat::I010}) {
    for (const PixelFormat in : {PixelFormat::xRGB_210LE, PixelFormat::xBGR_210LE, PixelFormat::RGBx_102LE,
                                 PixelFormat::BGRx_102LE, PixelFormat::ARGB_210LE, PixelFormat::BGRA_102LE}) {
      for (const Rgba c : colours) {
        INFO(zc::to_string(in) << " -> " << zc::to_string(out) << " rgb " << int(c.r) << "," << int(c.g) << ","
                               << int(c.b));
        SourceImage img(in, 67, 35);  // odd: the last chroma samples from one column / row
        img.fill(c);
        for (const auto& [tw, th] : {std::pair{66u, 34u}, std::pair{68u, 36u}, std::pair{34u, 18u}}) {
          auto f = importer.import(img.frame(), target(tw, th, out));
          REQUIRE(f);
          REQUIRE(f->format == out);
          const Planes16 p(*f);
          const auto want = bt601_10(wide(c.r), wide(c.g), wide(c.b));
          for (uint32_t y : {0u, th / 2, th - 1}) {
            for (uint32_t x : {0u, tw / 2, tw - 1}) {
              CHECK(std::abs(p.y(x, y) - want.y) <= 1.5);
              CHECK(std::abs(p.u(x, y) - want.u) <= 1.5);
              CHECK(std::abs(p.v(x, y) - want.v) <= 1.5);
            }
          }
        }
      }
    }
  }
  CHECK(importer.counters().failed == 0);
}

TEST_CASE("a 10-bit grey ramp keeps more than 256 levels at 10 bits, and 256 at most at 8", "[cpu_import][10bit]") {
  constexpr uint32_t kWidth = 1024;
  SourceImage img(PixelFormat::xRGB_210LE, kWidth, 4);
  auto frame = img.frame();
  for (uint32_t x = 0; x < kWidth; ++x) {
    const uint32_t word = (x << 20) | (x << 10) | x;
    for (uint32_t row = 0; row < 4; ++row)
      std::memcpy(img.plane(0) + size_t{row} * frame.stride + size_t{x} * 4, &word, 4);
  }
  CpuImporter importer;
  auto ten = importer.import(frame, target(kWidth, 4, PixelFormat::I010));
  auto eight = importer.import(frame, target(kWidth, 4, PixelFormat::NV12));
  REQUIRE(ten);
  REQUIRE(eight);
  std::set<int> levels10, levels8;
  for (uint32_t x = 0; x < kWidth; ++x) {
    levels10.insert(Planes16(*ten).y(x, 1));
    levels8.insert(Planes(*eight).y(x, 1));
  }
  CHECK(levels10.size() > 800);  // 64..940: every step of the ramp that survives 876/1023
  CHECK(levels8.size() <= 256);
  CHECK(Planes16(*ten).y(0, 0) == 64);
  CHECK(Planes16(*ten).y(kWidth - 1, 0) == 940);
}

TEST_CASE("8-bit sources into a 10-bit target are widened, any format", "[cpu_import][formats][10bit]") {
  CpuImporter importer;
  for (const PixelFormat in : zc::test::kSourceFormats) {
    for (const PixelFormat out : {PixelFormat::P010, PixelFormat::I010}) {
      if (zc::bit_depth(in) > 8) continue;
      INFO(zc::to_string(in) << " -> " << zc::to_string(out));
      SourceImage img(in, 50, 30);
      img.fill({30, 200, 90, 255});
      auto f8 = importer.import(img.frame(), target(50, 30, PixelFormat::I420));
      auto f10 = importer.import(img.frame(), target(50, 30, out));
      auto scaled = importer.import(img.frame(), target(24, 14, out));
      REQUIRE(f8);
      REQUIRE(f10);
      REQUIRE(scaled);
      for (uint32_t y : {0u, 29u}) {
        for (uint32_t x : {0u, 49u}) {
          CHECK(Planes16(*f10).y(x, y) == 4 * Planes(*f8).y(x, y));
          CHECK(Planes16(*f10).u(x, y) == 4 * Planes(*f8).u(x, y));
          CHECK(Planes16(*f10).v(x, y) == 4 * Planes(*f8).v(x, y));
        }
      }
      CHECK(std::abs(Planes16(*scaled).y(23, 13) - 4 * Planes(*f8).y(0, 0)) <= 4);
    }
  }
}

TEST_CASE("the cursor is composited at 10 bits too", "[cpu_import][10bit]") {
  CpuImporter importer;
  SourceImage img(PixelFormat::xRGB_210LE, 64, 32);
  img.fill({0, 0, 0, 255});
  std::vector<uint8_t> bitmap(16 * 16 * 4, 0xff);  // opaque white BGRA
  auto frame = img.frame();
  frame.cursor.visible = true;
  frame.cursor.x = 8;
  frame.cursor.y = 4;
  frame.cursor.width = 16;
  frame.cursor.height = 16;
  frame.cursor.stride = 16 * 4;
  frame.cursor.format = PixelFormat::BGRA;
  frame.cursor.pixels = bitmap.data();
  for (const PixelFormat out : {PixelFormat::P010, PixelFormat::I010}) {
    auto f = importer.import(frame, target(64, 32, out));
    REQUIRE(f);
    const Planes16 p(*f);
    CHECK(p.y(10, 6) == 4 * 235);  // white at 8 bits, scaled: 940
    CHECK(p.u(10, 6) == 512);
    CHECK(p.y(40, 6) == 64);  // black outside the cursor
  }
}
