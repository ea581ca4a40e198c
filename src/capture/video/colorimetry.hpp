#pragma once
// A producer's colorimetry (SPA_FORMAT_VIDEO_colorRange, colorMatrix, transferFunction,
// colorPrimaries) as zerocast's colour parts (core/colour.hpp). A value with no tag of ours (an
// FCC matrix, a gamma 2.8 curve, Adobe RGB primaries) becomes the nearest one, with a warning
// that names it: the stream goes on.
#include <cstdint>
#include <string>
#include <vector>

#include "core/colour.hpp"

namespace zc::capture {

// PipeWire before 1.6 has no values for HDR transfer curves; these are upstream's
// (spa/param/video/color.h since 1.6), as producers built against it send them.
inline constexpr uint32_t kSpaTransferBt2020_10 = 13;
inline constexpr uint32_t kSpaTransferSmpte2084 = 14;
inline constexpr uint32_t kSpaTransferAribStdB67 = 15;
inline constexpr uint32_t kSpaTransferBt601 = 16;

// The raw format's four values (spa_video_info_raw's color_range, color_matrix, transfer_function,
// color_primaries); 0 (unknown) leaves a part out.
AnnouncedColour announced_colour(uint32_t range, uint32_t matrix, uint32_t transfer, uint32_t primaries,
                                 std::vector<std::string>& warnings);

}  // namespace zc::capture
