#pragma once
// The path proven on real dmabufs, where a DRM render node exists: GBM (libgbm.so.1, loaded at
// run time; Mesa's loader picks the GPU vendor's backend) allocates a tiled and a LINEAR XRGB8888
// buffer, each filled with a known pattern (the tiled one rendered by GL through its EGLImage, the
// LINEAR one written through a CPU mapping), imported by the bridge that takes it, and compared
// in the pooled CUDA buffer.
#include <string>

#include "zerocopy/gpu/egl_cuda_importer.hpp"
#include "zerocopy/gpu/vulkan_cuda_importer.hpp"

namespace zc::zerocopy::gpu {

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
DmabufProofs prove_dmabufs(EglCudaImporter* egl, VulkanCudaImporter* vulkan);

}  // namespace zc::zerocopy::gpu
