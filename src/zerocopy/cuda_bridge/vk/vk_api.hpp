#pragma once
// Vulkan entry points, loaded at run time from the loader (libvulkan.so.1) so that a machine
// without it still starts and probes. Instance- and device-level functions are filled in by
// VkContext once it has an instance and a device.
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <memory>
#include <string>

#include "core/error.hpp"

namespace zc::zerocopy::cuda_bridge {

#define ZC_VK_GLOBAL(X)         \
  X(vkCreateInstance)           \
  X(vkEnumerateInstanceVersion) \
  X(vkEnumerateInstanceExtensionProperties)

#define ZC_VK_INSTANCE(X)                     \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkCreateDevice)                           \
  X(vkGetDeviceProcAddr)                      \
  X(vkGetPhysicalDeviceExternalBufferProperties)

#define ZC_VK_DEVICE(X)            \
  X(vkDestroyDevice)               \
  X(vkGetDeviceQueue)              \
  X(vkCreateBuffer)                \
  X(vkDestroyBuffer)               \
  X(vkGetBufferMemoryRequirements) \
  X(vkAllocateMemory)              \
  X(vkFreeMemory)                  \
  X(vkBindBufferMemory)            \
  X(vkMapMemory)                   \
  X(vkUnmapMemory)                 \
  X(vkCreateSemaphore)             \
  X(vkDestroySemaphore)            \
  X(vkCreateFence)                 \
  X(vkDestroyFence)                \
  X(vkResetFences)                 \
  X(vkWaitForFences)               \
  X(vkCreateCommandPool)           \
  X(vkDestroyCommandPool)          \
  X(vkAllocateCommandBuffers)      \
  X(vkResetCommandBuffer)          \
  X(vkBeginCommandBuffer)          \
  X(vkEndCommandBuffer)            \
  X(vkCmdPipelineBarrier)          \
  X(vkCmdCopyBuffer)               \
  X(vkCmdFillBuffer)               \
  X(vkCmdBindPipeline)             \
  X(vkCmdBindDescriptorSets)       \
  X(vkCmdDispatch)                 \
  X(vkCmdWriteTimestamp)           \
  X(vkCmdResetQueryPool)           \
  X(vkQueueSubmit)                 \
  X(vkQueueWaitIdle)               \
  X(vkDeviceWaitIdle)              \
  X(vkCreateShaderModule)          \
  X(vkDestroyShaderModule)         \
  X(vkCreateDescriptorSetLayout)   \
  X(vkDestroyDescriptorSetLayout)  \
  X(vkCreatePipelineLayout)        \
  X(vkDestroyPipelineLayout)       \
  X(vkCreateComputePipelines)      \
  X(vkDestroyPipeline)             \
  X(vkCreateDescriptorPool)        \
  X(vkDestroyDescriptorPool)       \
  X(vkAllocateDescriptorSets)      \
  X(vkUpdateDescriptorSets)        \
  X(vkCreateQueryPool)             \
  X(vkDestroyQueryPool)            \
  X(vkGetQueryPoolResults)

// Device extension functions: null when the extension is not enabled.
#define ZC_VK_DEVICE_EXT(X)     \
  X(vkGetMemoryFdKHR)           \
  X(vkGetMemoryFdPropertiesKHR) \
  X(vkGetSemaphoreFdKHR)

struct VkApi {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define ZC_VK_MEMBER(name) PFN_##name name = nullptr;
  ZC_VK_GLOBAL(ZC_VK_MEMBER)
  ZC_VK_INSTANCE(ZC_VK_MEMBER)
  ZC_VK_DEVICE(ZC_VK_MEMBER)
  ZC_VK_DEVICE_EXT(ZC_VK_MEMBER)
#undef ZC_VK_MEMBER
  void* lib = nullptr;
};

// The loader and its global functions. Errc::not_found without libvulkan.so.1.
Result<std::shared_ptr<VkApi>> load_vulkan();

// "VK_ERROR_OUT_OF_DEVICE_MEMORY (-2)".
std::string vk_result_name(VkResult r);

}  // namespace zc::zerocopy::cuda_bridge
