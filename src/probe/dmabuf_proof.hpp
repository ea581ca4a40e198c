#pragma once
// The path proven on real dmabufs, where a DRM render node exists: GBM (libgbm.so.1, loaded at
// run time; Mesa's loader picks the GPU vendor's backend) allocates a tiled and a LINEAR XRGB8888
// buffer, each filled with a known pattern (the tiled one rendered by GL through its EGLImage, the
// LINEAR one written through a CPU mapping), imported by the bridge that takes it, and compared
// in the pooled CUDA buffer.
#include <string>
#include <string_view>

#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"

namespace zc::probe {

struct DmabufProof {
  enum class Outcome : uint8_t { Ok, Failed, NotTestable } outcome = Outcome::NotTestable;
  std::string reason;
};

struct DmabufProofs {
  std::string render_node;  // empty: none found
  DmabufProof tiled;
  DmabufProof linear;
};

// Either importer may be null (not available here).
DmabufProofs prove_dmabufs(zerocopy::cuda_bridge::EglCudaImporter* egl,
                           zerocopy::cuda_bridge::VulkanCudaImporter* vulkan);

// Needs no GPU driver of ours: GBM on the first DRM node where it allocates (render nodes, then
// card nodes: drm/gbm) makes a LINEAR XRGB8888 dmabuf, a pattern is written through
// gbm_bo_map, and the CPU path reads it back (its own mmap of the dmabuf between
// DMA_BUF_IOCTL_SYNC calls, as CpuImporter does) byte for byte. `node` says where.
struct GbmCpuProof {
  DmabufProof proof;
  std::string node;
  uint32_t stride = 0;
  std::string implicit_fence;  // what DMA_BUF_IOCTL_EXPORT_SYNC_FILE said about the buffer
};
GbmCpuProof prove_gbm_cpu(std::string_view drm_dir = "/dev/dri");

}  // namespace zc::probe
