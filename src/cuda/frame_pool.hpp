#pragma once
// Pooled pitched frame buffers, one zc::Pool per (width, height, format). A buffer carries its own
// ready event, created once with the buffer. Steady state allocates nothing: acquire() pops the
// free list, dropping the DeviceFrame pushes the buffer back (the counters prove it).
//
// The memory behind the pool is an interface so that the pool logic runs in unit tests on host
// memory; CudaMemory is the real one.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "core/pool.hpp"
#include "cuda/layout.hpp"

namespace zc::cuda {

class CudaContext;

struct PitchedAllocation {
  uint64_t base = 0;  // CUdeviceptr (or a host address for test memory)
  size_t pitch = 0;
};

class BufferMemory {
 public:
  virtual ~BufferMemory() = default;
  virtual Result<PitchedAllocation> allocate(size_t row_bytes, size_t rows) = 0;
  virtual void release(const PitchedAllocation& a) noexcept = 0;
  virtual Result<void*> create_event() = 0;  // nullptr is a valid result for memory without events
  virtual void destroy_event(void* event) noexcept = 0;
  virtual zc::FrameMemory kind() const = 0;
  virtual uint64_t page_locked() const { return 0; }  // host memory: allocations that are page-locked
};

// cuMemAllocPitch / cuMemFree / cuEventCreate on the context (pushed around every call, so buffers
// may die on any thread).
std::shared_ptr<BufferMemory> make_cuda_memory(std::shared_ptr<const CudaContext> ctx);

class FrameBuffer final : public Pooled<FrameBuffer> {
 public:
  FrameBuffer(std::shared_ptr<BufferMemory> memory, const FrameLayout& layout, PitchedAllocation alloc, void* event)
      : memory_(std::move(memory)), layout_(layout), alloc_(alloc), event_(event) {}
  ~FrameBuffer() override;
  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;

  const FrameLayout& layout() const { return layout_; }
  uint64_t base() const { return alloc_.base; }
  size_t pitch() const { return alloc_.pitch; }
  uint64_t plane(uint32_t i) const { return alloc_.base + layout_.plane_offset(i, alloc_.pitch); }
  size_t plane_pitch(uint32_t i) const { return layout_.plane_pitch(i, alloc_.pitch); }
  void* event() const { return event_; }

 private:
  std::shared_ptr<BufferMemory> memory_;
  FrameLayout layout_;
  PitchedAllocation alloc_;
  void* event_;
};

class FramePool {
 public:
  explicit FramePool(std::shared_ptr<BufferMemory> memory, size_t max_free_per_shape = 8)
      : memory_(std::move(memory)), max_free_(max_free_per_shape) {}

  // A free buffer of this shape, or a new one. Errc::gpu when allocation fails.
  Result<Lease<FrameBuffer>> acquire(const FrameLayout& layout);

  // Fills a DeviceFrame with the buffer's planes and hands the lease over to it.
  static DeviceFrame to_device_frame(Lease<FrameBuffer> buffer, zc::FrameMemory kind);

  PoolCounters counters() const;  // summed over every shape
  PoolCounters counters(uint32_t width, uint32_t height, PixelFormat format) const;
  size_t shapes() const;
  const std::shared_ptr<BufferMemory>& memory() const { return memory_; }

 private:
  using Key = std::tuple<uint32_t, uint32_t, PixelFormat>;
  Pool<FrameBuffer>& pool_for(const FrameLayout& layout);

  std::shared_ptr<BufferMemory> memory_;
  size_t max_free_;
  mutable std::mutex mutex_;
  std::map<Key, std::unique_ptr<Pool<FrameBuffer>>> pools_;
  Error last_error_;  // set by the factory when an allocation fails
};

}  // namespace zc::cuda
