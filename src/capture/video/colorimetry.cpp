#include "capture/video/colorimetry.hpp"

#include <optional>
#include <string_view>

#include <spa/param/video/color.h>

namespace zc::capture {
namespace {

template <typename T>
std::optional<T> nearest(std::vector<std::string>& warnings, std::string_view what, std::string_view value, T tag,
                         std::string_view tag_name) {
  warnings.push_back(std::string(what) + " " + std::string(value) + " has no tag here: taken as " +
                     std::string(tag_name));
  return tag;
}

std::optional<ColourRange> range_of(uint32_t v) {
  switch (v) {
    case SPA_VIDEO_COLOR_RANGE_0_255:
      return ColourRange::Full;
    case SPA_VIDEO_COLOR_RANGE_16_235:
      return ColourRange::Limited;
    default:
      return std::nullopt;
  }
}

std::optional<ColourMatrix> matrix_of(uint32_t v, std::vector<std::string>& w) {
  switch (v) {
    case SPA_VIDEO_COLOR_MATRIX_BT709:
      return ColourMatrix::BT709;
    case SPA_VIDEO_COLOR_MATRIX_BT601:
      return ColourMatrix::BT601;
    case SPA_VIDEO_COLOR_MATRIX_BT2020:
      return ColourMatrix::BT2020;
    case SPA_VIDEO_COLOR_MATRIX_FCC:
      return nearest(w, "colour matrix", "FCC", ColourMatrix::BT601, "bt601");
    case SPA_VIDEO_COLOR_MATRIX_SMPTE240M:
      return nearest(w, "colour matrix", "SMPTE 240M", ColourMatrix::BT709, "bt709");
    default:  // unknown, or RGB (no matrix: an RGB format's)
      return std::nullopt;
  }
}

std::optional<ColourTransfer> transfer_of(uint32_t v, std::vector<std::string>& w) {
  switch (v) {
    case SPA_VIDEO_TRANSFER_UNKNOWN:
      return std::nullopt;
    case SPA_VIDEO_TRANSFER_BT709:
    case SPA_VIDEO_TRANSFER_BT2020_12:
    case kSpaTransferBt2020_10:
    case kSpaTransferBt601:
      return ColourTransfer::BT709;  // the same curve
    case SPA_VIDEO_TRANSFER_SRGB:
      return ColourTransfer::SRGB;
    case kSpaTransferSmpte2084:
      return ColourTransfer::PQ;
    case kSpaTransferAribStdB67:
      return ColourTransfer::HLG;
    default:
      return nearest(w, "transfer function", "SPA " + std::to_string(v), ColourTransfer::BT709, "bt709");
  }
}

std::optional<ColourPrimaries> primaries_of(uint32_t v, std::vector<std::string>& w) {
  switch (v) {
    case SPA_VIDEO_COLOR_PRIMARIES_UNKNOWN:
      return std::nullopt;
    case SPA_VIDEO_COLOR_PRIMARIES_BT709:
      return ColourPrimaries::BT709;
    case SPA_VIDEO_COLOR_PRIMARIES_SMPTE170M:
    case SPA_VIDEO_COLOR_PRIMARIES_SMPTE240M:  // the same primaries
      return ColourPrimaries::BT601;
    case SPA_VIDEO_COLOR_PRIMARIES_BT2020:
      return ColourPrimaries::BT2020;
    case SPA_VIDEO_COLOR_PRIMARIES_BT470BG:
      return nearest(w, "primaries", "BT.470 BG", ColourPrimaries::BT601, "smpte170m");
    case SPA_VIDEO_COLOR_PRIMARIES_BT470M:
      return nearest(w, "primaries", "BT.470 M", ColourPrimaries::BT601, "smpte170m");
    default:
      return nearest(w, "primaries", "SPA " + std::to_string(v), ColourPrimaries::BT709, "bt709");
  }
}

}  // namespace

AnnouncedColour announced_colour(uint32_t range, uint32_t matrix, uint32_t transfer, uint32_t primaries,
                                 std::vector<std::string>& warnings) {
  AnnouncedColour a;
  a.range = range_of(range);
  a.matrix = matrix_of(matrix, warnings);
  a.transfer = transfer_of(transfer, warnings);
  a.primaries = primaries_of(primaries, warnings);
  return a;
}

}  // namespace zc::capture
