// Cursor compositing: placement, straight alpha, clipping at every edge, off-screen, scaling.
#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>

#include "cpu_test_image.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using zc::PixelFormat;
using zc::test::Planes;
using zc::test::Rgba;
using zc::test::target;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::ImportTarget;

namespace {

constexpr Rgba kGrey{100, 100, 100, 255};

// A bitmap in exactly stride * height bytes, so ASan sees any read past it.
struct Bitmap {
  Bitmap(PixelFormat format, uint32_t w, uint32_t h, Rgba c) : format(format), w(w), h(h), bytes(size_t{w} * h * 4) {
    for (size_t i = 0; i < size_t{w} * h; ++i)
      zc::test::pack(format, c, bytes.data() + i * 4);
  }
  zc::Cursor at(int32_t x, int32_t y) const {
    zc::Cursor c;
    c.visible = true;
    c.x = x;
    c.y = y;
    c.width = w;
    c.height = h;
    c.stride = w * 4;
    c.format = format;
    c.pixels = bytes.data();
    return c;
  }
  PixelFormat format;
  uint32_t w, h;
  std::vector<uint8_t> bytes;
};

struct Result {
  std::vector<uint8_t> snapshot;
  std::vector<uint8_t> luma;  // width * height
  uint32_t width = 0;
  int y(uint32_t x, uint32_t row) const { return luma[size_t{row} * width + x]; }
};

Result run(CpuImporter& importer, const zc::Frame& frame, const ImportTarget& t) {
  auto f = importer.import(frame, t);
  REQUIRE(f);
  const Planes p(*f);
  Result r;
  r.snapshot = p.snapshot();
  r.width = f->width;
  for (uint32_t row = 0; row < f->height; ++row)
    for (uint32_t x = 0; x < f->width; ++x)
      r.luma.push_back(static_cast<uint8_t>(p.y(x, row)));
  return r;
}

// Luma pixels that differ from the cursor-less picture.
size_t changed(const Result& a, const Result& b) {
  size_t n = 0;
  for (size_t i = 0; i < a.luma.size(); ++i)
    n += a.luma[i] != b.luma[i];
  return n;
}

}  // namespace

TEST_CASE("cursor lands at its position with its colour", "[cpu_import][cursor]") {
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    zc::test::PackedImage img(PixelFormat::BGRx, 64, 64);
    img.fill(kGrey);
    const Bitmap red(PixelFormat::BGRA, 8, 8, {255, 0, 0, 255});
    auto frame = img.frame();
    const Result plain = run(importer, frame, target(64, 64, out));
    frame.cursor = red.at(10, 12);
    auto f = importer.import(frame, target(64, 64, out));
    REQUIRE(f);
    const Planes p(*f);
    const auto want = zc::test::bt601({255, 0, 0, 255});
    const auto grey = zc::test::bt601(kGrey);
    for (uint32_t y = 0; y < 64; ++y) {
      for (uint32_t x = 0; x < 64; ++x) {
        const bool inside = x >= 10 && x < 18 && y >= 12 && y < 20;
        INFO("x " << x << " y " << y);
        REQUIRE(std::abs(p.y(x, y) - (inside ? want.y : grey.y)) <= 2);
      }
    }
    // Chroma blocks wholly inside the bitmap are red, those outside untouched.
    CHECK(std::abs(p.v(10, 12) - want.v) <= 2);
    CHECK(std::abs(p.u(16, 18) - want.u) <= 2);
    CHECK(std::abs(p.v(20, 12) - grey.v) <= 1);
    const Result drawn = run(importer, frame, target(64, 64, out));
    CHECK(changed(plain, drawn) == 64);
  }
  CHECK(importer.counters().cursor_drawn == 4);
}

TEST_CASE("cursor alpha is straight: 0 leaves the frame alone, half mixes", "[cpu_import][cursor]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::RGBx, 32, 32);
  img.fill({0, 0, 0, 255});
  auto frame = img.frame();
  const Result plain = run(importer, frame, target(32, 32));

  const Bitmap clear(PixelFormat::RGBA, 16, 16, {255, 255, 255, 0});
  frame.cursor = clear.at(4, 4);
  CHECK(run(importer, frame, target(32, 32)).snapshot == plain.snapshot);

  // Straight alpha: white (255, not 128 as premultiplied would store it) at alpha 128 over black
  // mixes to the luma halfway between black and white.
  const Bitmap half(PixelFormat::ARGB, 16, 16, {255, 255, 255, 128});
  frame.cursor = half.at(4, 4);
  const Result mixed = run(importer, frame, target(32, 32));
  const double want = 16 + (235 - 16) * 128.0 / 255;
  CHECK(std::abs(mixed.y(10, 10) - want) <= 2);
  CHECK(mixed.y(2, 2) == 16);
}

TEST_CASE("cursor is clipped at every edge and never read or written out of bounds", "[cpu_import][cursor]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRx, 64, 48);
  img.fill(kGrey);
  auto frame = img.frame();
  const Result plain = run(importer, frame, target(64, 48));
  const Bitmap white(PixelFormat::BGRA, 8, 8, {255, 255, 255, 255});

  struct Case {
    int32_t x, y;
    size_t visible;
  };
  const Case cases[] = {
      {-4, -4, 16},      {60, -4, 16},
      {-4, 44, 16},      {60, 44, 16},  // corners: a 4x4 quarter each
      {-7, 20, 8},       {63, 20, 8},
      {30, -7, 8},       {30, 47, 8},  // one column / row left
      {64, 20, 0},       {-8, 20, 0},
      {30, 48, 0},       {30, -8, 0},  // just off
      {1000, 1000, 0},   {INT32_MIN, INT32_MIN, 0},
      {INT32_MAX, 0, 0}, {0, INT32_MAX, 0},
  };
  for (const auto& c : cases) {
    INFO("cursor at " << c.x << "," << c.y);
    frame.cursor = white.at(c.x, c.y);
    const Result r = run(importer, frame, target(64, 48));
    CHECK(changed(plain, r) == c.visible);
    if (c.visible == 0) CHECK(r.snapshot == plain.snapshot);
  }
}

TEST_CASE("degenerate cursors draw nothing", "[cpu_import][cursor]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRx, 32, 32);
  img.fill(kGrey);
  auto frame = img.frame();
  const Result plain = run(importer, frame, target(32, 32));
  const Bitmap white(PixelFormat::BGRA, 8, 8, {255, 255, 255, 255});

  auto check_untouched = [&](zc::Cursor c, ImportTarget t = target(32, 32)) {
    frame.cursor = c;
    CHECK(run(importer, frame, t).snapshot == plain.snapshot);
  };
  auto c = white.at(4, 4);
  c.visible = false;
  check_untouched(c);
  c = white.at(4, 4);
  c.width = 0;
  check_untouched(c);
  c = white.at(4, 4);
  c.height = 0;
  check_untouched(c);
  c = white.at(4, 4);
  c.pixels = nullptr;
  check_untouched(c);
  c = white.at(4, 4);
  c.stride = 8;  // narrower than a row: refuse rather than read rows into each other
  check_untouched(c);
  c = white.at(4, 4);
  c.format = PixelFormat::NV12;
  check_untouched(c);
  auto no_draw = target(32, 32);
  no_draw.draw_cursor = false;
  check_untouched(white.at(4, 4), no_draw);
  CHECK(importer.counters().cursor_drawn == 0);
}

TEST_CASE("a cursor larger than the frame covers it exactly", "[cpu_import][cursor]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRx, 40, 30);
  img.fill(kGrey);
  const Bitmap huge(PixelFormat::BGRA, 700, 500, {255, 255, 255, 255});
  auto frame = img.frame();
  frame.cursor = huge.at(-300, -200);
  const Result r = run(importer, frame, target(40, 30));
  for (uint8_t y : r.luma)
    REQUIRE(y == 235);
}

TEST_CASE("cursor follows crop and scaling", "[cpu_import][cursor]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRx, 256, 200);
  img.fill(kGrey);
  auto frame = img.frame();
  frame.crop = zc::Rect{64, 40, 128, 128};
  const Bitmap white(PixelFormat::RGBA, 16, 16, {255, 255, 255, 255});
  frame.cursor = white.at(64 + 32, 40 + 64);  // (32, 64) inside the crop
  const ImportTarget half = target(64, 64);   // 2:1: lands at (16, 32), 8x8
  const Result r = run(importer, frame, half);
  for (uint32_t y = 0; y < 64; ++y) {
    for (uint32_t x = 0; x < 64; ++x) {
      const bool inside = x >= 16 && x < 24 && y >= 32 && y < 40;
      INFO("x " << x << " y " << y);
      REQUIRE((r.y(x, y) == 235) == inside);
    }
  }
  CHECK(importer.counters().scaled == 1);

  // Up 3:2: the 16x16 bitmap at (32, 64) covers output [48, 72) x [96, 120).
  const Result up = run(importer, frame, target(192, 192));
  size_t lit = 0;
  for (uint32_t y = 0; y < 192; ++y)
    for (uint32_t x = 0; x < 192; ++x) {
      const bool inside = x >= 48 && x < 72 && y >= 96 && y < 120;
      if (up.y(x, y) == 235) {
        ++lit;
        REQUIRE(inside);
      }
    }
  CHECK(lit == 24 * 24);
}
