#include "zerocopy/cpu/damage.hpp"

#include <algorithm>

namespace zc::zerocopy {
namespace {

// The bounding box of `rects` (non-empty).
Rect bounds(const std::vector<Rect>& rects) {
  int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = 0, y1 = 0;
  for (const Rect& r : rects) {
    x0 = std::min<int64_t>(x0, r.x);
    y0 = std::min<int64_t>(y0, r.y);
    x1 = std::max<int64_t>(x1, int64_t{r.x} + r.width);
    y1 = std::max<int64_t>(y1, int64_t{r.y} + r.height);
  }
  return Rect{static_cast<int32_t>(x0), static_cast<int32_t>(y0), static_cast<uint32_t>(x1 - x0),
              static_cast<uint32_t>(y1 - y0)};
}

bool contains(const Rect& outer, const Rect& inner) {
  return inner.x >= outer.x && inner.y >= outer.y && int64_t{inner.x} + inner.width <= int64_t{outer.x} + outer.width &&
         int64_t{inner.y} + inner.height <= int64_t{outer.y} + outer.height;
}

// Adds `r` unless a rect already there covers it (a damaged line that stays damaged frame after
// frame is converted once, not once per frame of the history).
void add_region(std::vector<Rect>& into, const Rect& r) {
  for (const Rect& have : into) {
    if (contains(have, r)) return;
  }
  std::erase_if(into, [&](const Rect& have) { return contains(r, have); });
  into.push_back(r);
}

}  // namespace

std::optional<Rect> aligned_clip(const Rect& r, uint32_t width, uint32_t height) {
  constexpr int64_t kColumns = kRegionColumns;
  // Inside the picture first (a rect beside it stays empty), then grown.
  const int64_t left = std::max<int64_t>(r.x, 0), top = std::max<int64_t>(r.y, 0);
  const int64_t right = std::min<int64_t>(int64_t{r.x} + r.width, width);
  const int64_t bottom = std::min<int64_t>(int64_t{r.y} + r.height, height);
  if (right <= left || bottom <= top) return std::nullopt;
  const int64_t x0 = left / kColumns * kColumns, y0 = top & ~int64_t{1};
  const int64_t x1 = std::min<int64_t>((right + kColumns - 1) / kColumns * kColumns, width);
  const int64_t y1 = std::min<int64_t>((bottom + 1) & ~int64_t{1}, height);
  return Rect{static_cast<int32_t>(x0), static_cast<int32_t>(y0), static_cast<uint32_t>(x1 - x0),
              static_cast<uint32_t>(y1 - y0)};
}

void DamageTracker::reset() {
  shape_.reset();
  history_.clear();
  epoch_ = 0;
}

uint64_t DamageTracker::note(const Frame& frame, const DamageShape& shape) {
  // The run goes on only with the next number, nothing missed between, the same shape, and the
  // damage known: anything else starts a new run, in which no earlier conversion counts.
  const bool follows = epoch_ != 0 && shape_ == shape && !history_.empty() &&
                       frame.sequence == history_.back().sequence + 1 && frame.missed_before == 0 &&
                       frame.damage_known && !frame.repeated && run_length_ < kMaxRun;
  if (!follows) {
    shape_ = shape;
    history_.clear();
    epoch_ = next_epoch_++;
    run_length_ = 1;
    // The first frame of a run has no usable damage: it is only the run's starting point.
    history_.push_back(Entry{frame.sequence, {}});
    return epoch_;
  }
  Entry entry{frame.sequence, {}};
  for (uint32_t i = 0; i < frame.damage_count && i < frame.damage.size(); ++i) {
    // Buffer coordinates to output ones: the visible rect's part of the damage, moved to its origin.
    const Rect& d = frame.damage[i];
    const int64_t x0 = std::max<int64_t>(d.x, shape.visible.x);
    const int64_t y0 = std::max<int64_t>(d.y, shape.visible.y);
    const int64_t x1 = std::min<int64_t>(int64_t{d.x} + d.width, int64_t{shape.visible.x} + shape.visible.width);
    const int64_t y1 = std::min<int64_t>(int64_t{d.y} + d.height, int64_t{shape.visible.y} + shape.visible.height);
    if (x1 <= x0 || y1 <= y0) continue;
    const Rect out{static_cast<int32_t>(x0 - shape.visible.x), static_cast<int32_t>(y0 - shape.visible.y),
                   static_cast<uint32_t>(x1 - x0), static_cast<uint32_t>(y1 - y0)};
    if (auto clipped = aligned_clip(out, shape.target_width, shape.target_height)) add_region(entry.damage, *clipped);
  }
  history_.push_back(std::move(entry));
  ++run_length_;
  if (history_.size() > kHistory) history_.erase(history_.begin());
  return epoch_;
}

bool DamageTracker::note_still(uint64_t sequence) {
  if (epoch_ == 0 || history_.empty() || sequence != history_.back().sequence + 1 || run_length_ >= kMaxRun) {
    return false;
  }
  history_.push_back(Entry{sequence, {}});
  ++run_length_;
  if (history_.size() > kHistory) history_.erase(history_.begin());
  return true;
}

std::optional<std::vector<Rect>> DamageTracker::regions_for(const ContentTag& held) const {
  if (epoch_ == 0 || held.epoch != epoch_ || history_.empty()) return std::nullopt;
  const uint64_t now = history_.back().sequence;
  // Every frame after the one it holds must be in the history (the first entry's damage is not
  // known: it can only be the held one).
  if (held.sequence > now || held.sequence < history_.front().sequence) return std::nullopt;
  std::vector<Rect> regions;
  for (const Entry& e : history_) {
    if (e.sequence <= held.sequence) continue;
    for (const Rect& r : e.damage)
      add_region(regions, r);
  }
  if (held.cursor) {
    if (auto c = aligned_clip(*held.cursor, shape_->target_width, shape_->target_height)) add_region(regions, *c);
  }
  if (regions.size() > kMaxRegions) regions = {bounds(regions)};
  return regions;
}

}  // namespace zc::zerocopy
