#include "cuda/frame_pool.hpp"

#include "core/log.hpp"

#include "cuda/cuda_context.hpp"

namespace zc::cuda {
namespace {

class CudaMemory final : public BufferMemory {
 public:
  explicit CudaMemory(std::shared_ptr<const CudaContext> ctx) : ctx_(std::move(ctx)) {}

  Result<PitchedAllocation> allocate(size_t row_bytes, size_t rows) override {
    CudaContext::Scope scope(*ctx_);
    CUdeviceptr ptr = 0;
    size_t pitch = 0;
    // Element size 4: every plane row is written in whole words and the pitch stays 4-aligned.
    if (auto r = ctx_->api().cuMemAllocPitch(&ptr, &pitch, row_bytes, rows, 4); r != CUDA_SUCCESS)
      return tl::unexpected(ctx_->api().error(r, "cuMemAllocPitch"));
    return PitchedAllocation{ptr, pitch};
  }
  void release(const PitchedAllocation& a) noexcept override {
    CudaContext::Scope scope(*ctx_);
    ctx_->api().cuMemFree(a.base);
  }
  Result<void*> create_event() override {
    CudaContext::Scope scope(*ctx_);
    CUevent ev = nullptr;
    if (auto r = ctx_->api().cuEventCreate(&ev, CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING); r != CUDA_SUCCESS)
      return tl::unexpected(ctx_->api().error(r, "cuEventCreate"));
    return static_cast<void*>(ev);
  }
  void destroy_event(void* event) noexcept override {
    CudaContext::Scope scope(*ctx_);
    ctx_->api().cuEventDestroy(static_cast<CUevent>(event));
  }
  zc::FrameMemory kind() const override { return zc::FrameMemory::Cuda; }

 private:
  std::shared_ptr<const CudaContext> ctx_;
};

}  // namespace

std::shared_ptr<BufferMemory> make_cuda_memory(std::shared_ptr<const CudaContext> ctx) {
  return std::make_shared<CudaMemory>(std::move(ctx));
}

FrameBuffer::~FrameBuffer() {
  if (event_) memory_->destroy_event(event_);
  memory_->release(alloc_);
}

Pool<FrameBuffer>& FramePool::pool_for(const FrameLayout& layout) {
  std::lock_guard lock(mutex_);
  auto key = Key{layout.width, layout.height, layout.format};
  auto it = pools_.find(key);
  if (it != pools_.end()) return *it->second;
  auto factory = [this, layout]() -> std::unique_ptr<FrameBuffer> {
    auto alloc = memory_->allocate(layout.alloc_row_bytes, layout.alloc_rows);
    if (!alloc) {
      std::lock_guard err_lock(mutex_);
      last_error_ = alloc.error();
      return nullptr;
    }
    auto event = memory_->create_event();
    if (!event) {
      memory_->release(*alloc);
      std::lock_guard err_lock(mutex_);
      last_error_ = event.error();
      return nullptr;
    }
    zc::log::debug("zerocopy: pool allocates a {}x{} {} buffer (pitch {})", layout.width, layout.height,
                   to_string(layout.format), alloc->pitch);
    return std::make_unique<FrameBuffer>(memory_, layout, *alloc, *event);
  };
  auto pool = std::make_unique<Pool<FrameBuffer>>(std::move(factory), max_free_);
  auto& ref = *pool;
  pools_.emplace(key, std::move(pool));
  return ref;
}

Result<Lease<FrameBuffer>> FramePool::acquire(const FrameLayout& layout) {
  auto lease = pool_for(layout).acquire();
  if (!lease) {
    std::lock_guard lock(mutex_);
    return tl::unexpected(last_error_);
  }
  return lease;
}

DeviceFrame FramePool::to_device_frame(Lease<FrameBuffer> buffer, zc::FrameMemory kind) {
  DeviceFrame f;
  const FrameLayout& l = buffer->layout();
  f.width = l.width;
  f.height = l.height;
  f.format = l.format;
  f.memory = kind;
  for (uint32_t i = 0; i < l.planes; ++i) {
    f.planes[i] = buffer->plane(i);
    f.pitches[i] = static_cast<uint32_t>(buffer->plane_pitch(i));
  }
  f.ready_event = buffer->event();
  f.storage = Storage(buffer.release());
  return f;
}

PoolCounters FramePool::counters() const {
  std::lock_guard lock(mutex_);
  PoolCounters sum;
  for (const auto& [key, pool] : pools_) {
    const auto c = pool->counters();
    sum.created += c.created;
    sum.acquired += c.acquired;
    sum.reused += c.reused;
    sum.outstanding += c.outstanding;
  }
  return sum;
}

PoolCounters FramePool::counters(uint32_t width, uint32_t height, PixelFormat format) const {
  std::lock_guard lock(mutex_);
  auto it = pools_.find(Key{width, height, format});
  return it == pools_.end() ? PoolCounters{} : it->second->counters();
}

size_t FramePool::shapes() const {
  std::lock_guard lock(mutex_);
  return pools_.size();
}

}  // namespace zc::cuda
