#pragma once
// Proofs of each bridge's leg after the dmabuf import, on real GPU objects: a known pattern goes
// in (a GL texture made into an EGLImage; a VkBuffer written by the GPU), the pooled CUDA buffer
// comes back to the host and is compared byte for byte. Used by the probe and the GPU tests.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"

namespace zc::zerocopy::cuda_bridge {

// Deterministic noise, R,G,B,A bytes per pixel (A = 255).
std::vector<uint8_t> test_pattern_rgba(uint32_t width, uint32_t height, uint32_t seed);

// `rgba` as the bytes of a packed `format` (X bytes 255).
std::vector<uint8_t> rgba_to_packed(const std::vector<uint8_t>& rgba, PixelFormat format);

struct LegResult {
  std::vector<std::vector<uint8_t>> planes;  // what came back from the pooled CUDA buffer
  DeviceFrame frame;                         // still holding its pooled buffer
};

// A GL texture with `rgba` → EGL_GL_TEXTURE_2D_KHR image → importer → pooled buffer → host.
// `external`: the image is sampled as GL_TEXTURE_EXTERNAL_OES, as external-only LINEAR dmabufs are.
Result<LegResult> run_egl_leg(EglCudaImporter& importer, const std::vector<uint8_t>& rgba, uint32_t width,
                              uint32_t height, const ImportTarget& target, const Frame* meta = nullptr,
                              bool external = false);

// A device-local VkBuffer written by a GPU copy of `rgba` as LINEAR `src_format` with `stride` →
// importer → pooled buffer → host.
Result<LegResult> run_vulkan_leg(VulkanCudaImporter& importer, const std::vector<uint8_t>& rgba, uint32_t width,
                                 uint32_t height, PixelFormat src_format, uint32_t stride, const ImportTarget& target,
                                 const Frame* meta = nullptr);

// Number of bytes that differ.
size_t count_mismatches(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

}  // namespace zc::zerocopy::cuda_bridge
