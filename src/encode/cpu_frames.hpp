#pragma once
// Pooled host frames in an encoder's layout (NV12, I420, P010 or I010). The selector's probe frame comes from
// here, and tests use it; the capture path gets its frames from the CPU importer's own pool.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "core/device_frame.hpp"
#include "core/pool.hpp"

namespace zc::encode {

class CpuFrameBuffer : public Pooled<CpuFrameBuffer> {
 public:
  CpuFrameBuffer(uint32_t width, uint32_t height, PixelFormat format);

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  PixelFormat format() const { return format_; }
  uint8_t* plane(size_t i) const { return memory_.get() + offsets_[i]; }
  uint32_t pitch(size_t i) const { return pitches_[i]; }
  size_t plane_count() const { return format_ == PixelFormat::NV12 || format_ == PixelFormat::P010 ? 2 : 3; }
  bool valid() const { return memory_ != nullptr; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint32_t width_;
  uint32_t height_;
  PixelFormat format_;
  std::unique_ptr<uint8_t, Free> memory_;
  std::array<size_t, 3> offsets_{};
  std::array<uint32_t, 3> pitches_{};
};

class CpuFramePool {
 public:
  // format: NV12, I420, P010 or I010.
  CpuFramePool(uint32_t width, uint32_t height, PixelFormat format, size_t max_free = 4);

  // A frame backed by a pooled buffer (contents: whatever the last user left). Dropping the
  // frame, or its storage, returns the buffer. An empty storage means out of memory.
  DeviceFrame acquire(int64_t pts_ns = 0, uint64_t sequence = 0);
  PoolCounters counters() const { return pool_.counters(); }

 private:
  Pool<CpuFrameBuffer> pool_;
};

// Paints a smooth pattern that moves with `index` (limited-range luma, chroma drifting), so
// consecutive frames differ a little, as a screen does.
void fill_pattern(DeviceFrame& frame, uint32_t index);

}  // namespace zc::encode
