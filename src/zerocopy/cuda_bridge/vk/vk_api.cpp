#include "zerocopy/cuda_bridge/vk/vk_api.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

namespace zc::zerocopy::cuda_bridge {

Result<std::shared_ptr<VkApi>> load_vulkan() {
  auto api = std::make_shared<VkApi>();
  // Never dlclosed: drivers keep thread-local state and atexit handlers in their code.
  api->lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!api->lib) {
    const char* why = dlerror();
    return fail(Errc::not_found, "zerocopy:vulkan", why ? why : "cannot load libvulkan.so.1");
  }
  api->vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(api->lib, "vkGetInstanceProcAddr"));
  if (!api->vkGetInstanceProcAddr)
    return fail(Errc::not_found, "zerocopy:vulkan", "libvulkan.so.1 lacks vkGetInstanceProcAddr");
#define ZC_VK_LOAD(name) api->name = reinterpret_cast<PFN_##name>(api->vkGetInstanceProcAddr(nullptr, #name));
  ZC_VK_GLOBAL(ZC_VK_LOAD)
#undef ZC_VK_LOAD
  if (!api->vkCreateInstance || !api->vkEnumerateInstanceExtensionProperties)
    return fail(Errc::not_found, "zerocopy:vulkan", "the Vulkan loader lacks vkCreateInstance");
  return api;
}

std::string vk_result_name(VkResult r) {
  const char* name = "VkResult";
  switch (r) {
    case VK_SUCCESS:
      name = "VK_SUCCESS";
      break;
    case VK_NOT_READY:
      name = "VK_NOT_READY";
      break;
    case VK_TIMEOUT:
      name = "VK_TIMEOUT";
      break;
    case VK_INCOMPLETE:
      name = "VK_INCOMPLETE";
      break;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      name = "VK_ERROR_OUT_OF_HOST_MEMORY";
      break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      name = "VK_ERROR_OUT_OF_DEVICE_MEMORY";
      break;
    case VK_ERROR_INITIALIZATION_FAILED:
      name = "VK_ERROR_INITIALIZATION_FAILED";
      break;
    case VK_ERROR_DEVICE_LOST:
      name = "VK_ERROR_DEVICE_LOST";
      break;
    case VK_ERROR_MEMORY_MAP_FAILED:
      name = "VK_ERROR_MEMORY_MAP_FAILED";
      break;
    case VK_ERROR_LAYER_NOT_PRESENT:
      name = "VK_ERROR_LAYER_NOT_PRESENT";
      break;
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      name = "VK_ERROR_EXTENSION_NOT_PRESENT";
      break;
    case VK_ERROR_FEATURE_NOT_PRESENT:
      name = "VK_ERROR_FEATURE_NOT_PRESENT";
      break;
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      name = "VK_ERROR_INCOMPATIBLE_DRIVER";
      break;
    case VK_ERROR_TOO_MANY_OBJECTS:
      name = "VK_ERROR_TOO_MANY_OBJECTS";
      break;
    case VK_ERROR_FORMAT_NOT_SUPPORTED:
      name = "VK_ERROR_FORMAT_NOT_SUPPORTED";
      break;
    case VK_ERROR_INVALID_EXTERNAL_HANDLE:
      name = "VK_ERROR_INVALID_EXTERNAL_HANDLE";
      break;
    case VK_ERROR_UNKNOWN:
      name = "VK_ERROR_UNKNOWN";
      break;
    default:
      break;
  }
  return fmt::format("{} ({})", name, static_cast<int>(r));
}

}  // namespace zc::zerocopy::cuda_bridge
