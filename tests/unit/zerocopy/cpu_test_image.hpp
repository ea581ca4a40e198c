#pragma once
// Test images for the CPU importer: packed frames built over our own memory from the SPA format
// name (so the byte order under test comes from the name, not from the importer's tables), the
// BT.601 limited-range formula in floating point, and readers for NV12/I420 output.
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/device_frame.hpp"
#include "core/frame.hpp"
#include "core/pixel_format.hpp"
#include "zerocopy/importer.hpp"

namespace zc::test {

struct Rgba {
  uint8_t r = 0, g = 0, b = 0, a = 255;
};

// The four bytes of one pixel in `format`, read off its SPA name ("BGRx": B, G, R, padding).
inline void pack(PixelFormat format, Rgba c, uint8_t* out, uint8_t padding = 0x5a) {
  const std::string_view name = to_string(format);
  for (size_t i = 0; i < 4; ++i) {
    switch (name[i]) {
      case 'R':
        out[i] = c.r;
        break;
      case 'G':
        out[i] = c.g;
        break;
      case 'B':
        out[i] = c.b;
        break;
      case 'A':
        out[i] = c.a;
        break;
      default:
        out[i] = padding;
        break;  // 'x': junk the converter must ignore
    }
  }
}

struct Yuv {
  double y, u, v;
};

// ITU-R BT.601, limited ("studio") range.
inline Yuv bt601(Rgba c) {
  const double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
  const double ey = 0.299 * r + 0.587 * g + 0.114 * b;
  return {16 + 219 * ey, 128 + 224 * (b - ey) / 1.772, 128 + 224 * (r - ey) / 1.402};
}

class PackedImage {
 public:
  PackedImage(PixelFormat format, uint32_t width, uint32_t height, uint32_t stride = 0)
      : format_(format),
        width_(width),
        height_(height),
        stride_(stride ? stride : width * 4),
        bytes_(size_t{stride_} * height, 0xee) {}

  void fill(Rgba c) { fill_rect(0, 0, width_, height_, c); }
  void fill_rect(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, Rgba c) {
    for (uint32_t y = y0; y < y0 + h; ++y)
      for (uint32_t x = x0; x < x0 + w; ++x)
        set(x, y, c);
  }
  void set(uint32_t x, uint32_t y, Rgba c) { pack(format_, c, bytes_.data() + size_t{y} * stride_ + size_t{x} * 4); }

  uint8_t* data() { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  uint32_t stride() const { return stride_; }

  Frame frame() const {
    Frame f;
    f.buffer_id = 1;
    f.width = width_;
    f.height = height_;
    f.format = format_;
    f.memory = MemoryKind::Cpu;
    f.data = bytes_.data();
    f.stride = stride_;
    f.size = bytes_.size();
    return f;
  }

 private:
  PixelFormat format_;
  uint32_t width_, height_, stride_;
  std::vector<uint8_t> bytes_;
};

// Reads samples of an NV12 or I420 DeviceFrame in host memory.
struct Planes {
  explicit Planes(const DeviceFrame& f) : f(f) {}
  int y(uint32_t x, uint32_t row) const { return f.cpu_plane(0)[size_t{row} * f.pitches[0] + x]; }
  // Chroma of the 2x2 block holding luma pixel (x, row).
  int u(uint32_t x, uint32_t row) const {
    if (f.format == PixelFormat::NV12) return f.cpu_plane(1)[size_t{row / 2} * f.pitches[1] + (x / 2) * 2];
    return f.cpu_plane(1)[size_t{row / 2} * f.pitches[1] + x / 2];
  }
  int v(uint32_t x, uint32_t row) const {
    if (f.format == PixelFormat::NV12) return f.cpu_plane(1)[size_t{row / 2} * f.pitches[1] + (x / 2) * 2 + 1];
    return f.cpu_plane(2)[size_t{row / 2} * f.pitches[2] + x / 2];
  }
  // Every byte of the visible planes, for "nothing changed" comparisons.
  std::vector<uint8_t> snapshot() const {
    std::vector<uint8_t> out;
    for (uint32_t r = 0; r < f.height; ++r)
      for (uint32_t x = 0; x < f.width; ++x)
        out.push_back(static_cast<uint8_t>(y(x, r)));
    for (uint32_t r = 0; r < f.height; r += 2)
      for (uint32_t x = 0; x < f.width; x += 2) {
        out.push_back(static_cast<uint8_t>(u(x, r)));
        out.push_back(static_cast<uint8_t>(v(x, r)));
      }
    return out;
  }
  const DeviceFrame& f;
};

inline constexpr PixelFormat kPackedFormats[] = {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx,
                                                 PixelFormat::RGBA, PixelFormat::xRGB, PixelFormat::ARGB,
                                                 PixelFormat::xBGR, PixelFormat::ABGR};

// An importer target of w x h in format f (NV12 unless said).
inline zerocopy::ImportTarget target(uint32_t w, uint32_t h, PixelFormat f = PixelFormat::NV12) {
  zerocopy::ImportTarget t;
  t.width = w;
  t.height = h;
  t.format = f;
  return t;
}

}  // namespace zc::test
