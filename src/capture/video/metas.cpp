#include "capture/video/metas.hpp"

#include <algorithm>
#include <cstring>

#include <spa/buffer/meta.h>

#include "capture/video/params.hpp"
#include "capture/video/spa_format.hpp"

namespace zc::capture {
namespace {

// Intersection of a producer region with the frame; nullopt when empty.
std::optional<Rect> clamp_region(const spa_region& r, Size frame) {
  if (r.size.width == 0 || r.size.height == 0) return std::nullopt;
  const int64_t x0 = std::max<int64_t>(r.position.x, 0);
  const int64_t y0 = std::max<int64_t>(r.position.y, 0);
  const int64_t x1 = std::min<int64_t>(int64_t{r.position.x} + r.size.width, frame.width);
  const int64_t y1 = std::min<int64_t>(int64_t{r.position.y} + r.size.height, frame.height);
  if (x1 <= x0 || y1 <= y0) return std::nullopt;
  return Rect{static_cast<int32_t>(x0), static_cast<int32_t>(y0), static_cast<uint32_t>(x1 - x0),
              static_cast<uint32_t>(y1 - y0)};
}

const spa_meta* find_meta(const spa_buffer& buffer, uint32_t type) {
  for (uint32_t i = 0; i < buffer.n_metas; ++i) {
    if (buffer.metas[i].type == type && buffer.metas[i].data) return &buffer.metas[i];
  }
  return nullptr;
}

}  // namespace

std::optional<Rect> read_crop(const spa_buffer& buffer, Size frame) {
  const spa_meta* m = find_meta(buffer, SPA_META_VideoCrop);
  if (!m || m->size < sizeof(spa_meta_region)) return std::nullopt;
  spa_meta_region region{};
  std::memcpy(&region, m->data, sizeof region);
  return clamp_region(region.region, frame);
}

void read_damage(const spa_buffer& buffer, Size frame_size, Frame& frame) {
  frame.damage_count = 0;
  frame.damage_known = false;
  const spa_meta* m = find_meta(buffer, SPA_META_VideoDamage);
  if (!m) return;
  const size_t n = m->size / sizeof(spa_meta_region);
  uint32_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    spa_meta_region region{};
    std::memcpy(&region, static_cast<const uint8_t*>(m->data) + i * sizeof region, sizeof region);
    if (!spa_meta_region_is_valid(&region)) break;  // an invalid entry ends the list
    const auto rect = clamp_region(region.region, frame_size);
    if (!rect) continue;
    if (count == kMaxDamageRects) return;  // more than we can carry: treat as full damage
    frame.damage[count++] = *rect;
  }
  // A negotiated but never written meta reads as "no valid region": that is no information, not
  // "nothing changed".
  if (count == 0) return;
  frame.damage_count = count;
  frame.damage_known = true;
}

bool is_cursor_only(const spa_buffer& buffer) {
  if (buffer.n_datas == 0 || buffer.datas == nullptr || buffer.datas[0].chunk == nullptr) return false;
  const spa_data& d = buffer.datas[0];
  const bool no_picture =
      (d.chunk->flags & SPA_CHUNK_FLAG_CORRUPTED) != 0 || (d.chunk->size == 0 && d.type != SPA_DATA_DmaBuf);
  if (!no_picture) return false;
  const spa_meta* m = find_meta(buffer, SPA_META_Cursor);
  return m != nullptr && m->size >= sizeof(spa_meta_cursor);
}

CursorCache::CursorCache() {
  pixels_.resize(size_t{kMaxCursorSize} * kMaxCursorSize * 4);
}

void CursorCache::fill(Cursor& out) const {
  out.visible = visible_;
  out.x = x_;
  out.y = y_;
  if (has_bitmap_) {
    out.width = width_;
    out.height = height_;
    out.stride = width_ * 4;
    out.format = format_;
    out.pixels = pixels_.data();
  } else {
    out.width = out.height = out.stride = 0;
    out.pixels = nullptr;
  }
}

bool CursorCache::update(const spa_buffer& buffer, Cursor& out) {
  const spa_meta* m = find_meta(buffer, SPA_META_Cursor);
  if (!m || m->size < sizeof(spa_meta_cursor)) {
    // No cursor meta on this buffer: nothing to composite.
    visible_ = false;
    fill(out);
    return true;
  }
  const auto* base = static_cast<const uint8_t*>(m->data);
  spa_meta_cursor cursor{};
  std::memcpy(&cursor, base, sizeof cursor);
  if (!spa_meta_cursor_is_valid(&cursor)) {
    // id 0: the producer has no cursor over this stream right now (it left the area or is hidden).
    visible_ = false;
    fill(out);
    return true;
  }
  bool ok = true;
  if (cursor.bitmap_offset != 0) {
    ok = false;
    const uint64_t bitmap_at = cursor.bitmap_offset;
    spa_meta_bitmap bitmap{};
    if (bitmap_at >= sizeof(spa_meta_cursor) && bitmap_at + sizeof bitmap <= m->size) {
      std::memcpy(&bitmap, base + bitmap_at, sizeof bitmap);
      if (!spa_meta_bitmap_is_valid(&bitmap)) {
        ok = true;  // format 0: no new bitmap information, keep the cached one
      } else if (bitmap.offset == 0) {
        ok = true;  // a cursor without an image: nothing to draw
        has_bitmap_ = false;
      } else {
        const auto format = from_spa(bitmap.format);
        const uint64_t w = bitmap.size.width;
        const uint64_t h = bitmap.size.height;
        const uint64_t pixels_at = bitmap_at + bitmap.offset;
        const bool sane = format && is_packed_rgb(*format) && w > 0 && h > 0 && w <= kMaxCursorSize &&
                          h <= kMaxCursorSize && bitmap.stride > 0 && static_cast<uint64_t>(bitmap.stride) >= w * 4 &&
                          bitmap.offset >= sizeof(spa_meta_bitmap);
        if (sane && pixels_at + static_cast<uint64_t>(bitmap.stride) * (h - 1) + w * 4 <= m->size) {
          for (uint64_t row = 0; row < h; ++row) {
            std::memcpy(pixels_.data() + row * w * 4, base + pixels_at + row * static_cast<uint64_t>(bitmap.stride),
                        w * 4);
          }
          width_ = static_cast<uint32_t>(w);
          height_ = static_cast<uint32_t>(h);
          format_ = *format;
          hotspot_x_ = cursor.hotspot.x;
          hotspot_y_ = cursor.hotspot.y;
          has_bitmap_ = true;
          ok = true;
        }
      }
    }
  }
  visible_ = true;
  // The hotspot belongs to the bitmap it came with (producers leave it stale on position-only
  // updates); position is where the pointer is.
  x_ = static_cast<int32_t>(int64_t{cursor.position.x} - hotspot_x_);
  y_ = static_cast<int32_t>(int64_t{cursor.position.y} - hotspot_y_);
  fill(out);
  return ok;
}

}  // namespace zc::capture
