#pragma once
// Colours of a decoded picture as a viewer sees them: the frame converted to 8-bit RGB by FFmpeg's
// swscale honouring the frame's own tags (matrix and range; unspecified as swscale's default,
// BT.601 limited range), so the reference shares nothing with zerocast's conversion code. A test
// compares known patches (the test source's bars, a producer's solid colour) with what the
// producer painted; forcing a matrix (`force_matrix`) shows what a player that ignored the tags
// would show, and a test with a deliberately wrong matrix must fail the same comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/pixfmt.h>
}

struct AVFrame;

namespace zc::test {

struct Rgb {
  double r = 0, g = 0, b = 0;
};
double colour_distance(const Rgb& a, const Rgb& b);  // the largest channel difference
std::string colour_text(const Rgb& c);               // "(192.0, 0.0, 191.5)"

class RgbPicture {
 public:
  // Converts `f` (any pixel format swscale reads). Empty (ok() false) when swscale refuses.
  explicit RgbPicture(const AVFrame& f, std::optional<AVColorSpace> force_matrix = std::nullopt,
                      std::optional<AVColorRange> force_range = std::nullopt);
  bool ok() const { return !rgb_.empty(); }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  // The mean colour of the (2 half + 1)^2 box around (x, y), clamped to the picture.
  Rgb mean(uint32_t x, uint32_t y, uint32_t half = 3) const;

 private:
  std::vector<uint8_t> rgb_;
  uint32_t width_ = 0, height_ = 0;
};

// The test source's 75% bars (testsrc/pattern.cpp), left to right, and where bar i's middle is in
// a picture `width` wide.
const std::vector<Rgb>& test_source_bars();
uint32_t bar_centre(uint32_t width, size_t bar);

// The worst bar of a picture of the test source (sampled on the row `y`), and what it showed.
struct BarCheck {
  double worst = 0;
  std::string worst_at;  // "bar 5: (190.1, 1.0, 0.2) for (192.0, 0.0, 0.0)"
};
BarCheck check_bars(const RgbPicture& picture, uint32_t y);

}  // namespace zc::test
