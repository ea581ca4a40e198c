#pragma once
// Buffer metas (DESIGN.md §4): VideoCrop, VideoDamage and Cursor, read defensively: a producer's
// numbers are never trusted to stay inside the meta or the frame.
#include <cstdint>
#include <optional>
#include <vector>

#include <spa/buffer/buffer.h>

#include "capture/video/offer.hpp"
#include "core/frame.hpp"

namespace zc::capture {

// SPA_META_VideoCrop clamped into the frame; nullopt when absent, empty or entirely outside.
std::optional<Rect> read_crop(const spa_buffer& buffer, Size frame);

// SPA_META_VideoDamage into frame.damage / damage_count / damage_known. Rectangles are clamped
// into the frame. No meta, no valid rectangle, or more than kMaxDamageRects: damage unknown
// (everything may have changed).
void read_damage(const spa_buffer& buffer, Size frame_size, Frame& frame);

// A cursor-only buffer: its picture not to be looked at (the first chunk SPA_CHUNK_FLAG_CORRUPTED,
// or empty in memory PipeWire maps; a dmabuf's chunk may say 0) but a Cursor meta on it, visible
// or not. What mutter and KWin send when only the pointer moved (or a frame failed to record).
bool is_cursor_only(const spa_buffer& buffer);

// The metadata cursor. Producers send the bitmap only when it changes, so the last good one is
// kept here (owned by the stream, allocated once) for every later frame.
class CursorCache {
 public:
  CursorCache();

  // Reads the Cursor meta of `buffer` (if any) and fills `out`: position minus hotspot, and the
  // cached bitmap. Returns false when the meta carried a bitmap that is malformed or lies outside
  // the meta: it is not read and the previous bitmap stays.
  bool update(const spa_buffer& buffer, Cursor& out);

  bool has_bitmap() const { return has_bitmap_; }

 private:
  void fill(Cursor& out) const;

  std::vector<uint8_t> pixels_;  // tightly packed rows (stride = width * 4)
  bool has_bitmap_ = false;
  bool visible_ = false;
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  PixelFormat format_ = PixelFormat::BGRA;
  int32_t hotspot_x_ = 0;  // of the cached bitmap
  int32_t hotspot_y_ = 0;
  int32_t x_ = 0;  // position minus hotspot
  int32_t y_ = 0;
};

}  // namespace zc::capture
