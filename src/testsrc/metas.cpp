#include "testsrc/metas.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include <spa/buffer/meta.h>
#include <spa/param/video/raw.h>

namespace zc::testsrc {
namespace {

spa_region clip(const Rect& r, uint32_t width, uint32_t height) {
  const int64_t x0 = std::clamp<int64_t>(r.x, 0, width);
  const int64_t y0 = std::clamp<int64_t>(r.y, 0, height);
  const int64_t x1 = std::clamp<int64_t>(static_cast<int64_t>(r.x) + r.width, 0, width);
  const int64_t y1 = std::clamp<int64_t>(static_cast<int64_t>(r.y) + r.height, 0, height);
  spa_region out{};
  out.position.x = static_cast<int32_t>(x0);
  out.position.y = static_cast<int32_t>(y0);
  out.size.width = static_cast<uint32_t>(x1 - x0);
  out.size.height = static_cast<uint32_t>(y1 - y0);
  return out;
}

}  // namespace

void write_header(spa_buffer* buffer, uint64_t seq, int64_t pts_ns, uint32_t flags) {
  auto* h = static_cast<spa_meta_header*>(spa_buffer_find_meta_data(buffer, SPA_META_Header, sizeof(spa_meta_header)));
  if (!h) return;
  h->flags = flags;
  h->offset = 0;
  h->pts = pts_ns;
  h->dts_offset = 0;
  h->seq = seq;
}

void write_damage(spa_buffer* buffer, const Damage& damage, uint32_t width, uint32_t height) {
  spa_meta* meta = spa_buffer_find_meta(buffer, SPA_META_VideoDamage);
  if (!meta) return;
  uint32_t i = 0;
  spa_meta_region* r = nullptr;
  spa_meta_for_each(r, meta) {
    if (i < damage.count) {
      r->region = clip(damage.rects[i++], width, height);
      if (r->region.size.width == 0 || r->region.size.height == 0) r->region = spa_region{};
    } else {
      r->region = spa_region{};  // terminator
      break;
    }
  }
}

void write_crop(spa_buffer* buffer, const Rect& crop) {
  auto* r =
      static_cast<spa_meta_region*>(spa_buffer_find_meta_data(buffer, SPA_META_VideoCrop, sizeof(spa_meta_region)));
  if (!r) return;
  r->region.position.x = crop.x;
  r->region.position.y = crop.y;
  r->region.size.width = crop.width;
  r->region.size.height = crop.height;
}

std::vector<uint8_t> make_cursor_bitmap() {
  std::vector<uint8_t> px(static_cast<size_t>(kCursorSize) * kCursorSize * 4, 0);
  auto inside = [](int x, int y) { return y >= 0 && y < 26 && x >= 0 && x <= y * 2 / 3; };
  for (int y = 0; y < static_cast<int>(kCursorSize); ++y) {
    for (int x = 0; x < static_cast<int>(kCursorSize); ++x) {
      uint8_t* p = &px[(static_cast<size_t>(y) * kCursorSize + x) * 4];
      if (!inside(x, y)) continue;
      const bool edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1);
      const uint8_t v = edge ? 0 : 255;
      p[0] = v;
      p[1] = v;
      p[2] = v;
      p[3] = 255;
    }
  }
  return px;
}

CursorPosition cursor_position(uint64_t frame, uint32_t fps, uint32_t width, uint32_t height) {
  const double period = 4.0 * std::max<uint32_t>(fps, 1);
  const double angle = 2.0 * std::numbers::pi * static_cast<double>(frame % static_cast<uint64_t>(period)) / period;
  const double radius = std::min(width, height) / 3.0;
  return {static_cast<int32_t>(width / 2.0 + radius * std::cos(angle)),
          static_cast<int32_t>(height / 2.0 + radius * std::sin(angle))};
}

void write_cursor(spa_buffer* buffer, CursorPosition position, std::span<const uint8_t> bitmap) {
  spa_meta* meta = spa_buffer_find_meta(buffer, SPA_META_Cursor);
  if (!meta || meta->size < sizeof(spa_meta_cursor)) return;
  auto* c = static_cast<spa_meta_cursor*>(meta->data);
  c->id = 1;
  c->flags = 0;
  c->position.x = position.x;
  c->position.y = position.y;
  c->hotspot.x = 0;
  c->hotspot.y = 0;
  c->bitmap_offset = 0;
  const size_t needed = sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + bitmap.size();
  if (meta->size < needed || bitmap.size() != static_cast<size_t>(kCursorSize) * kCursorSize * 4) return;
  c->bitmap_offset = sizeof(spa_meta_cursor);
  auto* b = SPA_PTROFF(c, c->bitmap_offset, spa_meta_bitmap);
  b->format = SPA_VIDEO_FORMAT_RGBA;
  b->size.width = kCursorSize;
  b->size.height = kCursorSize;
  b->stride = static_cast<int32_t>(kCursorSize * 4);
  b->offset = sizeof(spa_meta_bitmap);
  std::memcpy(SPA_PTROFF(b, b->offset, uint8_t), bitmap.data(), bitmap.size());
}

}  // namespace zc::testsrc
