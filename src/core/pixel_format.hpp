#pragma once
// Pixel formats that travel between stages. Packed RGB formats are named by their byte order in
// memory, as SPA names them (BGRx = bytes B,G,R,x = DRM XRGB8888 on little-endian = libyuv "ARGB").
#include <cstdint>
#include <optional>
#include <string_view>

namespace zc {

enum class PixelFormat : uint8_t {
  BGRx,
  BGRA,
  RGBx,
  RGBA,
  xRGB,
  xBGR,
  ARGB,
  ABGR,
  NV12,  // Y plane, then interleaved UV at half resolution
  I420,  // Y, U, V planes, chroma at half resolution
};

constexpr bool is_packed_rgb(PixelFormat f) {
  return f != PixelFormat::NV12 && f != PixelFormat::I420;
}
constexpr bool has_alpha(PixelFormat f) {
  return f == PixelFormat::BGRA || f == PixelFormat::RGBA || f == PixelFormat::ARGB || f == PixelFormat::ABGR;
}
// Bytes per pixel of packed formats; 0 for planar ones.
constexpr uint32_t bytes_per_pixel(PixelFormat f) {
  return is_packed_rgb(f) ? 4 : 0;
}

// The one table of packed layouts: the byte offset of R, G, B and of the alpha or padding byte
// inside a pixel, in memory order. Every user (the GPU passes, the CPU cursor, the test pattern)
// derives what it needs from it. Planar formats have none: {0, 1, 2, 3}, never used.
struct PackedLayout {
  uint8_t r = 0, g = 1, b = 2, a = 3;
  bool operator==(const PackedLayout&) const = default;
};

constexpr PackedLayout packed_layout(PixelFormat f) {
  switch (f) {
    case PixelFormat::BGRx:
    case PixelFormat::BGRA:
      return {2, 1, 0, 3};
    case PixelFormat::RGBx:
    case PixelFormat::RGBA:
      return {0, 1, 2, 3};
    case PixelFormat::xRGB:
    case PixelFormat::ARGB:
      return {1, 2, 3, 0};
    case PixelFormat::xBGR:
    case PixelFormat::ABGR:
      return {3, 2, 1, 0};
    case PixelFormat::NV12:
    case PixelFormat::I420:
      break;
  }
  return {};
}

std::string_view to_string(PixelFormat f);
std::optional<PixelFormat> pixel_format_from_string(std::string_view name);

// DRM fourcc of a packed format (DRM_FORMAT_XRGB8888 for BGRx, ...); 0 for planar formats.
uint32_t drm_fourcc(PixelFormat f);
std::optional<PixelFormat> pixel_format_from_drm(uint32_t fourcc);

// DRM_FORMAT_MOD_LINEAR and DRM_FORMAT_MOD_INVALID, without pulling in drm headers everywhere.
inline constexpr uint64_t kModifierLinear = 0;
inline constexpr uint64_t kModifierInvalid = 0x00ffffffffffffffULL;

}  // namespace zc
