#pragma once
// PixelFormat <-> spa_video_format. Internal to capture: nothing outside it sees SPA types.
#include <optional>

#include <spa/param/video/raw.h>

#include "core/pixel_format.hpp"

namespace zc::capture {

// SPA names packed formats by byte order in memory, as PixelFormat does, so the mapping is 1:1.
constexpr std::optional<spa_video_format> to_spa(PixelFormat f) {
  switch (f) {
    case PixelFormat::BGRx:
      return SPA_VIDEO_FORMAT_BGRx;
    case PixelFormat::BGRA:
      return SPA_VIDEO_FORMAT_BGRA;
    case PixelFormat::RGBx:
      return SPA_VIDEO_FORMAT_RGBx;
    case PixelFormat::RGBA:
      return SPA_VIDEO_FORMAT_RGBA;
    case PixelFormat::xRGB:
      return SPA_VIDEO_FORMAT_xRGB;
    case PixelFormat::xBGR:
      return SPA_VIDEO_FORMAT_xBGR;
    case PixelFormat::ARGB:
      return SPA_VIDEO_FORMAT_ARGB;
    case PixelFormat::ABGR:
      return SPA_VIDEO_FORMAT_ABGR;
    case PixelFormat::NV12:
    case PixelFormat::I420:
      return std::nullopt;  // capture only negotiates packed RGB
  }
  return std::nullopt;
}

constexpr std::optional<PixelFormat> from_spa(uint32_t f) {
  switch (f) {
    case SPA_VIDEO_FORMAT_BGRx:
      return PixelFormat::BGRx;
    case SPA_VIDEO_FORMAT_BGRA:
      return PixelFormat::BGRA;
    case SPA_VIDEO_FORMAT_RGBx:
      return PixelFormat::RGBx;
    case SPA_VIDEO_FORMAT_RGBA:
      return PixelFormat::RGBA;
    case SPA_VIDEO_FORMAT_xRGB:
      return PixelFormat::xRGB;
    case SPA_VIDEO_FORMAT_xBGR:
      return PixelFormat::xBGR;
    case SPA_VIDEO_FORMAT_ARGB:
      return PixelFormat::ARGB;
    case SPA_VIDEO_FORMAT_ABGR:
      return PixelFormat::ABGR;
    default:
      return std::nullopt;
  }
}

}  // namespace zc::capture
