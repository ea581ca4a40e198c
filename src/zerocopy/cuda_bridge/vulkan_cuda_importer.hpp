#pragma once
// Vulkan→CUDA, the path for LINEAR dmabufs: the dmabuf is imported into Vulkan as a VkBuffer
// (cached per PipeWire buffer), a compute pass writes the encoder's layout into one exportable
// VkBuffer per output shape, which CUDA imported once (OPAQUE_FD), and our stream copies it into a
// pooled buffer. Ordering stays on the GPU through two exported semaphores (Vulkan → CUDA: the
// pass is written; CUDA → Vulkan: the copy is done, the buffer may be rewritten); the CPU only
// waits (sleeping) for the pass to have read the dmabuf before import() returns. Without external
// semaphores the same order is kept with a Vulkan fence and a CUDA event on the CPU.
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "cuda/cuda_context.hpp"
#include "cuda/cuda_external.hpp"
#include "cuda/frame_pool.hpp"
#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/timing_cadence.hpp"
#include "zerocopy/cuda_bridge/vk/vk_context.hpp"
#include "zerocopy/cuda_bridge/vk/vk_pass.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy::cuda_bridge {

enum class VkSync : uint8_t {
  Semaphores,  // exported semaphores, waited and signalled on the GPU
  CpuFence,    // vkWaitForFences before the CUDA copy, cuEventSynchronize before the next pass
};

struct VulkanCudaOptions {
  VkSync sync = VkSync::Semaphores;
  int fence_timeout_ms = 100;
  // Vulkan timestamps and CUDA timing events: gpu_time() for the metrics (read without waiting)
  // and last_timing() for the bench, on one frame in `timing_every` (the bench needs each: 1).
  bool timing = true;
  uint32_t timing_every = 8;
};

// Not thread-safe: import(), forget() and destruction happen on one thread at a time (any thread).
class VulkanCudaImporter final : public Importer {
 public:
  static Result<std::unique_ptr<VulkanCudaImporter>> create(std::shared_ptr<cuda::CudaContext> cuda,
                                                            const std::shared_ptr<const VkApi>& vk,
                                                            const VulkanCudaOptions& options = {});
  ~VulkanCudaImporter() override;

  std::string_view name() const override { return "vulkan-cuda"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override;
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override;
  // import() returns once the pass's fence says the dmabuf has been read.
  bool reads_done(uint64_t, bool) override { return true; }
  // The Vulkan pass (timestamps) plus the CUDA copy out of the export buffer, per frame.
  GpuTime gpu_time() const override { return gpu_time_; }

  // The same path from a VkBuffer of this importer's device that holds a LINEAR image (tests,
  // bench). `frame` supplies size, format, crop, cursor, pts and sequence.
  Result<DeviceFrame> import_buffer(VkBuffer buffer, uint32_t offset, uint32_t stride, const Frame& frame,
                                    const ImportTarget& target);

  VkContext& vk() { return *vk_; }
  const cuda::CudaContext& cuda() const { return *cuda_; }
  cuda::FramePool& pool() { return *pool_; }
  VkSync sync() const { return sync_; }
  const GpuImportStats& stats() const { return stats_; }
  // Timing of the last frame (needs options.timing): pass_ms (Vulkan timestamps), cuda_ms (the copy).
  Result<ImportTiming> last_timing();
  void set_timing(bool on);  // see EglCudaImporter::set_timing
  void set_timing_every(uint32_t n) { cadence_.set_every(n); }

 private:
  struct CachedBuffer {
    int fd = -1;
    uint32_t offset = 0, stride = 0, width = 0, height = 0;
    PixelFormat format = PixelFormat::BGRx;
    VkOwnedBuffer buffer;
  };
  struct Export {
    cuda::FrameLayout layout;
    size_t pitch = 0;
    VkOwnedBuffer vk;
    cuda::CudaExternalBuffer cuda;
  };

  VulkanCudaImporter() = default;
  Result<Export*> export_for(const cuda::FrameLayout& layout, size_t pitch);
  Result<DeviceFrame> run(const VkPassSource& src, const Frame& frame, const ImportTarget& target);
  void drop_semaphores(const Error& why);
  void sample_gpu_time();  // the last frame's, if its copy is done; CUDA current

  std::shared_ptr<cuda::CudaContext> cuda_;
  std::unique_ptr<VkContext> vk_;
  std::unique_ptr<VkPass> pass_;
  std::unique_ptr<cuda::FramePool> pool_;
  VulkanCudaOptions options_;
  VkSync sync_ = VkSync::CpuFence;
  std::unordered_map<uint64_t, CachedBuffer> buffers_;
  std::unique_ptr<Export> export_;
  VkOwnedSemaphore vk_done_, cuda_done_;
  cuda::CudaExternalSemaphore vk_done_cu_, cuda_done_cu_;
  bool cuda_done_pending_ = false;  // CUDA signalled cuda_done_ and no pass has waited on it yet
  cuda::CudaEvent copy_done_;       // CpuFence: the last copy out of the export buffer
  bool copy_pending_ = false;
  cuda::CudaEvent timing_start_, timing_end_;
  bool timed_frame_ = false;
  TimingCadence cadence_;                 // options.timing, set_timing()
  std::optional<double> sample_pass_ms_;  // the last timed frame's pass, until its copy is measured
  GpuTime gpu_time_;
  drm::ImplicitFence implicit_fence_;
  GpuImportStats stats_;
};

}  // namespace zc::zerocopy::cuda_bridge
