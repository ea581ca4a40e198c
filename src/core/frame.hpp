#pragma once
// A captured frame as capture hands it to an importer. A plain value: it borrows the PipeWire
// buffer's memory, which stays valid only until the importer's import() returns.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/pixel_format.hpp"

namespace zc {

struct Rect {
  int32_t x = 0;
  int32_t y = 0;
  uint32_t width = 0;
  uint32_t height = 0;

  bool operator==(const Rect&) const = default;
};

// The metadata cursor (SPA_META_Cursor). Capture keeps the last bitmap it was sent, so every
// frame carries the full cursor state; `pixels` points into capture's cache and, like the frame's
// own memory, is valid only during import().
struct Cursor {
  bool visible = false;
  int32_t x = 0;  // top-left of the bitmap in frame coordinates (position minus hotspot)
  int32_t y = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t stride = 0;
  PixelFormat format = PixelFormat::BGRA;
  const uint8_t* pixels = nullptr;  // nullptr: no bitmap known yet (nothing to draw)
};

enum class MemoryKind : uint8_t {
  Cpu,     // MemPtr or MemFd, mapped by PipeWire: `data` is valid
  DmaBuf,  // planes[] carry fds; `data` is null unless someone mapped it
};

// A chroma plane of a mapped planar image (NV12's UV; I420's and YV12's U and V).
struct CpuPlane {
  const uint8_t* data = nullptr;
  uint32_t stride = 0;
  size_t size = 0;  // readable bytes from `data`
};

struct DmaBufPlane {
  int fd = -1;
  uint32_t offset = 0;
  uint32_t stride = 0;
  uint64_t size = 0;  // size of the fd's memory as PipeWire reports it (maxsize)
};

inline constexpr size_t kMaxDamageRects = 16;

struct Frame {
  uint64_t buffer_id = 0;  // the PipeWire buffer this came from, for importer caches (forget())
  uint64_t sequence = 0;   // producer sequence (SPA_META_Header seq) or our own count
  // Frames the producer numbered (its header's seq) since the buffer before this one that never
  // reached us: a graph cycle that ran before we took the last buffer overwrote it.
  uint32_t missed_before = 0;
  int64_t pts_ns = 0;  // capture time on CLOCK_MONOTONIC
  uint32_t width = 0;  // negotiated size of the buffer
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;

  MemoryKind memory = MemoryKind::Cpu;
  uint64_t modifier = kModifierInvalid;  // DmaBuf only
  std::array<DmaBufPlane, 4> planes{};
  uint32_t plane_count = 0;

  const uint8_t* data = nullptr;  // first pixel of the image, plane 0 (chunk offset applied); MJPG: the JPEG
  uint32_t stride = 0;            // bytes per row of `data` (0 for MJPG)
  size_t size = 0;                // readable bytes from `data` (MJPG: the JPEG's bytes)
  // Planar formats in CPU memory: chroma[0] is U (NV12: interleaved UV), chroma[1] V, whatever
  // order the format keeps them in (capture resolves YV12's), each validated to hold its rows.
  std::array<CpuPlane, 2> chroma{};

  std::optional<Rect> crop;  // SPA_META_VideoCrop, already clamped to the frame
  Cursor cursor;
  std::array<Rect, kMaxDamageRects> damage{};
  uint32_t damage_count = 0;  // 0 with damage_known == false: everything may have changed
  bool damage_known = false;
  bool repeated = false;  // a copy of the last frame sent again to hold a constant rate (--cfr)

  // The region that should be encoded: crop if any, else the whole buffer.
  Rect visible_rect() const { return crop.value_or(Rect{0, 0, width, height}); }
};

}  // namespace zc
