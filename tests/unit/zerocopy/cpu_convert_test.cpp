// Colour conversion, crop and odd sizes of the CPU importer, against the BT.601 formula.
#include <catch2/catch.hpp>

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

// A grey level per column, so a 1:1 copy of a rect is checkable pixel by pixel.
Rgba column_grey(uint32_t x) {
  return Rgba{uint8_t(x * 5), uint8_t(x * 5), uint8_t(x * 5), 255};
}

}  // namespace

TEST_CASE("every packed format converts known colours to BT.601 limited range", "[cpu_import]") {
  const Rgba colours[] = {{0, 0, 0, 255},   {255, 255, 255, 255}, {255, 0, 0, 255},
                          {0, 255, 0, 255}, {0, 0, 255, 255},     {128, 128, 128, 255},
                          {255, 255, 0, 7}, {30, 200, 90, 0},     {200, 40, 160, 128}};
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    for (const PixelFormat in : zc::test::kPackedFormats) {
      for (const Rgba c : colours) {
        INFO(zc::to_string(in) << " -> " << zc::to_string(out) << " rgb " << int(c.r) << "," << int(c.g) << ","
                               << int(c.b));
        zc::test::PackedImage img(in, 64, 34);
        img.fill(c);
        auto f = importer.import(img.frame(), target(64, 34, out));
        REQUIRE(f);
        REQUIRE(f->width == 64);
        REQUIRE(f->height == 34);
        REQUIRE(f->format == out);
        const Planes p(*f);
        const auto want = zc::test::bt601(c);
        for (uint32_t y : {0u, 17u, 33u}) {
          for (uint32_t x : {0u, 31u, 63u}) {
            CHECK(std::abs(p.y(x, y) - want.y) <= 2);
            CHECK(std::abs(p.u(x, y) - want.u) <= 2);
            CHECK(std::abs(p.v(x, y) - want.v) <= 2);
          }
        }
      }
    }
  }
  // The extremes of limited range, exactly.
  zc::test::PackedImage img(PixelFormat::BGRx, 16, 16);
  img.fill_rect(0, 0, 8, 16, {0, 0, 0, 255});
  img.fill_rect(8, 0, 8, 16, {255, 255, 255, 255});
  auto f = importer.import(img.frame(), target(16, 16));
  REQUIRE(f);
  CHECK(Planes(*f).y(0, 0) == 16);
  CHECK(Planes(*f).y(15, 15) == 235);
}

TEST_CASE("a different pixel order gives the same picture", "[cpu_import]") {
  // A two-colour picture in every format must come out byte-identical: catches swapped channels
  // that a grey or single-colour test cannot see.
  CpuImporter importer;
  std::vector<uint8_t> reference;
  for (const PixelFormat in : zc::test::kPackedFormats) {
    zc::test::PackedImage img(in, 32, 32);
    img.fill({250, 120, 10, 255});
    img.fill_rect(8, 4, 16, 20, {20, 90, 240, 255});
    auto f = importer.import(img.frame(), target(32, 32));
    REQUIRE(f);
    const auto snap = Planes(*f).snapshot();
    if (reference.empty()) {
      reference = snap;
    } else {
      INFO(zc::to_string(in));
      CHECK(snap == reference);
    }
  }
}

TEST_CASE("crop converts exactly the visible rect", "[cpu_import]") {
  CpuImporter importer;
  for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
    zc::test::PackedImage img(PixelFormat::BGRx, 80, 60, 80 * 4 + 64);  // padded rows
    img.fill({255, 0, 0, 255});                                         // red outside the crop
    const zc::Rect crop{7, 5, 40, 30};                                  // odd offset
    for (uint32_t y = 0; y < crop.height; ++y)
      for (uint32_t x = 0; x < crop.width; ++x)
        img.set(crop.x + x, crop.y + y, column_grey(x));
    auto frame = img.frame();
    frame.crop = crop;
    auto f = importer.import(frame, target(crop.width, crop.height, out));
    REQUIRE(f);
    const Planes p(*f);
    for (uint32_t y = 0; y < crop.height; ++y) {
      for (uint32_t x = 0; x < crop.width; ++x) {
        INFO("x " << x << " y " << y);
        REQUIRE(std::abs(p.y(x, y) - zc::test::bt601(column_grey(x)).y) <= 1);
        // Grey everywhere: any red bleeding in from outside the rect would move the chroma.
        REQUIRE(std::abs(p.v(x, y) - 128) <= 1);
        REQUIRE(std::abs(p.u(x, y) - 128) <= 1);
      }
    }
    CHECK(importer.counters().scaled == 0);
  }
}

TEST_CASE("an odd visible rect is padded or trimmed by one pixel, not resampled", "[cpu_import]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::RGBx, 33, 17);
  for (uint32_t y = 0; y < 17; ++y)
    for (uint32_t x = 0; x < 33; ++x)
      img.set(x, y, column_grey(x));
  img.fill_rect(0, 16, 33, 1, {255, 255, 255, 255});  // a distinct last row

  SECTION("one larger: the last column and row repeat") {
    auto f = importer.import(img.frame(), target(34, 18));
    REQUIRE(f);
    const Planes p(*f);
    for (uint32_t y = 0; y < 16; ++y) {
      for (uint32_t x = 0; x < 33; ++x)
        REQUIRE(std::abs(p.y(x, y) - zc::test::bt601(column_grey(x)).y) <= 1);
      CHECK(p.y(33, y) == p.y(32, y));
    }
    for (uint32_t x = 0; x < 34; ++x) {
      CHECK(p.y(x, 16) == 235);
      CHECK(p.y(x, 17) == 235);
    }
  }
  SECTION("one smaller: the last column and row are dropped") {
    auto f = importer.import(img.frame(), target(32, 16));
    REQUIRE(f);
    const Planes p(*f);
    for (uint32_t y = 0; y < 16; ++y)
      for (uint32_t x = 0; x < 32; ++x)
        REQUIRE(std::abs(p.y(x, y) - zc::test::bt601(column_grey(x)).y) <= 1);
  }
  CHECK(importer.counters().scaled == 0);
}

TEST_CASE("output planes are pooled, 64-byte aligned, and NV12 matches I420", "[cpu_import]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRA, 100, 50);
  img.fill({10, 200, 100, 255});
  img.fill_rect(30, 10, 41, 21, {250, 20, 60, 255});
  auto nv12 = importer.import(img.frame(), target(100, 50, PixelFormat::NV12));
  auto i420 = importer.import(img.frame(), target(100, 50, PixelFormat::I420));
  REQUIRE(nv12);
  REQUIRE(i420);
  for (const auto* f : {&*nv12, &*i420}) {
    CHECK(f->memory == zc::FrameMemory::Cpu);
    CHECK(f->storage);
    for (size_t i = 0; i < (f->format == PixelFormat::I420 ? 3u : 2u); ++i) {
      CHECK(f->planes[i] % 64 == 0);
      CHECK(f->pitches[i] % 64 == 0);
    }
  }
  CHECK(nv12->planes[2] == 0);
  CHECK(Planes(*nv12).snapshot() == Planes(*i420).snapshot());
}

TEST_CASE("steady state allocates no output buffers", "[cpu_import]") {
  CpuImporter importer;
  zc::test::PackedImage img(PixelFormat::BGRx, 64, 64);
  img.fill({1, 2, 3, 255});
  std::vector<zc::DeviceFrame> in_flight;  // an encoder queue holding up to 3 frames
  for (int i = 0; i < 100; ++i) {
    auto frame = img.frame();
    frame.sequence = static_cast<uint64_t>(i);
    frame.pts_ns = 1000 * i;
    auto f = importer.import(frame, target(32, 32));
    REQUIRE(f);
    CHECK(f->sequence == static_cast<uint64_t>(i));
    CHECK(f->pts_ns == 1000 * i);
    in_flight.push_back(std::move(*f));
    if (in_flight.size() > 3) in_flight.erase(in_flight.begin());
  }
  const auto c = importer.pool_counters();
  CHECK(c.acquired == 100);
  CHECK(c.created <= 4);
  CHECK(c.reused == 100 - c.created);
  CHECK(c.outstanding == 3);
  in_flight.clear();
  CHECK(importer.pool_counters().outstanding == 0);
  CHECK(importer.counters().imported == 100);
}

TEST_CASE("prepare makes the first frames' output buffers before they come", "[cpu_import]") {
  CpuImporter importer;
  importer.prepare(target(32, 32));
  const auto made = importer.pool_counters();
  CHECK(made.created == 3);
  CHECK(made.outstanding == 0);
  // The first frames take them: nothing more is made while three are in flight.
  zc::test::PackedImage img(PixelFormat::BGRx, 64, 64);
  img.fill({1, 2, 3, 255});
  std::vector<zc::DeviceFrame> in_flight;
  for (int i = 0; i < 3; ++i) {
    auto f = importer.import(img.frame(), target(32, 32));
    REQUIRE(f);
    in_flight.push_back(std::move(*f));
  }
  CHECK(importer.pool_counters().created == 3);
  // A target it cannot make (GPU memory, odd size) prepares nothing.
  CpuImporter other;
  auto gpu = target(32, 32);
  gpu.memory = zc::FrameMemory::Cuda;
  other.prepare(gpu);
  other.prepare(target(31, 32));
  CHECK(other.pool_counters().created == 0);
}

TEST_CASE("bad targets and frames are refused with the right error", "[cpu_import]") {
  CpuImporter importer;
  CHECK(importer.supported_modifiers(PixelFormat::BGRx).empty());
  zc::test::PackedImage img(PixelFormat::BGRx, 16, 16);
  const auto good = img.frame();

  auto code = [&](const zc::Frame& f, const ImportTarget& t) {
    auto r = importer.import(f, t);
    REQUIRE_FALSE(r);
    CHECK(r.error().stage == "zerocopy:cpu");
    return r.error().code;
  };
  CHECK(code(good, target(15, 16)) == zc::Errc::invalid_argument);
  CHECK(code(good, target(0, 16)) == zc::Errc::invalid_argument);
  CHECK(code(good, target(16, 16, PixelFormat::BGRx)) == zc::Errc::unsupported);
  auto cuda = target(16, 16);
  cuda.memory = zc::FrameMemory::Cuda;
  CHECK(code(good, cuda) == zc::Errc::unsupported);

  auto planar = good;
  planar.format = PixelFormat::P010;  // an encoder layout, never a source
  CHECK(code(planar, target(16, 16)) == zc::Errc::rejected);
  auto short_buffer = good;
  short_buffer.size -= 1;
  CHECK(code(short_buffer, target(16, 16)) == zc::Errc::invalid_argument);
  auto narrow_stride = good;
  narrow_stride.stride = 60;
  CHECK(code(narrow_stride, target(16, 16)) == zc::Errc::invalid_argument);
  auto no_data = good;
  no_data.data = nullptr;
  CHECK(code(no_data, target(16, 16)) == zc::Errc::invalid_argument);
  auto outside = good;
  outside.crop = zc::Rect{20, 20, 8, 8};
  CHECK(code(outside, target(8, 8)) == zc::Errc::invalid_argument);
  CHECK(importer.counters().failed == 9);
  CHECK(importer.counters().imported == 0);

  // A crop hanging over the edge is clamped to the buffer, not read past it.
  auto overhang = good;
  overhang.crop = zc::Rect{-4, 8, 40, 40};
  auto f = importer.import(overhang, target(16, 8));
  CHECK(f);
}
