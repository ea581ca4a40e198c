#pragma once
// CPU-side 4:2:0 images: an aligned heap block, the pooled plane buffers the importer hands out,
// and a non-owning view the conversion and cursor code write through.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "core/frame.hpp"
#include "core/pixel_format.hpp"
#include "core/pool.hpp"
#include "zerocopy/cpu/damage.hpp"

namespace zc::zerocopy {

inline constexpr uint32_t kPlaneAlign = 64;

constexpr uint32_t align_up(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

// A 64-byte aligned heap block; empty when the allocation failed.
class AlignedBlock {
 public:
  AlignedBlock() = default;
  explicit AlignedBlock(size_t bytes);

  uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// Where the planes of a width x height NV12, I420, P010 or I010 image live inside one block.
struct PlaneLayout {
  PixelFormat format = PixelFormat::NV12;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t pitch[3]{};
  size_t offset[3]{};
  size_t bytes = 0;

  static PlaneLayout make(PixelFormat format, uint32_t width, uint32_t height);
};

// A non-owning view of a 4:2:0 image. NV12 and P010: u = interleaved UV plane, v = nullptr.
// P010 and I010 samples are 16-bit little-endian; pitches are in bytes.
struct PlanarView {
  PixelFormat format = PixelFormat::NV12;
  uint32_t width = 0;
  uint32_t height = 0;
  uint8_t* y = nullptr;
  uint8_t* u = nullptr;
  uint8_t* v = nullptr;
  uint32_t y_pitch = 0;
  uint32_t u_pitch = 0;
  uint32_t v_pitch = 0;
};

// The image of `layout` whose block starts at `base`.
PlanarView view_of(const PlaneLayout& layout, uint8_t* base);
// The part `r` (even-aligned, inside `v`) of an image.
PlanarView sub_view(const PlanarView& v, const Rect& r);
// Copies the samples of `from` into `to`: the same format and size.
void copy_view(const PlanarView& from, const PlanarView& to);

// One pooled output frame: every plane in one aligned block, pitches multiples of 64 bytes.
class CpuPlanes : public Pooled<CpuPlanes> {
 public:
  // Null when the memory cannot be had.
  static std::unique_ptr<CpuPlanes> create(const PlaneLayout& layout);

  // Another lease on this frame, for a reader beside its first holder (the importer keeps the
  // last picture for a pointer move); it goes back to its pool when every lease has gone. Nobody
  // may write to a frame with two holders.
  Lease<CpuPlanes> share();
  void recycle() override;

  const PlaneLayout& layout() const { return layout_; }
  PlanarView view() const;
  // Every byte of `other`, a frame of the same layout (one copy of the block).
  void copy_from(const CpuPlanes& other);
  // The picture it holds, for a conversion of only what changed since (damage.hpp).
  ContentTag& content() { return content_; }

 private:
  CpuPlanes(const PlaneLayout& layout, AlignedBlock block) : layout_(layout), block_(std::move(block)) {}

  PlaneLayout layout_;
  AlignedBlock block_;
  ContentTag content_;
  std::atomic<uint32_t> shares_{0};  // leases beside the first
};

}  // namespace zc::zerocopy
