#include "capture/video/buffer.hpp"

#include <array>

#include <spa/buffer/meta.h>

#include "core/image_layout.hpp"

namespace zc::capture {
namespace {

tl::unexpected<Defect> defect(DefectKind kind, uint64_t buffer_id, uint64_t seq, int64_t seen = 0, int64_t needed = 0) {
  return tl::unexpected<Defect>(Defect{kind, buffer_id, seq, true, seen, needed});
}

bool is_shared_memory(uint32_t type) {
  return type == SPA_DATA_MemPtr || type == SPA_DATA_MemFd;
}

}  // namespace

std::string_view to_string(DefectKind kind) {
  static constexpr std::array<std::string_view, kDefectKinds> names{
      "corrupted_header", "corrupted_chunk",    "empty_chunk", "bad_stride",      "out_of_bounds", "short_buffer",
      "missing_data",     "unsupported_memory", "bad_cursor",  "acquire_timeout", "stale_buffer",
  };
  const auto i = static_cast<size_t>(kind);
  return i < names.size() ? names[i] : "unknown";
}

HeaderInfo read_header(const spa_buffer& buffer) {
  HeaderInfo info;
  const auto* h =
      static_cast<const spa_meta_header*>(spa_buffer_find_meta_data(&buffer, SPA_META_Header, sizeof(spa_meta_header)));
  if (!h) return info;
  info.present = true;
  info.flags = h->flags;
  info.pts = h->pts;
  info.seq = h->seq;
  return info;
}

namespace {

// The planes of a shared-memory image whose producer sends one data block per plane (libcamera,
// V4L2's multi-planar API): each plane's chunk says where it is.
tl::expected<ImageLayout, Defect> per_data_layout(const spa_buffer& buffer, const VideoFormat& format,
                                                  uint64_t buffer_id, uint64_t seq,
                                                  std::array<const uint8_t*, 3>& bases) {
  const uint32_t planes = plane_count(format.format);
  ImageLayout l;
  l.planes = planes;
  for (uint32_t p = 0; p < planes; ++p) {
    const spa_data& d = buffer.datas[p];
    if (!d.chunk || !d.data || !is_shared_memory(d.type)) return defect(DefectKind::missing_data, buffer_id, seq);
    const spa_chunk& c = *d.chunk;
    if (c.flags & SPA_CHUNK_FLAG_CORRUPTED) return defect(DefectKind::corrupted_chunk, buffer_id, seq);
    if (c.size == 0) return defect(DefectKind::empty_chunk, buffer_id, seq);
    if (c.offset > d.maxsize || c.size > d.maxsize - c.offset) {
      return defect(DefectKind::out_of_bounds, buffer_id, seq, int64_t{c.offset} + c.size, d.maxsize);
    }
    PlaneGeometry& g = l.plane[p];
    g.row_bytes = plane_row_bytes(format.format, format.size.width, p);
    g.rows = plane_rows(format.format, format.size.height, p);
    if (c.stride < 0) return defect(DefectKind::bad_stride, buffer_id, seq, c.stride, g.row_bytes);
    g.stride = c.stride > 0 ? static_cast<uint32_t>(c.stride) : g.row_bytes;
    if (g.stride < g.row_bytes) return defect(DefectKind::bad_stride, buffer_id, seq, g.stride, g.row_bytes);
    if (c.size < g.span()) return defect(DefectKind::short_buffer, buffer_id, seq, c.size, g.span());
    bases[p] = static_cast<const uint8_t*>(d.data) + c.offset;
  }
  return l;
}

// An MJPEG frame: the chunk is one JPEG; its bytes are all we can check before decoding.
tl::expected<Frame, Defect> validate_mjpg(const spa_data& d, const VideoFormat& format, uint64_t buffer_id,
                                          uint64_t seq) {
  const spa_chunk& chunk = *d.chunk;
  if (!is_shared_memory(d.type) || format.dmabuf) {
    return defect(DefectKind::unsupported_memory, buffer_id, seq, static_cast<int64_t>(d.type));
  }
  if (!d.data) return defect(DefectKind::missing_data, buffer_id, seq);
  if (chunk.size == 0) return defect(DefectKind::empty_chunk, buffer_id, seq);
  if (chunk.offset > d.maxsize || chunk.size > d.maxsize - chunk.offset) {
    return defect(DefectKind::out_of_bounds, buffer_id, seq, int64_t{chunk.offset} + chunk.size, d.maxsize);
  }
  Frame frame;
  frame.buffer_id = buffer_id;
  frame.sequence = seq;
  frame.width = format.size.width;
  frame.height = format.size.height;
  frame.format = PixelFormat::MJPG;
  frame.memory = MemoryKind::Cpu;
  frame.data = static_cast<const uint8_t*>(d.data) + chunk.offset;
  frame.size = chunk.size;
  return frame;
}

}  // namespace

tl::expected<Frame, Defect> validate_buffer(const spa_buffer& buffer, const VideoFormat& format, uint64_t buffer_id) {
  const HeaderInfo header = read_header(buffer);
  const uint64_t seq = header.seq;
  if (header.present && (header.flags & SPA_META_HEADER_FLAG_CORRUPTED)) {
    return defect(DefectKind::corrupted_header, buffer_id, seq);
  }
  if (buffer.n_datas == 0 || !buffer.datas) return defect(DefectKind::missing_data, buffer_id, seq);
  const spa_data& d = buffer.datas[0];
  if (!d.chunk) return defect(DefectKind::missing_data, buffer_id, seq);
  const spa_chunk& chunk = *d.chunk;
  if (chunk.flags & SPA_CHUNK_FLAG_CORRUPTED) return defect(DefectKind::corrupted_chunk, buffer_id, seq);
  if (format.format == PixelFormat::MJPG) return validate_mjpg(d, format, buffer_id, seq);

  const bool shm = is_shared_memory(d.type);
  if (!shm && d.type != SPA_DATA_DmaBuf) {
    return defect(DefectKind::unsupported_memory, buffer_id, seq, static_cast<int64_t>(d.type));
  }
  if (shm != !format.dmabuf) {
    // The producer sent a kind of memory the negotiated format did not ask for.
    return defect(DefectKind::unsupported_memory, buffer_id, seq, static_cast<int64_t>(d.type));
  }
  if (shm && !d.data) return defect(DefectKind::missing_data, buffer_id, seq);
  if (!shm && d.fd < 0) return defect(DefectKind::missing_data, buffer_id, seq, d.fd);

  const uint32_t planes = plane_count(format.format);
  const uint64_t height = format.size.height;
  if (shm && planes > 1 && buffer.n_datas >= planes) {
    // One data block per plane.
    std::array<const uint8_t*, 3> bases{};
    auto layout = per_data_layout(buffer, format, buffer_id, seq, bases);
    if (!layout) return tl::unexpected(layout.error());
    Frame frame;
    frame.buffer_id = buffer_id;
    frame.sequence = seq;
    frame.width = format.size.width;
    frame.height = format.size.height;
    frame.format = format.format;
    frame.memory = MemoryKind::Cpu;
    frame.data = bases[0];
    frame.stride = layout->plane[0].stride;
    frame.size = d.chunk->size;
    const bool swap = format_info(format.format).swap_uv;
    for (uint32_t p = 1; p < planes; ++p) {
      const spa_data& pd = buffer.datas[p];
      frame.chroma[swap ? 2 - p : p - 1] = CpuPlane{bases[p], layout->plane[p].stride, pd.chunk->size};
    }
    return frame;
  }

  const uint64_t row_bytes = plane_row_bytes(format.format, format.size.width, 0);
  uint64_t stride = chunk.stride > 0 ? static_cast<uint64_t>(chunk.stride) : 0;
  if (chunk.stride == 0 && shm && planes == 1) {
    // GStreamer's pipewiresink (0.3.65) leaves the stride 0: infer it from a chunk of whole rows,
    // else assume tightly packed rows (the short-buffer check below still applies).
    const uint64_t rows = chunk.size / height;
    stride = (chunk.size % height == 0 && rows >= row_bytes) ? rows : row_bytes;
  }
  if (chunk.stride < 0 || (stride < row_bytes && !(shm && stride == 0)) || stride > UINT32_MAX) {
    return defect(DefectKind::bad_stride, buffer_id, seq, chunk.stride, static_cast<int64_t>(row_bytes));
  }
  // Planar images in one block: the chroma planes follow the luma by the convention the stride
  // implies (image_layout.hpp: GStreamer's layout for stride 0, V4L2's otherwise).
  const auto layout =
      single_block_layout(format.format, format.size.width, format.size.height, static_cast<uint32_t>(stride));
  if (!layout) return defect(DefectKind::bad_stride, buffer_id, seq, chunk.stride, static_cast<int64_t>(row_bytes));
  for (uint32_t p = 0; p < layout->planes; ++p) {
    if (layout->plane[p].stride < layout->plane[p].row_bytes) {
      return defect(DefectKind::bad_stride, buffer_id, seq, layout->plane[p].stride, layout->plane[p].row_bytes);
    }
  }
  stride = layout->plane[0].stride;
  // The last row need not carry the stride's padding.
  const uint64_t image_bytes = planes == 1 ? stride * (height - 1) + row_bytes : layout->bytes();
  const uint64_t offset = chunk.offset;
  const uint64_t size = chunk.size;
  const uint64_t maxsize = d.maxsize;

  if (shm && size == 0) return defect(DefectKind::empty_chunk, buffer_id, seq);
  // Some compositors leave maxsize 0 on dmabufs: then there is no bound to check against.
  if (shm || maxsize != 0) {
    if (offset > maxsize || size > maxsize - offset) {
      return defect(DefectKind::out_of_bounds, buffer_id, seq, static_cast<int64_t>(offset + size),
                    static_cast<int64_t>(maxsize));
    }
  }
  if (size != 0 && size < image_bytes) {
    return defect(DefectKind::short_buffer, buffer_id, seq, static_cast<int64_t>(size),
                  static_cast<int64_t>(image_bytes));
  }
  // A LINEAR dmabuf is laid out like shared memory, so its image must fit in the fd as well.
  if (!shm && maxsize != 0 && format.modifier == kModifierLinear && offset + image_bytes > maxsize) {
    return defect(DefectKind::out_of_bounds, buffer_id, seq, static_cast<int64_t>(offset + image_bytes),
                  static_cast<int64_t>(maxsize));
  }

  Frame frame;
  frame.buffer_id = buffer_id;
  frame.sequence = seq;
  frame.width = format.size.width;
  frame.height = format.size.height;
  frame.format = format.format;
  frame.stride = static_cast<uint32_t>(stride);
  if (shm) {
    frame.memory = MemoryKind::Cpu;
    frame.data = static_cast<const uint8_t*>(d.data) + offset;
    frame.size = size;
    const bool swap = format_info(format.format).swap_uv;
    for (uint32_t p = 1; p < layout->planes; ++p) {
      const PlaneGeometry& g = layout->plane[p];
      frame.chroma[swap ? 2 - p : p - 1] = CpuPlane{frame.data + g.offset, g.stride, size - g.offset};
    }
    return frame;
  }
  frame.memory = MemoryKind::DmaBuf;
  frame.modifier = format.modifier;
  for (uint32_t i = 0; i < buffer.n_datas && i < frame.planes.size(); ++i) {
    const spa_data& p = buffer.datas[i];
    if (p.type != SPA_DATA_DmaBuf || p.fd < 0 || !p.chunk) break;
    frame.planes[i] =
        DmaBufPlane{static_cast<int>(p.fd), p.chunk->offset, static_cast<uint32_t>(p.chunk->stride), p.maxsize};
    frame.plane_count = i + 1;
  }
  // PipeWire maps a dmabuf only when the producer marks it mappable (memfd-backed test buffers).
  if (d.data && maxsize != 0) {
    frame.data = static_cast<const uint8_t*>(d.data) + offset;
    frame.size = maxsize - offset;
  }
  return frame;
}

}  // namespace zc::capture
