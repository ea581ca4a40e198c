#include "zerocopy/cuda_bridge/download_importer.hpp"

#include <cstdlib>
#include <mutex>
#include <unordered_set>

#include <fmt/format.h>
#include "core/log.hpp"

#include "cuda/layout.hpp"

namespace zc::zerocopy::cuda_bridge {
namespace {

constexpr std::string_view kStage = "zerocopy:download";
constexpr size_t kAlign = 64;

// Host frames for the download. With a context they are page-locked (cuMemHostAlloc): the copy
// engine writes them directly, where pageable memory makes the driver stage the frame and copy it
// again on the CPU. Pinning that fails (locked-memory limits) falls back to pageable memory, with
// one warning.
class HostMemory final : public cuda::BufferMemory {
 public:
  explicit HostMemory(std::shared_ptr<const cuda::CudaContext> pin) : pin_(std::move(pin)) {
    if (pin_ && (!pin_->api().cuMemHostAlloc || !pin_->api().cuMemFreeHost)) {
      zc::log::warn("zerocopy: the CUDA driver lacks cuMemHostAlloc; download frames are pageable");
      pin_.reset();
    }
  }
  Result<cuda::PitchedAllocation> allocate(size_t row_bytes, size_t rows) override {
    const size_t pitch = (row_bytes + kAlign - 1) / kAlign * kAlign;
    if (pin_) {
      cuda::CudaContext::Scope scope(*pin_);
      void* p = nullptr;
      const CUresult r = pin_->api().cuMemHostAlloc(&p, pitch * rows, 0);
      if (r == CUDA_SUCCESS) {
        ++pinned_;
        return cuda::PitchedAllocation{reinterpret_cast<uintptr_t>(p), pitch};
      }
      if (!warned_.exchange(true))
        zc::log::warn("zerocopy: {}; download frames fall back to pageable memory",
                      pin_->api().describe(r, "cuMemHostAlloc"));
    }
    void* p = std::aligned_alloc(kAlign, pitch * rows);
    if (!p) return fail(Errc::internal, std::string(kStage), "out of host memory for a download frame");
    std::lock_guard lock(mutex_);
    pageable_.insert(reinterpret_cast<uintptr_t>(p));
    return cuda::PitchedAllocation{reinterpret_cast<uintptr_t>(p), pitch};
  }
  void release(const cuda::PitchedAllocation& a) noexcept override {
    void* p = reinterpret_cast<void*>(static_cast<uintptr_t>(a.base));  // NOLINT(performance-no-int-to-ptr)
    {
      std::lock_guard lock(mutex_);
      if (pageable_.erase(static_cast<uintptr_t>(a.base)) > 0) {
        std::free(p);
        return;
      }
    }
    if (!pin_) return;
    cuda::CudaContext::Scope scope(*pin_);
    pin_->api().cuMemFreeHost(p);
  }
  Result<void*> create_event() override { return nullptr; }
  void destroy_event(void* /*event*/) noexcept override {}
  zc::FrameMemory kind() const override { return zc::FrameMemory::Cpu; }
  uint64_t page_locked() const override { return pinned_; }

 private:
  std::shared_ptr<const cuda::CudaContext> pin_;  // outlives every buffer: the pool's buffers hold us
  std::atomic<uint64_t> pinned_{0};
  std::atomic<bool> warned_{false};
  std::mutex mutex_;
  std::unordered_set<uintptr_t> pageable_;
};

}  // namespace

std::shared_ptr<cuda::BufferMemory> make_host_memory(std::shared_ptr<const cuda::CudaContext> pin_with) {
  return std::make_shared<HostMemory>(std::move(pin_with));
}

DownloadImporter::DownloadImporter(std::shared_ptr<cuda::CudaContext> cuda, std::unique_ptr<Importer> inner)
    : cuda_(std::move(cuda)),
      inner_(std::move(inner)),
      pool_(make_host_memory(cuda_), 4),
      name_(fmt::format("zero-copy {}", inner_->name())),
      download_name_(fmt::format("zero-copy {}, host download", inner_->name())) {}

Result<DeviceFrame> DownloadImporter::import(const Frame& frame, const ImportTarget& target) {
  if (target.memory == zc::FrameMemory::Cuda) return inner_->import(frame, target);
  if (!downloading_.exchange(true, std::memory_order_relaxed)) {
    zc::log::info(
        "zerocopy: the encoder takes host frames (no NVENC in use): {} frames are converted on the GPU "
        "and downloaded",
        inner_->name());
  }
  ImportTarget on_gpu = target;
  on_gpu.memory = zc::FrameMemory::Cuda;
  auto gpu = inner_->import(frame, on_gpu);
  if (!gpu) return gpu;
  auto layout = cuda::frame_layout(target.width, target.height, target.format);
  if (!layout) return tl::unexpected(layout.error());
  auto lease = pool_.acquire(*layout);
  if (!lease) return tl::unexpected(lease.error());
  DeviceFrame host = cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu);
  if (auto ok = download_into(*cuda_, *gpu, host); !ok) return tl::unexpected(ok.error());
  host.pts_ns = gpu->pts_ns;
  host.sequence = gpu->sequence;
  return host;
}

Result<void> download_into(const cuda::CudaContext& ctx, const DeviceFrame& frame, DeviceFrame& out) {
  if (frame.memory != zc::FrameMemory::Cuda || out.memory != zc::FrameMemory::Cpu || frame.width != out.width ||
      frame.height != out.height || frame.format != out.format) {
    return fail(Errc::invalid_argument, std::string(kStage),
                "download needs a CUDA frame and a host frame of its shape");
  }
  auto layout = cuda::frame_layout(frame.width, frame.height, frame.format);
  if (!layout) return tl::unexpected(layout.error());
  cuda::CudaContext::Scope scope(ctx);
  const cuda::CudaApi& cu = ctx.api();
  // The copy goes on our stream behind the importer's work; only this thread waits for it.
  if (frame.ready_event) {
    if (auto ok = ctx.check(cu.cuStreamWaitEvent(ctx.stream(), static_cast<CUevent>(frame.ready_event), 0),
                            "cuStreamWaitEvent(ready)");
        !ok)
      return ok;
  }
  for (uint32_t p = 0; p < layout->planes; ++p) {
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    c.srcDevice = frame.planes[p];
    c.srcPitch = frame.pitches[p];
    c.dstMemoryType = CU_MEMORYTYPE_HOST;
    c.dstHost = out.cpu_plane(p);
    c.dstPitch = out.pitches[p];
    c.WidthInBytes = layout->row_bytes[p];
    c.Height = layout->rows[p];
    if (auto ok = ctx.check(cu.cuMemcpy2DAsync(&c, ctx.stream()), "cuMemcpy2DAsync(download)"); !ok) return ok;
  }
  return ctx.check(cu.cuStreamSynchronize(ctx.stream()), "cuStreamSynchronize(download)");
}

}  // namespace zc::zerocopy::cuda_bridge
