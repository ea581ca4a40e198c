#pragma once
// Buffer validation (DESIGN.md §4): turns a dequeued spa_buffer into a zc::Frame, or into a
// Defect that says why the buffer must be skipped. Pure: tests build spa_buffers by hand.
#include <cstdint>
#include <optional>
#include <string_view>

#include <spa/buffer/buffer.h>

#include "capture/video/params.hpp"
#include "core/frame.hpp"

namespace zc::capture {

enum class DefectKind : uint8_t {
  corrupted_header,    // SPA_META_HEADER_FLAG_CORRUPTED
  corrupted_chunk,     // SPA_CHUNK_FLAG_CORRUPTED
  empty_chunk,         // chunk size 0 on shared memory (allowed on dmabufs)
  bad_stride,          // stride < width * bytes per pixel, negative, or 0 on a dmabuf
  out_of_bounds,       // chunk offset/size outside the mapping (maxsize)
  short_buffer,        // fewer bytes than the image needs
  missing_data,        // no data block, no mapped pointer (shm) or no fd (dmabuf)
  unsupported_memory,  // a data type we did not ask for
  bad_cursor,          // cursor bitmap outside its meta or malformed: ignored, the frame still goes
  acquire_timeout,     // explicit sync: the producer's acquire point did not signal in time
  stale_buffer,        // numbered older than a frame already delivered: its picture would go back
  count_,
};
inline constexpr size_t kDefectKinds = static_cast<size_t>(DefectKind::count_);

std::string_view to_string(DefectKind kind);

struct Defect {
  DefectKind kind = DefectKind::missing_data;
  uint64_t buffer_id = 0;
  uint64_t sequence = 0;
  bool frame_dropped = true;  // false for meta defects: the frame was delivered without that meta
  int64_t seen = 0;           // the offending value (stride, size, offset, ...), for the log
  int64_t needed = 0;         // what it had to be at least / at most
};

// SPA_META_Header, when the producer attached one.
struct HeaderInfo {
  bool present = false;
  uint32_t flags = 0;
  int64_t pts = 0;  // ns; producers without a clock send 0 or -1
  uint64_t seq = 0;
};
HeaderInfo read_header(const spa_buffer& buffer);

// A numbered buffer (`header`) a little older than the last number taken (`last_seq`): one the
// producer sent again without filling it (its header still has the number of its last fill;
// GStreamer's pipewiresink on PipeWire 1.4: 29 after 36, 34 after 41, and 45 after 45), or one
// queued late. Its picture would go back in time, or stand twice. The same number again only from
// a producer that counts (`counting`: its numbers moved forward before; one that does not count
// sends the same number every time), and never a jump far back (a producer that started counting
// again).
constexpr uint64_t kMaxStaleBack = 32;
constexpr bool is_stale(const HeaderInfo& header, std::optional<uint64_t> last_seq, bool counting) {
  if (!header.present || !last_seq || header.seq > *last_seq) return false;
  return header.seq == *last_seq ? counting : *last_seq - header.seq <= kMaxStaleBack;
}

// Validates `buffer` against the negotiated `format`. On success the frame has its size, format,
// memory (data/stride/size, or dmabuf planes and modifier), buffer id and, from the header,
// sequence; pts, crop, damage and cursor are left to the caller.
tl::expected<Frame, Defect> validate_buffer(const spa_buffer& buffer, const VideoFormat& format, uint64_t buffer_id);

}  // namespace zc::capture
