#include "zerocopy/cpu/planar.hpp"

#include <cassert>

#include "core/allocator.hpp"

namespace zc::zerocopy {

AlignedBlock::AlignedBlock(size_t bytes) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  const size_t rounded = (bytes + kPlaneAlign - 1) / kPlaneAlign * kPlaneAlign;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(kPlaneAlign, rounded == 0 ? kPlaneAlign : rounded)));
  if (data_) size_ = rounded;
  // Pooled planes are written by the next import: their pages now, not one fault each then.
  if (data_) prefault(data_.get(), rounded, true);
}

PlaneLayout PlaneLayout::make(PixelFormat format, uint32_t width, uint32_t height) {
  assert(is_encoder_layout(format));
  assert(width % 2 == 0 && height % 2 == 0);
  const uint32_t sample = bit_depth(format) > 8 ? 2 : 1;  // bytes
  PlaneLayout l;
  l.format = format;
  l.width = width;
  l.height = height;
  l.pitch[0] = align_up(width * sample, kPlaneAlign);
  l.offset[0] = 0;
  const size_t luma = size_t{l.pitch[0]} * height;
  if (format == PixelFormat::NV12 || format == PixelFormat::P010) {
    l.pitch[1] = align_up(width * sample, kPlaneAlign);
    l.offset[1] = luma;
    l.bytes = luma + size_t{l.pitch[1]} * (height / 2);
  } else {
    l.pitch[1] = l.pitch[2] = align_up(width / 2 * sample, kPlaneAlign);
    const size_t chroma = size_t{l.pitch[1]} * (height / 2);
    l.offset[1] = luma;
    l.offset[2] = luma + chroma;
    l.bytes = luma + 2 * chroma;
  }
  // Encoders' SIMD loads may run a little past the last row.
  l.bytes += kPlaneAlign;
  return l;
}

std::unique_ptr<CpuPlanes> CpuPlanes::create(const PlaneLayout& layout) {
  AlignedBlock block(layout.bytes);
  if (!block) return nullptr;
  return std::unique_ptr<CpuPlanes>(new CpuPlanes(layout, std::move(block)));
}

PlanarView CpuPlanes::view() const {
  PlanarView v;
  v.format = layout_.format;
  v.width = layout_.width;
  v.height = layout_.height;
  v.y = block_.data() + layout_.offset[0];
  v.y_pitch = layout_.pitch[0];
  v.u = block_.data() + layout_.offset[1];
  v.u_pitch = layout_.pitch[1];
  if (layout_.format == PixelFormat::I420 || layout_.format == PixelFormat::I010) {
    v.v = block_.data() + layout_.offset[2];
    v.v_pitch = layout_.pitch[2];
  }
  return v;
}

}  // namespace zc::zerocopy
