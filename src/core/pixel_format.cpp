#include "core/pixel_format.hpp"

#include <array>
#include <utility>

namespace zc {
namespace {

constexpr uint32_t fourcc(char a, char b, char c, char d) {
  return static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 8) | (static_cast<uint32_t>(c) << 16) |
         (static_cast<uint32_t>(d) << 24);
}

struct FormatInfo {
  PixelFormat format;
  std::string_view name;
  uint32_t drm;
};

// DRM names the packed formats by the 32-bit word (little-endian), SPA by the bytes in memory.
constexpr std::array<FormatInfo, 10> kFormats{{
    {PixelFormat::BGRx, "BGRx", fourcc('X', 'R', '2', '4')},
    {PixelFormat::BGRA, "BGRA", fourcc('A', 'R', '2', '4')},
    {PixelFormat::RGBx, "RGBx", fourcc('X', 'B', '2', '4')},
    {PixelFormat::RGBA, "RGBA", fourcc('A', 'B', '2', '4')},
    {PixelFormat::xRGB, "xRGB", fourcc('B', 'X', '2', '4')},
    {PixelFormat::xBGR, "xBGR", fourcc('R', 'X', '2', '4')},
    {PixelFormat::ARGB, "ARGB", fourcc('B', 'A', '2', '4')},
    {PixelFormat::ABGR, "ABGR", fourcc('R', 'A', '2', '4')},
    {PixelFormat::NV12, "NV12", 0},
    {PixelFormat::I420, "I420", 0},
}};

}  // namespace

std::string_view to_string(PixelFormat f) {
  for (const auto& info : kFormats) {
    if (info.format == f) return info.name;
  }
  return "unknown";
}

std::optional<PixelFormat> pixel_format_from_string(std::string_view name) {
  for (const auto& info : kFormats) {
    if (info.name == name) return info.format;
  }
  return std::nullopt;
}

uint32_t drm_fourcc(PixelFormat f) {
  for (const auto& info : kFormats) {
    if (info.format == f) return info.drm;
  }
  return 0;
}

std::optional<PixelFormat> pixel_format_from_drm(uint32_t code) {
  for (const auto& info : kFormats) {
    if (info.drm != 0 && info.drm == code) return info.format;
  }
  return std::nullopt;
}

}  // namespace zc
