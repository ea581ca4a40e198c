#include "support/colour_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

extern "C" {
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include "ffmpeg/handles.hpp"

namespace zc::test {

double colour_distance(const Rgb& a, const Rgb& b) {
  return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

std::string colour_text(const Rgb& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.1f, %.1f, %.1f)", c.r, c.g, c.b);
  return buf;
}

RgbPicture::RgbPicture(const AVFrame& f, std::optional<AVColorSpace> force_matrix,
                       std::optional<AVColorRange> force_range) {
  const auto format = static_cast<AVPixelFormat>(f.format);
  ffmpeg::SwsPtr sws(sws_getContext(f.width, f.height, format, f.width, f.height, AV_PIX_FMT_RGB24,
                                    SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, nullptr,
                                    nullptr, nullptr));
  if (!sws) return;
  // sws_getCoefficients takes SWS_CS_* values, which are AVColorSpace's numbers (BT.709 1,
  // SMPTE 170M 6, BT.2020 9; anything else gives its default, BT.601).
  const int matrix = force_matrix.value_or(f.colorspace);
  const bool full = force_range.value_or(f.color_range) == AVCOL_RANGE_JPEG;
  const int* coefficients = sws_getCoefficients(matrix);
  if (sws_setColorspaceDetails(sws.get(), coefficients, full ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                               1 << 16, 1 << 16) < 0) {
    return;
  }
  width_ = static_cast<uint32_t>(f.width);
  height_ = static_cast<uint32_t>(f.height);
  rgb_.resize(size_t{width_} * height_ * 3);
  uint8_t* dst[4] = {rgb_.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(width_ * 3), 0, 0, 0};
  if (sws_scale(sws.get(), f.data, f.linesize, 0, f.height, dst, dst_stride) != f.height) rgb_.clear();
}

Rgb RgbPicture::mean(uint32_t x, uint32_t y, uint32_t half) const {
  Rgb sum;
  int n = 0;
  const uint32_t x0 = x > half ? x - half : 0, y0 = y > half ? y - half : 0;
  for (uint32_t yy = y0; yy <= std::min(y + half, height_ - 1); ++yy) {
    for (uint32_t xx = x0; xx <= std::min(x + half, width_ - 1); ++xx) {
      const uint8_t* p = rgb_.data() + (size_t{yy} * width_ + xx) * 3;
      sum.r += p[0];
      sum.g += p[1];
      sum.b += p[2];
      ++n;
    }
  }
  if (n == 0) return sum;
  return Rgb{sum.r / n, sum.g / n, sum.b / n};
}

const std::vector<Rgb>& test_source_bars() {
  static const std::vector<Rgb> bars{{192, 192, 192}, {192, 192, 0}, {0, 192, 192}, {0, 192, 0},
                                     {192, 0, 192},   {192, 0, 0},   {0, 0, 192},   {32, 32, 32}};
  return bars;
}

uint32_t bar_centre(uint32_t width, size_t bar) {
  const size_t n = test_source_bars().size();
  return static_cast<uint32_t>((2 * bar + 1) * size_t{width} / (2 * n));
}

BarCheck check_bars(const RgbPicture& picture, uint32_t y) {
  BarCheck out;
  const auto& bars = test_source_bars();
  for (size_t bar = 0; bar < bars.size(); ++bar) {
    const Rgb got = picture.mean(bar_centre(picture.width(), bar), y);
    const double d = colour_distance(bars[bar], got);
    if (d >= out.worst) {
      out.worst = d;
      out.worst_at = "bar " + std::to_string(bar) + ": " + colour_text(got) + " for " + colour_text(bars[bar]);
    }
  }
  return out;
}

}  // namespace zc::test
