#pragma once
// The GPU path for a machine where no NVENC opens (data-center GPUs such as the H100): the GPU
// importer converts to the software encoder's 4:2:0 layout on the GPU, and this wrapper downloads
// the result into a pooled host frame (one cuMemcpy2D per plane, ordered behind the frame's ready
// event). Targets in CUDA memory go straight through.
#include <atomic>
#include <memory>
#include <string>

#include "cuda/cuda_context.hpp"
#include "cuda/frame_pool.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy::cuda_bridge {

// Host memory behind a cuda::FramePool (64-byte aligned rows); FrameMemory::Cpu. Page-locked through
// `pin_with` when given (pageable if that fails), pageable without.
std::shared_ptr<cuda::BufferMemory> make_host_memory(std::shared_ptr<const cuda::CudaContext> pin_with = nullptr);

class DownloadImporter final : public Importer {
 public:
  DownloadImporter(std::shared_ptr<cuda::CudaContext> cuda, std::unique_ptr<Importer> inner);

  // "zero-copy <bridges>" while frames stay on the GPU, "zero-copy <bridges>, host download" once
  // a target in host memory was asked for.
  std::string_view name() const override { return downloading_ ? download_name_ : name_; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override {
    return inner_->supported_modifiers(format);
  }
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override { inner_->forget(buffer_id); }
  // The download (host targets) waits for the copy, which follows the read; a CUDA target goes
  // straight through, its read possibly still in flight: the bridge knows.
  bool reads_done(uint64_t buffer_id, bool wait) override { return inner_->reads_done(buffer_id, wait); }
  // The bridges' time; the download is a copy engine's DMA and is not counted.
  GpuTime gpu_time() const override { return inner_->gpu_time(); }

  const cuda::FramePool& host_pool() const { return pool_; }
  Importer& inner() const { return *inner_; }

 private:
  std::shared_ptr<cuda::CudaContext> cuda_;
  std::unique_ptr<Importer> inner_;
  cuda::FramePool pool_;
  std::string name_;
  std::string download_name_;
  std::atomic<bool> downloading_{false};
};

// Copies a CUDA frame into `out` (a host frame of the same size and format), waiting on the
// frame's ready event first. Blocks until the copy is done.
Result<void> download_into(const cuda::CudaContext& ctx, const DeviceFrame& frame, DeviceFrame& out);

}  // namespace zc::zerocopy::cuda_bridge
