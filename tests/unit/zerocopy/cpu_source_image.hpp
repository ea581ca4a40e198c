#pragma once
// Source images in every raw format for the CPU importer's tests, built from the format's name
// and the BT.601 formula (not from the importer's or libyuv's tables): 24-bit RGB by its byte
// names, 10-bit RGB by the bit positions its name gives, YUV planes from bt601() rounded, laid
// out in one block with padded rows, or one block per plane.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "core/image_layout.hpp"
#include "cpu_test_image.hpp"

namespace zc::test {

inline constexpr PixelFormat kSourceFormats[] = {
    PixelFormat::BGRx,       PixelFormat::RGBA,       PixelFormat::xBGR,       PixelFormat::NV12,
    PixelFormat::I420,       PixelFormat::YV12,       PixelFormat::RGB,        PixelFormat::BGR,
    PixelFormat::YUY2,       PixelFormat::UYVY,       PixelFormat::xRGB_210LE, PixelFormat::xBGR_210LE,
    PixelFormat::RGBx_102LE, PixelFormat::BGRx_102LE, PixelFormat::ARGB_210LE, PixelFormat::ABGR_210LE,
    PixelFormat::RGBA_102LE, PixelFormat::BGRA_102LE};

inline uint8_t round8(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

class SourceImage {
 public:
  // `pad`: extra bytes per row of plane 0 (kept even, so 3-plane formats have a chroma stride of
  // half of it).
  SourceImage(PixelFormat format, uint32_t width, uint32_t height, uint32_t pad = 16)
      : format_(format), width_(width), height_(height) {
    const uint32_t stride = plane_row_bytes(format, width, 0) + pad;
    layout_ = *single_block_layout(format, width, height, stride + stride % 2);
    bytes_.assign(layout_.bytes() + 64, 0xee);
  }

  void fill(Rgba c) { fill_rect(0, 0, width_, height_, c); }

  // Fills a rect; YUV formats fill whole chroma samples (a 2x2 or 2x1 block per sample) with the
  // colour of the rect's pixels, so rects on even coordinates are exact.
  void fill_rect(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, Rgba c) {
    const Yuv yuv = bt601(c);
    const uint8_t y = round8(yuv.y), u = round8(yuv.u), v = round8(yuv.v);
    const std::string name(to_string(format_));
    const FormatKind kind = format_info(format_).kind;
    for (uint32_t row = y0; row < y0 + h; ++row) {
      for (uint32_t x = x0; x < x0 + w; ++x) {
        uint8_t* p0 = plane(0) + size_t{row} * layout_.plane[0].stride;
        switch (kind) {
          case FormatKind::rgb32:
            pack(format_, c, p0 + size_t{x} * 4);
            break;
          case FormatKind::rgb24:
            for (size_t i = 0; i < 3; ++i)
              p0[size_t{x} * 3 + i] = name[i] == 'R' ? c.r : name[i] == 'G' ? c.g : c.b;
            break;
          case FormatKind::rgb10: {
            const auto wide = [](uint8_t v8) { return (uint32_t{v8} << 2) | (v8 >> 6); };
            // Channels from the top bit down, as the name says (xRGB_210LE: x:R:G:B 2:10:10:10).
            const bool pad_first = name.substr(5) == "210LE";
            uint32_t word = pad_first ? 0x80000000u : 0x2u;  // junk in the padding bits
            int bit = pad_first ? 30 : 32;
            for (size_t i = pad_first ? 1 : 0; i < (pad_first ? 4u : 3u); ++i) {
              bit -= 10;
              word |= wide(name[i] == 'R' ? c.r : name[i] == 'G' ? c.g : c.b) << bit;
            }
            std::memcpy(p0 + size_t{x} * 4, &word, 4);
            break;
          }
          case FormatKind::yuv422: {
            uint8_t* m = p0 + size_t{x / 2} * 4;
            const bool yuy2 = format_ == PixelFormat::YUY2;
            m[yuy2 ? (x % 2) * 2 : 1 + (x % 2) * 2] = y;
            m[yuy2 ? 1 : 0] = u;
            m[yuy2 ? 3 : 2] = v;
            break;
          }
          case FormatKind::yuv420: {
            p0[x] = y;
            const size_t crow = row / 2;
            if (format_ == PixelFormat::NV12) {
              uint8_t* uv = plane(1) + crow * layout_.plane[1].stride + size_t{x / 2} * 2;
              uv[0] = u;
              uv[1] = v;
            } else {
              const bool yv12 = format_ == PixelFormat::YV12;
              plane(yv12 ? 2 : 1)[crow * layout_.plane[1].stride + x / 2] = u;
              plane(yv12 ? 1 : 2)[crow * layout_.plane[2].stride + x / 2] = v;
            }
            break;
          }
          default:
            break;
        }
      }
    }
  }

  uint8_t* plane(uint32_t p) { return bytes_.data() + layout_.plane[p].offset; }

  // As capture's validation hands it over (chroma[0] = U or UV, chroma[1] = V).
  Frame frame() {
    Frame f;
    f.buffer_id = 1;
    f.width = width_;
    f.height = height_;
    f.format = format_;
    f.memory = MemoryKind::Cpu;
    f.data = bytes_.data();
    f.stride = layout_.plane[0].stride;
    f.size = layout_.bytes();
    const bool swap = format_info(format_).swap_uv;
    for (uint32_t p = 1; p < layout_.planes; ++p) {
      f.chroma[swap ? 2 - p : p - 1] =
          CpuPlane{plane(p), layout_.plane[p].stride, static_cast<size_t>(layout_.bytes() - layout_.plane[p].offset)};
    }
    return f;
  }

  const ImageLayout& layout() const { return layout_; }

 private:
  PixelFormat format_;
  uint32_t width_, height_;
  ImageLayout layout_;
  std::vector<uint8_t> bytes_;
};

}  // namespace zc::test
