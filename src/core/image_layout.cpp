#include "core/image_layout.hpp"

#include <algorithm>

namespace zc {
namespace {

constexpr uint32_t round_up(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

constexpr uint32_t half_up(uint32_t v) {
  return (v + 1) / 2;
}

// Planes whose stride is half of plane 0's (the 3-plane formats' chroma).
bool half_stride_chroma(PixelFormat format) {
  return plane_count(format) == 3;
}

}  // namespace

uint64_t ImageLayout::bytes() const {
  uint64_t end = 0;
  for (uint32_t p = 0; p < planes; ++p)
    end = std::max(end, plane[p].offset + plane[p].span());
  return end;
}

uint32_t plane_count(PixelFormat format) {
  return format_info(format).planes;
}

uint32_t plane_row_bytes(PixelFormat format, uint32_t width, uint32_t plane) {
  const FormatInfo& info = format_info(format);
  if (plane >= info.planes) return 0;
  switch (info.kind) {
    case FormatKind::rgb32:
    case FormatKind::rgb24:
    case FormatKind::rgb10:
      return width * info.bytes;
    case FormatKind::yuv422:
      return half_up(width) * 4;  // a macropixel (4 bytes) per two pixels
    case FormatKind::yuv420:
    case FormatKind::yuv420_10: {
      if (plane == 0) return width * info.bytes;
      const uint32_t samples = half_up(width);
      return info.planes == 2 ? samples * 2 * info.bytes : samples * info.bytes;
    }
    case FormatKind::compressed:
      break;
  }
  return 0;
}

uint32_t plane_rows(PixelFormat format, uint32_t height, uint32_t plane) {
  const FormatInfo& info = format_info(format);
  if (plane >= info.planes) return 0;
  return plane == 0 ? height : half_up(height);
}

std::optional<ImageLayout> single_block_layout(PixelFormat format, uint32_t width, uint32_t height, uint32_t stride) {
  const uint32_t planes = plane_count(format);
  if (planes == 0 || width == 0 || height == 0) return std::nullopt;
  ImageLayout l;
  l.planes = planes;
  for (uint32_t p = 0; p < planes; ++p) {
    l.plane[p].row_bytes = plane_row_bytes(format, width, p);
    l.plane[p].rows = plane_rows(format, height, p);
  }
  if (stride == 0) {
    // GStreamer's gst_video_info_fill_planes, for the formats we take.
    l.plane[0].stride = round_up(l.plane[0].row_bytes, 4);
    uint64_t offset = uint64_t{l.plane[0].stride} * round_up(height, 2);
    for (uint32_t p = 1; p < planes; ++p) {
      l.plane[p].stride = planes == 2 ? l.plane[0].stride : round_up(half_up(width), 4) * format_info(format).bytes;
      l.plane[p].offset = offset;
      offset += uint64_t{l.plane[p].stride} * (round_up(height, 2) / 2);
    }
    return l;
  }
  if (half_stride_chroma(format) && stride % 2 != 0) return std::nullopt;
  l.plane[0].stride = stride;
  uint64_t offset = uint64_t{stride} * height;
  for (uint32_t p = 1; p < planes; ++p) {
    l.plane[p].stride = half_stride_chroma(format) ? stride / 2 : stride;
    l.plane[p].offset = offset;
    offset += uint64_t{l.plane[p].stride} * l.plane[p].rows;
  }
  return l;
}

uint32_t aligned_stride(PixelFormat format, uint32_t width, uint32_t align) {
  const uint32_t stride = round_up(plane_row_bytes(format, width, 0), std::max<uint32_t>(align, 1));
  return half_stride_chroma(format) ? round_up(stride, 2) : stride;
}

}  // namespace zc
