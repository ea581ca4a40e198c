#include "zerocopy/cuda_bridge/gpu_importer.hpp"

#include <algorithm>

#include <fmt/format.h>
#include "core/log.hpp"

namespace zc::zerocopy::cuda_bridge {

RoutingImporter::RoutingImporter(std::unique_ptr<Importer> tiled, std::unique_ptr<Importer> linear)
    : tiled_(std::move(tiled)), linear_(std::move(linear)) {
  name_ = tiled_ && linear_ ? fmt::format("{}+{}", tiled_->name(), linear_->name())
          : tiled_          ? std::string(tiled_->name())
          : linear_         ? std::string(linear_->name())
                            : std::string("gpu (none)");
}

std::vector<uint64_t> RoutingImporter::supported_modifiers(PixelFormat format) const {
  std::vector<uint64_t> out;
  bool linear = false;
  if (tiled_) {
    for (uint64_t m : tiled_->supported_modifiers(format)) {
      if (m == kModifierLinear)
        linear = true;
      else
        out.push_back(m);
    }
  }
  if (linear_) {
    const auto l = linear_->supported_modifiers(format);
    linear = linear || std::find(l.begin(), l.end(), kModifierLinear) != l.end();
  }
  if (linear) out.push_back(kModifierLinear);
  return out;
}

Importer* RoutingImporter::route(const Frame& frame) const {
  if (frame.modifier == kModifierLinear && linear_) {
    const auto l = linear_->supported_modifiers(frame.format);
    if (std::find(l.begin(), l.end(), kModifierLinear) != l.end()) return linear_.get();
  }
  return tiled_.get();
}

Result<DeviceFrame> RoutingImporter::import(const Frame& frame, const ImportTarget& target) {
  Importer* to = route(frame);
  if (!to) return fail(Errc::rejected, "zerocopy:gpu", "no GPU bridge takes this buffer");
  return to->import(frame, target);
}

GpuTime RoutingImporter::gpu_time() const {
  GpuTime t;
  if (tiled_) t += tiled_->gpu_time();
  if (linear_) t += linear_->gpu_time();
  return t;
}

bool RoutingImporter::reads_done(uint64_t buffer_id, bool wait) {
  // Both asked: a buffer id is routed by its modifier, which a renegotiation may change.
  const bool tiled = !tiled_ || tiled_->reads_done(buffer_id, wait);
  const bool linear = !linear_ || linear_->reads_done(buffer_id, wait);
  return tiled && linear;
}

void RoutingImporter::forget(uint64_t buffer_id) {
  if (tiled_) tiled_->forget(buffer_id);
  if (linear_) linear_->forget(buffer_id);
}

Result<GpuPath> make_gpu_path(const GpuImporterOptions& options, std::shared_ptr<cuda::CudaContext> cuda) {
  GpuPath path;
  if (cuda) {
    path.cuda = std::move(cuda);
  } else {
    auto api = cuda::load_cuda(options.cuda_library);
    if (!api) return tl::unexpected(api.error());
    auto ctx = cuda::CudaContext::create(*api, options.cuda_device);
    if (!ctx) return tl::unexpected(ctx.error());
    path.cuda = *ctx;
  }
  std::unique_ptr<Importer> tiled, linear;
  std::string egl_why, vk_why;
  if (auto egl = load_egl(); !egl) {
    egl_why = egl.error().describe();
  } else if (auto imp = EglCudaImporter::create(path.cuda, *egl, options.egl); !imp) {
    egl_why = imp.error().describe();
  } else {
    tiled = std::move(*imp);
  }
  if (auto vk = load_vulkan(); !vk) {
    vk_why = vk.error().describe();
  } else if (auto imp = VulkanCudaImporter::create(path.cuda, *vk, options.vulkan); !imp) {
    vk_why = imp.error().describe();
  } else {
    linear = std::move(*imp);
  }
  if (!tiled && !linear)
    return fail(Errc::unsupported, "zerocopy:gpu",
                fmt::format("no GPU bridge on {}: egl-cuda: {}; vulkan-cuda: {}", path.cuda->name(), egl_why, vk_why));
  path.description = fmt::format("{} on {}{}{}",
                                 tiled && linear ? "egl-cuda + vulkan-cuda"
                                 : tiled         ? "egl-cuda"
                                                 : "vulkan-cuda",
                                 path.cuda->name(), egl_why.empty() ? "" : "; egl-cuda unavailable: " + egl_why,
                                 vk_why.empty() ? "" : "; vulkan-cuda unavailable: " + vk_why);
  path.importer = std::make_unique<RoutingImporter>(std::move(tiled), std::move(linear));
  return path;
}

}  // namespace zc::zerocopy::cuda_bridge
