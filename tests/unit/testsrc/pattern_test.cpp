// The pattern drawn and read back without any codec: every format, many sizes, incremental
// repaints into recycled buffers, and what must not decode.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <vector>

#include "testsrc/pattern.hpp"

using zc::PixelFormat;
using zc::testsrc::Image;
using zc::testsrc::Painter;
using zc::testsrc::PaintState;

namespace {

constexpr PixelFormat kFormats[] = {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA,
                                    PixelFormat::xRGB, PixelFormat::xBGR, PixelFormat::ARGB, PixelFormat::ABGR};

struct Buffer {
  Buffer(uint32_t w, uint32_t h, PixelFormat f, uint32_t pad = 0)
      : bytes(static_cast<size_t>(w * 4 + pad) * h, 0x5a), image{nullptr, w * 4 + pad, w, h, f} {
    image.data = bytes.data();
  }
  std::vector<uint8_t> bytes;
  Image image;
};

// The luma plane a BT.601 limited-range conversion would make (what a decoder hands back).
std::vector<uint8_t> to_luma(const Image& img) {
  std::vector<uint8_t> y(static_cast<size_t>(img.width) * img.height);
  for (uint32_t row = 0; row < img.height; ++row) {
    for (uint32_t x = 0; x < img.width; ++x) {
      const auto rgb = zc::testsrc::unpack_pixel(img.format, img.data + static_cast<size_t>(row) * img.stride + x * 4);
      y[static_cast<size_t>(row) * img.width + x] =
          static_cast<uint8_t>(16 + (66 * rgb[0] + 129 * rgb[1] + 25 * rgb[2] + 128) / 256);
    }
  }
  return y;
}

}  // namespace

TEST_CASE("codes carry 24-bit numbers and reject corrupted checks") {
  for (uint64_t n : {0ULL, 1ULL, 2ULL, 255ULL, 0x123456ULL, 0xffffffULL}) {
    const uint32_t code = zc::testsrc::pattern_code(n);
    REQUIRE(zc::testsrc::pattern_number(code) == static_cast<uint32_t>(n));
    // Any single flipped bit is caught by the CRC.
    for (int bit = 0; bit < 32; ++bit)
      CHECK_FALSE(zc::testsrc::pattern_number(code ^ (1u << bit)).has_value());
  }
  CHECK(zc::testsrc::pattern_number(zc::testsrc::pattern_code(0x1000001)) == 1u);  // wraps at 2^24
  CHECK_FALSE(zc::testsrc::pattern_number(0).has_value());
  CHECK_FALSE(zc::testsrc::pattern_number(0xffffffff).has_value());
}

TEST_CASE("unwrap_number follows the 24-bit counter past its wrap") {
  CHECK(zc::testsrc::unwrap_number(5, 3) == 5);
  CHECK(zc::testsrc::unwrap_number(2, 0xfffffe) == 0x1000002);
  CHECK(zc::testsrc::unwrap_number(0xffffff, 0x1000001) == 0xffffff);
  CHECK(zc::testsrc::unwrap_number(7, 0x3000005) == 0x3000007);
}

TEST_CASE("the pattern round-trips in every packed format and many sizes") {
  const std::vector<std::pair<uint32_t, uint32_t>> sizes{{64, 32},    {320, 180},  {321, 181},  {640, 480},
                                                         {1280, 720}, {1366, 768}, {1920, 1080}};
  for (PixelFormat f : kFormats) {
    for (auto [w, h] : sizes) {
      INFO(zc::to_string(f) << " " << w << "x" << h);
      Buffer buf(w, h, f, 64);
      Painter painter(w, h, f);
      PaintState state;
      for (uint64_t n : {0ULL, 1ULL, 77ULL, 0xabcdefULL}) {
        painter.paint(buf.image, state, n);
        REQUIRE(zc::testsrc::read_number_rgb(buf.image) == static_cast<uint32_t>(n));
        const auto y = to_luma(buf.image);
        REQUIRE(zc::testsrc::read_number_luma(y.data(), w, w, h) == static_cast<uint32_t>(n));
      }
    }
  }
}

TEST_CASE("the pattern round-trips at 8K") {
  Buffer buf(7680, 4320, PixelFormat::BGRx);
  Painter painter(7680, 4320, PixelFormat::BGRx);
  PaintState state;
  painter.paint(buf.image, state, 4242);
  CHECK(zc::testsrc::read_number_rgb(buf.image) == 4242u);
  painter.paint(buf.image, state, 4243);
  CHECK(zc::testsrc::read_number_rgb(buf.image) == 4243u);
}

TEST_CASE("colours land in the right channels and alpha is opaque") {
  for (PixelFormat f : kFormats) {
    INFO(zc::to_string(f));
    Buffer buf(320, 180, f);
    Painter painter(320, 180, f);
    PaintState state;
    painter.paint(buf.image, state, 1);
    // Bottom row, bar 5 of 8 is red (192, 0, 0).
    const uint8_t* p = buf.image.data + static_cast<size_t>(179) * buf.image.stride + (320 * 11 / 16) * 4;
    CHECK(zc::testsrc::unpack_pixel(f, p) == std::array<uint8_t, 3>{192, 0, 0});
    if (zc::has_alpha(f)) {
      const size_t alpha = (f == PixelFormat::ARGB || f == PixelFormat::ABGR) ? 0 : 3;
      CHECK(p[alpha] == 255);
    }
  }
}

TEST_CASE("incremental paints into recycled buffers equal a fresh paint") {
  // Three buffers used round-robin, as PipeWire recycles them: every frame must look exactly
  // like a full paint of that frame, although only stale parts are redrawn.
  const uint32_t w = 640, h = 360;
  Painter painter(w, h, PixelFormat::RGBA);
  std::vector<Buffer> ring;
  for (int i = 0; i < 3; ++i)
    ring.emplace_back(w, h, PixelFormat::RGBA);
  std::vector<PaintState> states(3);
  std::mt19937 rng(7);
  uint64_t n = 0;
  for (int frame = 0; frame < 200; ++frame) {
    const size_t slot = rng() % 3;  // out of order, like a consumer returning buffers late
    n += 1 + rng() % 3;             // skipped numbers too (frames that went to other buffers)
    const auto damage = painter.paint(ring[slot].image, states[slot], n);
    Buffer fresh(w, h, PixelFormat::RGBA);
    PaintState fresh_state;
    painter.paint(fresh.image, fresh_state, n);
    INFO("frame " << frame << " number " << n);
    REQUIRE(std::memcmp(fresh.bytes.data(), ring[slot].bytes.data(), fresh.bytes.size()) == 0);
    CHECK(damage.count >= 1);
  }
}

TEST_CASE("consecutive frames differ outside the number band (the moving box)") {
  Painter painter(320, 180, PixelFormat::BGRx);
  const auto a = painter.box_at(10);
  const auto b = painter.box_at(11);
  CHECK(a.x != b.x);
  CHECK(a.y >= static_cast<int32_t>(zc::testsrc::pattern_band_height(180)));
  // The box stays inside the frame for a long run.
  for (uint64_t n = 0; n < 5000; n += 7) {
    const auto r = painter.box_at(n);
    CHECK(r.x >= 0);
    CHECK(static_cast<uint32_t>(r.x) + r.width <= 320);
  }
}

TEST_CASE("images without a band do not decode") {
  Buffer black(320, 180, PixelFormat::BGRx);
  std::fill(black.bytes.begin(), black.bytes.end(), 0);
  CHECK_FALSE(zc::testsrc::read_number_rgb(black.image).has_value());
  std::fill(black.bytes.begin(), black.bytes.end(), 0xff);
  CHECK_FALSE(zc::testsrc::read_number_rgb(black.image).has_value());
  std::fill(black.bytes.begin(), black.bytes.end(), 0x80);  // flat grey: ambiguous cells
  CHECK_FALSE(zc::testsrc::read_number_rgb(black.image).has_value());
  // Random noise almost never passes both the contrast and the CRC check.
  std::mt19937 rng(1);
  int decoded = 0;
  for (int i = 0; i < 50; ++i) {
    for (auto& b : black.bytes)
      b = static_cast<uint8_t>(rng());
    decoded += zc::testsrc::read_number_rgb(black.image).has_value() ? 1 : 0;
  }
  CHECK(decoded == 0);
  const std::vector<uint8_t> y16(320 * 180, 16);  // limited-range black
  CHECK_FALSE(zc::testsrc::read_number_luma(y16.data(), 320, 320, 180).has_value());
}
