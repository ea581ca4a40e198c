#pragma once
// PixelFormat <-> spa_video_format. Internal to capture: nothing outside it sees SPA types.
#include <array>
#include <optional>
#include <utility>

#include <spa/param/video/raw.h>

#include "core/pixel_format.hpp"

namespace zc::capture {

// Every raw format capture negotiates. SPA names packed formats by byte order in memory (the
// 10-bit ones by the little-endian word), as PixelFormat does, so the mapping is 1:1. P010 and
// I010 are encoder layouts only, and MJPG is a media subtype (video/mjpg), not a raw format.
inline constexpr std::array<std::pair<PixelFormat, spa_video_format>, 23> kSpaFormats{{
    {PixelFormat::BGRx, SPA_VIDEO_FORMAT_BGRx},
    {PixelFormat::BGRA, SPA_VIDEO_FORMAT_BGRA},
    {PixelFormat::RGBx, SPA_VIDEO_FORMAT_RGBx},
    {PixelFormat::RGBA, SPA_VIDEO_FORMAT_RGBA},
    {PixelFormat::xRGB, SPA_VIDEO_FORMAT_xRGB},
    {PixelFormat::xBGR, SPA_VIDEO_FORMAT_xBGR},
    {PixelFormat::ARGB, SPA_VIDEO_FORMAT_ARGB},
    {PixelFormat::ABGR, SPA_VIDEO_FORMAT_ABGR},
    {PixelFormat::NV12, SPA_VIDEO_FORMAT_NV12},
    {PixelFormat::I420, SPA_VIDEO_FORMAT_I420},
    {PixelFormat::RGB, SPA_VIDEO_FORMAT_RGB},
    {PixelFormat::BGR, SPA_VIDEO_FORMAT_BGR},
    {PixelFormat::YUY2, SPA_VIDEO_FORMAT_YUY2},
    {PixelFormat::UYVY, SPA_VIDEO_FORMAT_UYVY},
    {PixelFormat::YV12, SPA_VIDEO_FORMAT_YV12},
    {PixelFormat::xRGB_210LE, SPA_VIDEO_FORMAT_xRGB_210LE},
    {PixelFormat::xBGR_210LE, SPA_VIDEO_FORMAT_xBGR_210LE},
    {PixelFormat::RGBx_102LE, SPA_VIDEO_FORMAT_RGBx_102LE},
    {PixelFormat::BGRx_102LE, SPA_VIDEO_FORMAT_BGRx_102LE},
    {PixelFormat::ARGB_210LE, SPA_VIDEO_FORMAT_ARGB_210LE},
    {PixelFormat::ABGR_210LE, SPA_VIDEO_FORMAT_ABGR_210LE},
    {PixelFormat::RGBA_102LE, SPA_VIDEO_FORMAT_RGBA_102LE},
    {PixelFormat::BGRA_102LE, SPA_VIDEO_FORMAT_BGRA_102LE},
}};

constexpr std::optional<spa_video_format> to_spa(PixelFormat f) {
  for (const auto& [format, spa] : kSpaFormats) {
    if (format == f) return spa;
  }
  return std::nullopt;
}

constexpr std::optional<PixelFormat> from_spa(uint32_t f) {
  for (const auto& [format, spa] : kSpaFormats) {
    if (spa == f) return format;
  }
  return std::nullopt;
}

}  // namespace zc::capture
