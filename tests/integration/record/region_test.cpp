// `zerocast record --region`: the test source recorded in part (the CPU path: the crop happens in
// the importer's conversion pass). Each decoded picture is the pattern's own crop at the region, found among the frame
// numbers near the last one matched (the number band is cut, so it cannot be read); the same crop a pixel or two off
// matches clearly worse, so a misplaced region cannot pass.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include <libavutil/frame.h>

#include <catch2/catch.hpp>

#include "record_support.hpp"
#include "support/decode.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/pattern.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kWidth = 320, kHeight = 240;

// The test pattern's luma for frame `number` at full size (BT.601 limited range: the output is
// at most 576 lines high), one byte per pixel.
std::vector<uint8_t> pattern_luma(const testsrc::Painter& painter, uint64_t number) {
  std::vector<uint8_t> bgrx(size_t{kWidth} * kHeight * 4);
  testsrc::PaintState state;
  painter.paint({bgrx.data(), kWidth * 4, kWidth, kHeight, PixelFormat::BGRx}, state, number);
  std::vector<uint8_t> luma(size_t{kWidth} * kHeight);
  for (size_t i = 0; i < luma.size(); ++i) {
    const auto [r, g, b] = testsrc::unpack_pixel(PixelFormat::BGRx, bgrx.data() + i * 4);
    luma[i] = static_cast<uint8_t>(16 + ((66 * r + 129 * g + 25 * b + 128) >> 8));
  }
  return luma;
}

struct Picture {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> luma;
};

// Mean |difference| between a decoded picture and the pattern cropped at (x, y); the part of the
// picture that falls inside the pattern only.
double mean_error(const Picture& p, const std::vector<uint8_t>& pattern, int x, int y) {
  double sum = 0;
  size_t n = 0;
  for (uint32_t row = 0; row < p.height; ++row) {
    const int sy = y + static_cast<int>(row);
    if (sy < 0 || sy >= static_cast<int>(kHeight)) continue;
    for (uint32_t col = 0; col < p.width; ++col) {
      const int sx = x + static_cast<int>(col);
      if (sx < 0 || sx >= static_cast<int>(kWidth)) continue;
      sum += std::abs(int{p.luma[size_t{row} * p.width + col]} - int{pattern[size_t(sy) * kWidth + size_t(sx)]});
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : 1e9;
}

}  // namespace

TEST_CASE("record --region: each picture is the pattern's crop at the region, and nothing else matches as well",
          "[record][region]") {
  PipeWireDaemon pw;
  const std::string path = make_temp_dir("zc-region") + "/region.mkv";
  const int rx = 48, ry = 10;
  const uint32_t rw = 160, rh = 120;
  auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--region",
                     "48,10,160x120", "--encoder", "libx264", "--bitrate", "8000", "--duration", "2", "-o", path});
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);

  std::vector<Picture> pictures;
  const DecodeResult decoded = decode_file(path, [&](const AVFrame& f) {
    Picture p{static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height), {}};
    p.luma.resize(size_t{p.width} * p.height);
    for (uint32_t row = 0; row < p.height; ++row)
      std::memcpy(p.luma.data() + size_t{row} * p.width, f.data[0] + size_t(row) * size_t(f.linesize[0]), p.width);
    pictures.push_back(std::move(p));
  });
  REQUIRE(decoded.ok);
  REQUIRE(pictures.size() >= 45);
  CHECK(pictures.front().width == rw);
  CHECK(pictures.front().height == rh);

  const testsrc::Painter painter(kWidth, kHeight, PixelFormat::BGRx);
  // The first picture's number: the box's place along its track tells it; search a wide window
  // once, then near the last number matched (a frame or two may be dropped).
  uint64_t last = 0;
  double worst_best = 0, least_margin = 1e9;
  for (size_t i = 0; i < pictures.size(); ++i) {
    const Picture& p = pictures[i];
    const uint64_t from = i == 0 ? 0 : last + 1;
    const uint64_t to = i == 0 ? 600 : last + 4;
    double best = 1e9;
    uint64_t best_n = from;
    std::vector<uint8_t> best_pattern;
    for (uint64_t n = from; n <= to; ++n) {
      auto pattern = pattern_luma(painter, n);
      const double e = mean_error(p, pattern, rx, ry);
      if (e < best) {
        best = e;
        best_n = n;
        best_pattern = std::move(pattern);
      }
    }
    last = best_n;
    worst_best = std::max(worst_best, best);
    // The same picture against the pattern a pixel or two off, each way.
    for (auto [dx, dy] : {std::pair{2, 0}, std::pair{-2, 0}, std::pair{0, 2}, std::pair{0, -2}, std::pair{1, 1}}) {
      least_margin = std::min(least_margin, mean_error(p, best_pattern, rx + dx, ry + dy) - best);
    }
  }
  INFO("worst best-match error " << worst_best << ", least margin to a shifted crop " << least_margin);
  // At this bitrate libx264 gives the flat pattern back all but exactly (measured 0.0002: a
  // handful of pixels one level off), so the crop is exact to the pixel.
  CHECK(worst_best <= 0.02);
  CHECK(least_margin >= 0.5);
}

TEST_CASE("record --region: a region outside the picture, or select without slurp, is refused with why",
          "[record][region]") {
  PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-region");
  auto outside = zerocast({"record", "--source", "test", "--test-size", "320x240", "--region", "400,0,100x100",
                           "--duration", "2", "-o", dir + "/outside.mkv"});
  INFO(outside.output);
  CHECK(outside.status != 0);
  CHECK(outside.output.find("the region 400,0,100x100 lies outside the captured picture (320x240)") !=
        std::string::npos);
  // No slurp on PATH: the select form says what it needs, and nothing starts.
  Process::Options no_slurp;
  no_slurp.env["PATH"] = "/nonexistent";
  auto select = run({zerocast_bin(), "record", "--source", "test", "--region", "select", "-o", dir + "/select.mkv"},
                    30s, no_slurp);
  INFO(select.output);
  CHECK(select.status == 2);
  CHECK(select.output.find("--region select needs slurp") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/select.mkv"));
}
