#pragma once
// The Vulkan pass of the LINEAR bridge: a compute shader (convert.comp, the same colour code as
// the GL pass) reads the dmabuf bound as a storage buffer and writes the encoder's layout (packed
// RGB, NV12 or I420; crop, scale and cursor applied) into the exportable buffer in the pooled
// buffer's pitched layout, so the CUDA side is a single device-to-device copy.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/colour.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "cuda/layout.hpp"
#include "zerocopy/cuda_bridge/vk/vk_context.hpp"
#include "zerocopy/cuda_bridge/vk/vk_handle.hpp"

namespace zc::zerocopy::cuda_bridge {

struct VkPassSource {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint32_t offset = 0;  // bytes; multiple of 4
  uint32_t stride = 0;  // bytes; multiple of 4
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  bool foreign = false;  // a dmabuf written outside this device's queues: acquire/release it
};

struct VkPassDest {
  VkBuffer buffer = VK_NULL_HANDLE;
  size_t pitch = 0;  // base pitch of `layout` in bytes; multiple of 8
  cuda::FrameLayout layout;
  Colour colour = kBt601Limited;  // YUV layouts: the matrix and range converted by
};

class VkPass {
 public:
  static Result<std::unique_ptr<VkPass>> create(const VkContext& ctx);
  ~VkPass();
  VkPass(const VkPass&) = delete;
  VkPass& operator=(const VkPass&) = delete;

  // Records and submits one pass. Waits for the previous one first (its descriptors and
  // parameters are reused). `wait` (may be null) is waited on before the shader writes; `signal`
  // (may be null) is signalled when it is done, as is the pass's fence.
  Result<void> submit(const VkPassSource& src, const VkPassDest& dst, const Rect& crop, const Cursor* cursor,
                      VkSemaphore wait, VkSemaphore signal);
  // Sleeps until the last submitted pass is done (it no longer reads the source).
  Result<void> wait(uint64_t timeout_ns);
  bool pending() const { return pending_; }

  bool enable_timing(bool on);
  void time_passes(bool on) { timing_ = on && static_cast<bool>(queries_); }  // per pass, after enable_timing(true)
  // GPU time of the last pass (after wait()).
  std::optional<double> last_gpu_ms();

 private:
  explicit VkPass(const VkContext& ctx) : ctx_(ctx) {}
  void upload_cursor(const Cursor* cursor, bool& drawn, uint32_t& pitch_words);

  const VkContext& ctx_;
  VkShaderModuleOwner shader_;
  VkDescriptorSetLayoutOwner set_layout_;
  VkPipelineLayoutOwner pipeline_layout_;
  VkPipelineOwner pipeline_;
  VkDescriptorPoolOwner descriptor_pool_;
  VkDescriptorSet set_ = VK_NULL_HANDLE;  // freed with its pool
  VkCommandPoolOwner command_pool_;
  VkCommandBuffer cb_ = VK_NULL_HANDLE;  // freed with its pool
  VkFenceOwner fence_;
  VkQueryPoolOwner queries_;
  VkOwnedBuffer params_;               // host-visible uniform buffer
  VkOwnedBuffer cursor_;               // host-visible storage buffer
  std::vector<uint8_t> cursor_cache_;  // the bitmap now in cursor_, as capture sent it
  uint32_t cursor_w_ = 0, cursor_h_ = 0;
  bool pending_ = false;
  bool timing_ = false;
  bool timed_ = false;
};

}  // namespace zc::zerocopy::cuda_bridge
