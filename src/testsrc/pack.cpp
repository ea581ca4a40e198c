#include "testsrc/pack.hpp"

#include <cstring>

#include <libyuv/convert_from_argb.h>

#include "capture/video/spa_format.hpp"

namespace zc::testsrc {
namespace {

int i(uint32_t v) {
  return static_cast<int>(v);
}

uint32_t word10(const Rgb10Layout& l, uint32_t r, uint32_t g, uint32_t b) {
  // The padding (or alpha) bits set: the top two of the 2:10:10:10 orders, the low two of 10:10:10:2.
  const bool low_padding = l.g == 12;
  return (r << l.r) | (g << l.g) | (b << l.b) | (low_padding ? 0x3u : 0xc0000000u);
}

uint32_t widen(uint8_t v) {
  return (uint32_t{v} << 2) | (v >> 6);
}

}  // namespace

bool sends(PixelFormat format) {
  return capture::to_spa(format).has_value() || format == PixelFormat::MJPG;
}

std::string format_names() {
  std::string names;
  for (const auto& [format, spa] : capture::kSpaFormats) {
    if (!names.empty()) names += ' ';
    names += zc::to_string(format);
  }
  return names + " MJPG";
}

bool pack_canvas(const Image& canvas, PixelFormat format, const ImageLayout& layout, uint8_t* dst) {
  const uint8_t* src = canvas.data;
  const int src_stride = i(canvas.stride);
  const int w = i(canvas.width);
  const int h = i(canvas.height);
  auto plane = [&](uint32_t p) { return dst + layout.plane[p].offset; };
  auto stride = [&](uint32_t p) { return i(layout.plane[p].stride); };
  switch (format_info(format).kind) {
    case FormatKind::rgb32:
      for (uint32_t y = 0; y < canvas.height; ++y) {
        std::memcpy(dst + size_t{y} * layout.plane[0].stride, src + size_t{y} * canvas.stride, canvas.width * 4);
      }
      return true;
    case FormatKind::rgb10: {
      const Rgb10Layout l = format_info(format).rgb10;
      for (uint32_t y = 0; y < canvas.height; ++y) {
        const uint8_t* in = src + size_t{y} * canvas.stride;
        uint8_t* out = dst + size_t{y} * layout.plane[0].stride;
        for (uint32_t x = 0; x < canvas.width; ++x) {
          const uint8_t* p = in + size_t{x} * 4;  // B, G, R, x
          const uint32_t word = word10(l, widen(p[2]), widen(p[1]), widen(p[0]));
          std::memcpy(out + size_t{x} * 4, &word, 4);
        }
      }
      return true;
    }
    default:
      break;
  }
  switch (format) {
    case PixelFormat::RGB:  // bytes R, G, B: libyuv "RAW"
      return libyuv::ARGBToRAW(src, src_stride, plane(0), stride(0), w, h) == 0;
    case PixelFormat::BGR:
      return libyuv::ARGBToRGB24(src, src_stride, plane(0), stride(0), w, h) == 0;
    case PixelFormat::YUY2:
      return libyuv::ARGBToYUY2(src, src_stride, plane(0), stride(0), w, h) == 0;
    case PixelFormat::UYVY:
      return libyuv::ARGBToUYVY(src, src_stride, plane(0), stride(0), w, h) == 0;
    case PixelFormat::NV12:
      return libyuv::ARGBToNV12(src, src_stride, plane(0), stride(0), plane(1), stride(1), w, h) == 0;
    case PixelFormat::I420:
      return libyuv::ARGBToI420(src, src_stride, plane(0), stride(0), plane(1), stride(1), plane(2), stride(2), w, h) ==
             0;
    case PixelFormat::YV12:  // V is the second plane
      return libyuv::ARGBToI420(src, src_stride, plane(0), stride(0), plane(2), stride(2), plane(1), stride(1), w, h) ==
             0;
    default:
      break;
  }
  return false;
}

void paint_ramp10(PixelFormat format, uint8_t* dst, uint32_t stride, uint32_t width, uint32_t height) {
  const Rgb10Layout l = format_info(format).rgb10;
  for (uint32_t y = pattern_ramp_top(height); y < height; ++y) {
    uint8_t* out = dst + size_t{y} * stride;
    for (uint32_t x = 0; x < width; ++x) {
      const uint32_t v = width > 1 ? x * 1023 / (width - 1) : 0;
      const uint32_t word = word10(l, v, v, v);
      std::memcpy(out + size_t{x} * 4, &word, 4);
    }
  }
}

}  // namespace zc::testsrc
