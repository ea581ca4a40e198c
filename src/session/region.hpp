#pragma once
// --region: a part of the captured picture, cropped in the import's own pass (the one that
// converts the colour and scales), so every import path does it at no extra cost. Given in the
// picture's pixels (X,Y,WxH), or chosen on the screen with slurp (`select`): slurp answers in the
// compositor's layout, which the portal stream's position and size map onto the picture.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/frame.hpp"

namespace zc::session {

struct Region {
  Rect rect;
  bool select = false;  // to be chosen with slurp when the run starts (resolve_region)
  bool layout = false;  // rect is in the compositor's layout (slurp's answer), not the picture's pixels
  bool operator==(const Region&) const = default;
};

// "X,Y,WxH" (or slurp's "X,Y WxH"), "select"; Errc::invalid_argument saying what is wrong.
Result<Region> parse_region(std::string_view text);
std::string to_string(const Region& region);

// Runs slurp for a `select` region and keeps its answer (in the layout's coordinates); any other
// region is left as it is. Errc::not_found without slurp, Errc::cancelled when the user gave
// up the selection (Escape).
Result<void> resolve_region(Region& region);

// Where a captured stream sits in the compositor's layout (the portal's position and size).
struct StreamPlacement {
  int32_t x = 0, y = 0;
  uint32_t width = 0, height = 0;
};

// The crop of a frame for `region`: in the buffer's pixels, inside `visible` (the producer's own
// crop or the whole buffer), with even offsets and sizes (4:2:0 chroma), at least 16x16. A layout
// region is mapped through `placement` (its scale is the picture's size over the layout's);
// without one it is taken as pixels. nullopt when the region misses the picture.
std::optional<Rect> region_crop(const Region& region, const Rect& visible,
                                const std::optional<StreamPlacement>& placement);

}  // namespace zc::session
