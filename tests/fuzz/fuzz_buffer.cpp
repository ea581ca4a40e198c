// Buffer, chunk and meta validation (capture/video/buffer.cpp, metas.cpp) as the capture thread
// runs it (stream_frames.cpp): a negotiated format and a spa_buffer built from the input (up to 4
// datas with their chunks and mappings, up to 4 metas), then the header, the cursor-only test,
// validate_buffer, crop, damage and the cursor cache. What validation lets through is read the way
// the importers read it: every row of every plane it promises must lie inside the mapping, and a
// small shared-memory frame goes through the CPU importer itself.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>

#include "capture/video/buffer.hpp"
#include "capture/video/metas.hpp"
#include "capture/video/params.hpp"
#include "capture/video/spa_format.hpp"
#include "core/image_layout.hpp"
#include "fuzz_input.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

extern "C" {
#include <libavutil/log.h>
}

namespace {

using zc::fuzz::FuzzInput;

volatile uint8_t g_sink;  // keeps the reads below from being optimised away

// Reads the first and last byte of each of `rows` rows of `row_bytes` bytes, `stride` apart,
// after checking that they lie inside the `size` bytes the frame says are readable.
void touch_rows(const uint8_t* data, uint64_t stride, uint64_t row_bytes, uint64_t rows, uint64_t size) {
  if (rows == 0 || row_bytes == 0) return;
  if (data == nullptr || stride < row_bytes) std::abort();
  if ((rows - 1) * stride + row_bytes > size || (rows - 1) > size / stride) std::abort();
  for (uint64_t r = 0; r < rows; ++r) {
    g_sink = data[r * stride];
    g_sink = data[r * stride + row_bytes - 1];
  }
}

// The bytes a row of plane `plane` holds, counted without the 32-bit wrap.
uint64_t row_bytes(zc::PixelFormat format, uint64_t width, uint32_t plane) {
  const zc::FormatInfo& info = zc::format_info(format);
  switch (info.kind) {
    case zc::FormatKind::yuv422:
      return (width + 1) / 2 * 4;
    case zc::FormatKind::yuv420:
    case zc::FormatKind::yuv420_10:
      if (plane == 0) return width * info.bytes;
      return (width + 1) / 2 * (info.planes == 2 ? 2 : 1) * info.bytes;
    default:
      return width * info.bytes;
  }
}

void touch_frame(const zc::Frame& f) {
  if (f.memory == zc::MemoryKind::DmaBuf) {
    if (f.data && f.size > 0) {
      g_sink = f.data[0];
      g_sink = f.data[f.size - 1];
    }
    return;
  }
  if (f.format == zc::PixelFormat::MJPG) {
    if (!f.data || f.size == 0) std::abort();
    g_sink = f.data[0];
    g_sink = f.data[f.size - 1];
    return;
  }
  const uint32_t planes = zc::plane_count(f.format);
  touch_rows(f.data, f.stride, row_bytes(f.format, f.width, 0), f.height, f.size);
  for (uint32_t p = 1; p < planes; ++p) {
    const zc::CpuPlane& c = f.chroma[p - 1];
    touch_rows(c.data, c.stride, row_bytes(f.format, f.width, p), (uint64_t{f.height} + 1) / 2, c.size);
  }
}

void check_rect(const zc::Rect& r, zc::capture::Size frame) {
  if (r.x < 0 || r.y < 0 || r.width == 0 || r.height == 0 || uint64_t(r.x) + r.width > frame.width ||
      uint64_t(r.y) + r.height > frame.height) {
    std::abort();
  }
}

void touch_cursor(const zc::Cursor& c) {
  if (!c.pixels) return;
  touch_rows(c.pixels, c.stride, uint64_t{c.width} * 4, c.height, uint64_t{c.stride} * c.height);
}

// What the producer sent: the buffer and the memory its pointers point into.
struct Sent {
  spa_buffer buffer{};
  std::array<spa_data, 4> datas{};
  std::array<spa_chunk, 4> chunks{};
  std::array<spa_meta, 4> metas{};
  std::array<std::vector<uint8_t>, 4> mappings;
  std::array<std::vector<uint8_t>, 4> meta_bytes;
};

void read_buffer(FuzzInput& in, Sent& s) {
  s.buffer.n_datas = in.in_range<uint32_t>(0, 4);
  s.buffer.datas = s.datas.data();
  for (uint32_t i = 0; i < s.buffer.n_datas; ++i) {
    spa_data& d = s.datas[i];
    const uint8_t bits = in.take<uint8_t>();
    d.type = bits % 6;  // Invalid, MemPtr, MemFd, DmaBuf, MemId, and one past them
    d.fd = (bits & 0x40) ? -1 : 1000 + i;
    d.maxsize = in.in_range<uint32_t>(0, 1 << 16);
    if ((bits & 0x80) == 0) {
      s.mappings[i].resize(d.maxsize);
      for (size_t b = 0; b < s.mappings[i].size(); ++b)
        s.mappings[i][b] = static_cast<uint8_t>(b * 31 + i);
      d.data = s.mappings[i].data();
    }
    if ((bits & 0x20) == 0) {
      spa_chunk& c = s.chunks[i];
      c.offset = in.take<uint32_t>();
      c.size = in.take<uint32_t>();
      c.stride = in.take<int32_t>();
      c.flags = in.take<int32_t>();
      d.chunk = &c;
    }
  }
  s.buffer.n_metas = in.in_range<uint32_t>(0, 4);
  s.buffer.metas = s.metas.data();
  for (uint32_t i = 0; i < s.buffer.n_metas; ++i) {
    spa_meta& m = s.metas[i];
    m.type =
        in.take<uint8_t>() % 9;  // Invalid, Header, VideoCrop, VideoDamage, Bitmap, Cursor, Control, Busy, one more
    m.size = in.in_range<uint32_t>(0, 1 << 18);
    const auto given = in.bytes(in.take<uint16_t>());
    s.meta_bytes[i].assign(m.size, 0);
    std::copy_n(given.begin(), std::min<size_t>(given.size(), m.size), s.meta_bytes[i].begin());
    m.data = m.size == 0 ? nullptr : s.meta_bytes[i].data();
  }
}

zc::capture::VideoFormat read_format(FuzzInput& in) {
  zc::capture::VideoFormat f;
  const size_t pick = in.take<uint8_t>() % (zc::capture::kSpaFormats.size() + 1);
  f.format = pick < zc::capture::kSpaFormats.size() ? zc::capture::kSpaFormats[pick].first : zc::PixelFormat::MJPG;
  const uint8_t bits = in.take<uint8_t>();
  // Mostly small pictures; now and then any size parse_format takes.
  if (bits & 1) {
    const uint32_t most = zc::capture::kMaxFormatDimension;
    f.size = {in.in_range<uint32_t>(1, most), in.in_range<uint32_t>(1, most)};
  } else {
    f.size = {in.in_range<uint32_t>(1, 96), in.in_range<uint32_t>(1, 96)};
  }
  f.dmabuf = (bits & 2) != 0;
  f.modifier = (bits & 4) ? zc::kModifierLinear : in.take<uint64_t>();
  return f;
}

void import(const zc::Frame& frame, FuzzInput& in) {
  if (frame.memory != zc::MemoryKind::Cpu || uint64_t{frame.width} * frame.height > 128 * 128) return;
  zc::zerocopy::CpuImporter importer;
  zc::zerocopy::ImportTarget target;
  const uint8_t bits = in.take<uint8_t>();
  target.format = (bits & 1) ? zc::PixelFormat::I420 : zc::PixelFormat::NV12;
  target.draw_cursor = (bits & 2) != 0;
  target.width = (bits & 4) ? (frame.width + 1) & ~1u : 2 * in.in_range<uint32_t>(1, 64);
  target.height = (bits & 4) ? (frame.height + 1) & ~1u : 2 * in.in_range<uint32_t>(1, 64);
  (void)importer.import(frame, target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libavcodec's complaints about broken JPEGs are expected here, by the thousand.
  static const bool quiet = [] {
    av_log_set_level(AV_LOG_QUIET);
    return true;
  }();
  (void)quiet;
  FuzzInput in(data, size);
  const zc::capture::VideoFormat format = read_format(in);
  const uint8_t last = in.take<uint8_t>();
  Sent sent;
  read_buffer(in, sent);
  const spa_buffer& buf = sent.buffer;

  const zc::capture::HeaderInfo header = zc::capture::read_header(buf);
  (void)zc::capture::is_stale(header, last & 1 ? std::optional<uint64_t>(last) : std::nullopt, (last & 2) != 0);
  zc::capture::CursorCache cursor;
  if (zc::capture::is_cursor_only(buf)) {
    zc::Cursor now;
    (void)cursor.update(buf, now);
    touch_cursor(now);
    return 0;
  }
  auto frame = zc::capture::validate_buffer(buf, format, 1);
  if (!frame) {
    if (zc::capture::to_string(frame.error().kind) == "unknown") std::abort();
    return 0;
  }
  frame->crop = zc::capture::read_crop(buf, format.size);
  if (frame->crop) check_rect(*frame->crop, format.size);
  zc::capture::read_damage(buf, format.size, *frame);
  if (frame->damage_count > zc::kMaxDamageRects) std::abort();
  for (uint32_t i = 0; i < frame->damage_count; ++i)
    check_rect(frame->damage[i], format.size);
  (void)cursor.update(buf, frame->cursor);
  touch_cursor(frame->cursor);
  touch_frame(*frame);
  import(*frame, in);
  return 0;
}
