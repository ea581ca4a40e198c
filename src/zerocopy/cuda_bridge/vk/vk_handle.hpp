#pragma once
// One owner for every device-level Vulkan handle (pipelines, pools, fences, ...), written once:
// it destroys its handle through the device's loaded entry point. Declared in the order they are
// made, members of this type go in the reverse order, as Vulkan wants.
#include <utility>

#include "zerocopy/cuda_bridge/vk/vk_api.hpp"

namespace zc::zerocopy::cuda_bridge {

template <class Handle, auto VkApi::*Destroy>
class VkHandle {
 public:
  VkHandle() = default;
  VkHandle(VkHandle&& o) noexcept
      : api_(o.api_), device_(o.device_), handle_(std::exchange(o.handle_, Handle{VK_NULL_HANDLE})) {}
  VkHandle& operator=(VkHandle&& o) noexcept {
    if (this != &o) {
      reset();
      api_ = o.api_;
      device_ = o.device_;
      handle_ = std::exchange(o.handle_, Handle{VK_NULL_HANDLE});
    }
    return *this;
  }
  VkHandle(const VkHandle&) = delete;
  VkHandle& operator=(const VkHandle&) = delete;
  ~VkHandle() { reset(); }

  // Where a vkCreate* call puts the new handle (whatever was held goes first).
  Handle* receive(const VkApi& api, VkDevice device) {
    reset();
    api_ = &api;
    device_ = device;
    return &handle_;
  }
  Handle get() const { return handle_; }
  const Handle* address() const { return &handle_; }  // for calls that take an array of one
  explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }
  void reset() {
    if (handle_ != VK_NULL_HANDLE && api_) (api_->*Destroy)(device_, handle_, nullptr);
    handle_ = VK_NULL_HANDLE;
  }

 private:
  const VkApi* api_ = nullptr;
  VkDevice device_ = VK_NULL_HANDLE;
  Handle handle_ = VK_NULL_HANDLE;
};

using VkShaderModuleOwner = VkHandle<VkShaderModule, &VkApi::vkDestroyShaderModule>;
using VkDescriptorSetLayoutOwner = VkHandle<VkDescriptorSetLayout, &VkApi::vkDestroyDescriptorSetLayout>;
using VkPipelineLayoutOwner = VkHandle<VkPipelineLayout, &VkApi::vkDestroyPipelineLayout>;
using VkPipelineOwner = VkHandle<VkPipeline, &VkApi::vkDestroyPipeline>;
using VkDescriptorPoolOwner = VkHandle<VkDescriptorPool, &VkApi::vkDestroyDescriptorPool>;
using VkCommandPoolOwner = VkHandle<VkCommandPool, &VkApi::vkDestroyCommandPool>;
using VkFenceOwner = VkHandle<VkFence, &VkApi::vkDestroyFence>;
using VkQueryPoolOwner = VkHandle<VkQueryPool, &VkApi::vkDestroyQueryPool>;

}  // namespace zc::zerocopy::cuda_bridge
