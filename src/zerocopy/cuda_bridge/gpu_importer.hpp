#pragma once
// The GPU path as capture sees it: one Importer that routes each dmabuf to the bridge that takes
// it — LINEAR to the Vulkan bridge where that can import dmabufs, every tiled modifier (and LINEAR
// otherwise, through samplerExternalOES) to EGL→GL→CUDA — and the factory that brings the CUDA
// context and both bridges up. Phase 2 hands `cuda` to FFmpeg's AVCUDADeviceContext.
#include <memory>
#include <string>

#include "cuda/cuda_context.hpp"
#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy::cuda_bridge {

// Not thread-safe, like the bridges it routes to.
class RoutingImporter final : public Importer {
 public:
  // Either may be null. `tiled` takes every modifier it lists; `linear` takes LINEAR if it lists it.
  RoutingImporter(std::unique_ptr<Importer> tiled, std::unique_ptr<Importer> linear);

  std::string_view name() const override { return name_; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override;
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override;
  bool reads_done(uint64_t buffer_id, bool wait) override;
  GpuTime gpu_time() const override;

  Importer* tiled() const { return tiled_.get(); }
  Importer* linear() const { return linear_.get(); }

 private:
  Importer* route(const Frame& frame) const;
  std::unique_ptr<Importer> tiled_;
  std::unique_ptr<Importer> linear_;
  std::string name_;
};

struct GpuImporterOptions {
  int cuda_device = 0;
  std::string cuda_library;  // empty: libcuda.so.1
  // The EGL bridge leaves its read of the dmabuf in flight (reads_done()): whoever imports
  // through this path gives each buffer back only once reads_done() says so, as capture does.
  EglCudaOptions egl{.wait = SourceWait::Deferred};
  VulkanCudaOptions vulkan;
};

struct GpuPath {
  std::shared_ptr<cuda::CudaContext> cuda;  // one per device; share it with the encoder
  std::unique_ptr<RoutingImporter> importer;
  std::string description;  // what came up and what did not, one line for the log
};

// Errc::not_found without a driver or device; Errc::unsupported when CUDA is there but neither
// bridge comes up (the message names both reasons). With `cuda`, the bridges come up on that
// context (one per device, shared by every capture and the encoders) instead of a new one.
Result<GpuPath> make_gpu_path(const GpuImporterOptions& options = {},
                              std::shared_ptr<cuda::CudaContext> cuda = nullptr);

}  // namespace zc::zerocopy::cuda_bridge
