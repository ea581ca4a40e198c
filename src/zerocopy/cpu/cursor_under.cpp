#include "zerocopy/cpu/cursor_under.hpp"

#include <algorithm>
#include <cstdint>

namespace zc::zerocopy {

void UnderCursor::keep(const PlanarView& view, const std::optional<Rect>& area) {
  rect_.reset();
  if (!area || area->width == 0 || area->height == 0) return;
  // Whole 2x2 blocks: the cursor blends a chroma sample wherever it touches one of its pixels.
  const int64_t x0 = std::max<int64_t>(area->x, 0) & ~int64_t{1};
  const int64_t y0 = std::max<int64_t>(area->y, 0) & ~int64_t{1};
  const int64_t x1 = std::min<int64_t>((int64_t{area->x} + area->width + 1) & ~int64_t{1}, view.width);
  const int64_t y1 = std::min<int64_t>((int64_t{area->y} + area->height + 1) & ~int64_t{1}, view.height);
  if (x1 <= x0 || y1 <= y0) return;
  const Rect r{static_cast<int32_t>(x0), static_cast<int32_t>(y0), static_cast<uint32_t>(x1 - x0),
               static_cast<uint32_t>(y1 - y0)};
  layout_ = PlaneLayout::make(view.format, r.width, r.height);
  if (block_.size() < layout_.bytes) block_ = AlignedBlock(layout_.bytes);
  if (!block_) return;  // out of memory: a pointer move is then not drawn
  copy_view(sub_view(view, r), view_of(layout_, block_.data()));
  rect_ = r;
}

void UnderCursor::put_back(const PlanarView& view) const {
  if (!rect_ || view.format != layout_.format) return;
  copy_view(view_of(layout_, block_.data()), sub_view(view, *rect_));
}

}  // namespace zc::zerocopy
