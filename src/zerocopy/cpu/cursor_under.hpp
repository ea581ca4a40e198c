#pragma once
// The picture under the drawn cursor, kept so the cursor can be taken off again: a pointer move
// over a still picture is drawn as the last frame with the pointer put back to what was under it
// and drawn at its new place.
#include <optional>

#include "core/frame.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

class UnderCursor {
 public:
  // Before a cursor is drawn over `area` (output coordinates) of `view`: keeps those samples,
  // grown to whole chroma samples. nullopt (nothing will be drawn): keeps nothing.
  void keep(const PlanarView& view, const std::optional<Rect>& area);
  // Writes what was kept back into `view` (the same format and size as it was kept from).
  void put_back(const PlanarView& view) const;

 private:
  std::optional<Rect> rect_;
  PlaneLayout layout_;
  AlignedBlock block_;
};

}  // namespace zc::zerocopy
