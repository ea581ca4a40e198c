#pragma once
// Filling a buffer's metadata (SPA_META_Header, VideoDamage, VideoCrop, Cursor). Each writer
// does nothing when the consumer did not get that meta on the buffer.
#include <cstdint>
#include <span>
#include <vector>

#include <spa/buffer/buffer.h>

#include "core/frame.hpp"
#include "testsrc/pattern.hpp"

namespace zc::testsrc {

inline constexpr uint32_t kCursorSize = 32;

void write_header(spa_buffer* buffer, uint64_t seq, int64_t pts_ns, uint32_t flags);
// The damage rectangles (clipped to width x height), then an empty region as terminator when
// there is room.
void write_damage(spa_buffer* buffer, const Damage& damage, uint32_t width, uint32_t height);
void write_crop(spa_buffer* buffer, const Rect& crop);

// An RGBA arrow of kCursorSize x kCursorSize: white with a black outline on transparent.
std::vector<uint8_t> make_cursor_bitmap();
// Where the cursor's top-left is at `frame`: circling the frame centre once every 4 seconds.
struct CursorPosition {
  int32_t x = 0;
  int32_t y = 0;
};
CursorPosition cursor_position(uint64_t frame, uint32_t fps, uint32_t width, uint32_t height);
// The cursor meta with position and, every time (consumers that skip a frame still get the
// shape), the bitmap.
void write_cursor(spa_buffer* buffer, CursorPosition position, std::span<const uint8_t> bitmap);

}  // namespace zc::testsrc
