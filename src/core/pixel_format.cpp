#include "core/pixel_format.hpp"

namespace zc {

std::string_view to_string(PixelFormat f) {
  const auto i = static_cast<size_t>(f);
  return i < kFormatTable.size() ? kFormatTable[i].name : "unknown";
}

std::optional<PixelFormat> pixel_format_from_string(std::string_view name) {
  for (const auto& info : kFormatTable) {
    if (info.name == name) return info.format;
  }
  return std::nullopt;
}

uint32_t drm_fourcc(PixelFormat f) {
  const auto i = static_cast<size_t>(f);
  return i < kFormatTable.size() ? kFormatTable[i].drm : 0;
}

std::optional<PixelFormat> pixel_format_from_drm(uint32_t code) {
  for (const auto& info : kFormatTable) {
    if (info.drm != 0 && info.drm == code) return info.format;
  }
  return std::nullopt;
}

}  // namespace zc
