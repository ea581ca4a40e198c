#include "zerocopy/cpu/planar.hpp"

#include <cassert>
#include <cstring>

#include <libyuv/planar_functions.h>

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

Lease<CpuPlanes> CpuPlanes::share() {
  shares_.fetch_add(1, std::memory_order_relaxed);
  return Lease<CpuPlanes>(this);
}

void CpuPlanes::recycle() {
  // The last of its leases to go gives it back; acq_rel so the pool's next writer sees every
  // holder's reads as done.
  uint32_t shares = shares_.load(std::memory_order_acquire);
  while (shares > 0 && !shares_.compare_exchange_weak(shares, shares - 1, std::memory_order_acq_rel)) {
  }
  if (shares > 0) return;
  Pooled<CpuPlanes>::recycle();
}

PlanarView sub_view(const PlanarView& v, const Rect& r) {
  const uint32_t sample = bit_depth(v.format) > 8 ? 2 : 1;  // bytes a sample
  const bool interleaved = v.format == PixelFormat::NV12 || v.format == PixelFormat::P010;
  const auto x = static_cast<size_t>(r.x), y = static_cast<size_t>(r.y);
  PlanarView s = v;
  s.width = r.width;
  s.height = r.height;
  s.y = v.y + y * v.y_pitch + x * sample;
  // NV12's UV pairs: a chroma sample per two columns, two bytes (of samples) each.
  s.u = v.u + (y / 2) * v.u_pitch + (interleaved ? x : x / 2) * sample;
  if (v.v) s.v = v.v + (y / 2) * v.v_pitch + (x / 2) * sample;
  return s;
}

void copy_view(const PlanarView& from, const PlanarView& to) {
  assert(from.format == to.format && from.width == to.width && from.height == to.height);
  const auto n = [](size_t v) { return static_cast<int>(v); };
  const size_t sample = bit_depth(from.format) > 8 ? 2 : 1;
  const size_t rows = from.height, chroma_rows = (from.height + 1) / 2;
  libyuv::CopyPlane(from.y, n(from.y_pitch), to.y, n(to.y_pitch), n(from.width * sample), n(rows));
  if (from.v == nullptr) {  // interleaved UV: as many bytes a row as luma
    libyuv::CopyPlane(from.u, n(from.u_pitch), to.u, n(to.u_pitch), n((from.width + 1) / 2 * 2 * sample),
                      n(chroma_rows));
    return;
  }
  const size_t chroma_bytes = (from.width + 1) / 2 * sample;
  libyuv::CopyPlane(from.u, n(from.u_pitch), to.u, n(to.u_pitch), n(chroma_bytes), n(chroma_rows));
  libyuv::CopyPlane(from.v, n(from.v_pitch), to.v, n(to.v_pitch), n(chroma_bytes), n(chroma_rows));
}

PlanarView view_of(const PlaneLayout& layout, uint8_t* base) {
  PlanarView v;
  v.format = layout.format;
  v.width = layout.width;
  v.height = layout.height;
  v.y = base + layout.offset[0];
  v.y_pitch = layout.pitch[0];
  v.u = base + layout.offset[1];
  v.u_pitch = layout.pitch[1];
  if (layout.format == PixelFormat::I420 || layout.format == PixelFormat::I010) {
    v.v = base + layout.offset[2];
    v.v_pitch = layout.pitch[2];
  }
  return v;
}

void CpuPlanes::copy_from(const CpuPlanes& other) {
  assert(other.layout_.bytes == layout_.bytes && other.layout_.format == layout_.format &&
         other.layout_.width == layout_.width && other.layout_.height == layout_.height);
  std::memcpy(block_.data(), other.block_.data(), layout_.bytes);
}

PlanarView CpuPlanes::view() const {
  return view_of(layout_, block_.data());
}

}  // namespace zc::zerocopy
