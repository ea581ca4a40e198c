#include "zerocopy/cuda_bridge/vk/vk_context.hpp"

#include "zerocopy/cuda_bridge/vk/vk_handle.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include "core/log.hpp"

namespace zc::zerocopy::cuda_bridge {
namespace {
constexpr const char* kStage = "zerocopy:vulkan";
}  // namespace

Result<std::unique_ptr<VkContext>> VkContext::create(const std::shared_ptr<const VkApi>& loader,
                                                     const VkContextOptions& options) {
  std::unique_ptr<VkContext> c(new VkContext());
  c->loader_ = loader;
  c->api_ = *loader;
  VkApi& vk = c->api_;

  uint32_t loader_version = VK_API_VERSION_1_0;
  if (vk.vkEnumerateInstanceVersion) vk.vkEnumerateInstanceVersion(&loader_version);
  if (loader_version < VK_API_VERSION_1_1)
    return fail(Errc::unsupported, kStage, "the Vulkan loader is older than 1.1 (no external memory)");
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "zerocast";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ici{};
  ici.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  ici.pApplicationInfo = &app;
  if (auto r = vk.vkCreateInstance(&ici, nullptr, &c->instance_); r != VK_SUCCESS)
    return fail(Errc::not_found, kStage, "vkCreateInstance failed: " + vk_result_name(r));
#define ZC_VK_LOAD(name) vk.name = reinterpret_cast<PFN_##name>(vk.vkGetInstanceProcAddr(c->instance_, #name));
  ZC_VK_INSTANCE(ZC_VK_LOAD)
#undef ZC_VK_LOAD
  if (!vk.vkGetPhysicalDeviceProperties2 || !vk.vkCreateDevice)
    return fail(Errc::unsupported, kStage, "the Vulkan instance lacks 1.1 entry points");

  uint32_t n = 0;
  vk.vkEnumeratePhysicalDevices(c->instance_, &n, nullptr);
  std::vector<VkPhysicalDevice> devices(n);
  vk.vkEnumeratePhysicalDevices(c->instance_, &n, devices.data());
  if (n == 0) return fail(Errc::not_found, kStage, "no Vulkan device");
  struct Candidate {
    VkPhysicalDevice dev;
    VkPhysicalDeviceProperties props;
    std::array<uint8_t, 16> uuid;
  };
  std::vector<Candidate> candidates;
  for (VkPhysicalDevice d : devices) {
    VkPhysicalDeviceIDProperties id{};
    id.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES;
    VkPhysicalDeviceProperties2 p2{};
    p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    p2.pNext = &id;
    vk.vkGetPhysicalDeviceProperties2(d, &p2);
    if (p2.properties.apiVersion < VK_API_VERSION_1_1) continue;
    Candidate cand{d, p2.properties, {}};
    std::memcpy(cand.uuid.data(), id.deviceUUID, 16);
    if (options.device_uuid) {
      if (cand.uuid == *options.device_uuid) candidates.push_back(cand);
    } else if (options.allow_any) {
      candidates.push_back(cand);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return (a.props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU) > (b.props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU);
  });
  if (candidates.empty())
    return fail(Errc::not_found, kStage,
                options.device_uuid ? fmt::format("none of {} Vulkan devices has the CUDA device's UUID", n)
                                    : std::string("no Vulkan 1.1 device"));
  const Candidate& chosen = candidates.front();
  c->physical_ = chosen.dev;
  c->name_ = chosen.props.deviceName;
  c->api_version_ = chosen.props.apiVersion;
  c->uuid_ = chosen.uuid;
  c->timestamp_period_ = chosen.props.limits.timestampPeriod;
  vk.vkGetPhysicalDeviceMemoryProperties(c->physical_, &c->memory_);

  uint32_t qn = 0;
  vk.vkGetPhysicalDeviceQueueFamilyProperties(c->physical_, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> families(qn);
  vk.vkGetPhysicalDeviceQueueFamilyProperties(c->physical_, &qn, families.data());
  std::optional<uint32_t> family;
  for (uint32_t i = 0; i < qn && !family; ++i)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = i;
  if (!family) return fail(Errc::unsupported, kStage, "no compute queue on " + c->name_);
  c->queue_family_ = *family;
  c->timestamps_ = families[*family].timestampValidBits > 0 && c->timestamp_period_ > 0;

  uint32_t en = 0;
  vk.vkEnumerateDeviceExtensionProperties(c->physical_, nullptr, &en, nullptr);
  std::vector<VkExtensionProperties> exts(en);
  vk.vkEnumerateDeviceExtensionProperties(c->physical_, nullptr, &en, exts.data());
  for (const auto& e : exts)
    c->available_.emplace_back(e.extensionName);
  auto has = [&](const char* name) {
    return std::find(c->available_.begin(), c->available_.end(), name) != c->available_.end();
  };
  std::vector<const char*> enable;
  auto want = [&](const char* name, bool& flag) {
    flag = has(name);
    if (flag) enable.push_back(name);
  };
  want(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME, c->ext_memory_fd_);
  want(VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME, c->ext_dma_buf_);
  want(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME, c->ext_semaphore_fd_);
  want(VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME, c->ext_foreign_);

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{};
  qci.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  qci.queueFamilyIndex = c->queue_family_;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  VkDeviceCreateInfo dci{};
  dci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(enable.size());
  dci.ppEnabledExtensionNames = enable.data();
  if (auto r = vk.vkCreateDevice(c->physical_, &dci, nullptr, &c->device_); r != VK_SUCCESS)
    return fail(Errc::gpu, kStage, "vkCreateDevice failed: " + vk_result_name(r));
#define ZC_VK_LOAD(name) vk.name = reinterpret_cast<PFN_##name>(vk.vkGetDeviceProcAddr(c->device_, #name));
  ZC_VK_DEVICE(ZC_VK_LOAD)
  ZC_VK_DEVICE_EXT(ZC_VK_LOAD)
#undef ZC_VK_LOAD
  std::string missing;
#define ZC_VK_CHECK(name) \
  if (!vk.name) missing += " " #name;
  ZC_VK_DEVICE(ZC_VK_CHECK)
#undef ZC_VK_CHECK
  if (!missing.empty()) return fail(Errc::unsupported, kStage, "the Vulkan device lacks" + missing);
  vk.vkGetDeviceQueue(c->device_, c->queue_family_, 0, &c->queue_);
  zc::log::debug("zerocopy: Vulkan device {} (API {}.{}), memory_fd {} dma_buf {} semaphore_fd {}", c->name_,
                 VK_API_VERSION_MAJOR(c->api_version_), VK_API_VERSION_MINOR(c->api_version_), c->ext_memory_fd_,
                 c->ext_dma_buf_, c->ext_semaphore_fd_);
  return c;
}

VkContext::~VkContext() {
  if (device_) {
    api_.vkDeviceWaitIdle(device_);
    api_.vkDestroyDevice(device_, nullptr);
  }
  if (instance_) api_.vkDestroyInstance(instance_, nullptr);
}

std::optional<uint32_t> VkContext::memory_type(uint32_t type_bits, VkMemoryPropertyFlags want) const {
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (memory_.memoryTypes[i].propertyFlags & want) == want) return i;
  return std::nullopt;
}

Result<void> VkContext::check(VkResult r, std::string_view what) const {
  if (r == VK_SUCCESS) return {};
  return fail(Errc::gpu, kStage, fmt::format("{} failed: {}", what, vk_result_name(r)));
}

Result<void> VkContext::run_once(const std::function<void(VkCommandBuffer)>& record) const {
  const VkApi& vk = api_;
  VkCommandPoolCreateInfo pci{};
  pci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pci.queueFamilyIndex = queue_family_;
  VkCommandPoolOwner pool;  // its command buffer dies with it
  if (auto ok = check(vk.vkCreateCommandPool(device_, &pci, nullptr, pool.receive(vk, device_)), "vkCreateCommandPool");
      !ok) {
    return ok;
  }
  VkFenceOwner fence;
  VkCommandBufferAllocateInfo ai{};
  ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  ai.commandPool = pool.get();
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb = VK_NULL_HANDLE;
  if (auto ok = check(vk.vkAllocateCommandBuffers(device_, &ai, &cb), "vkAllocateCommandBuffers"); !ok) return ok;
  VkCommandBufferBeginInfo bi{};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vk.vkBeginCommandBuffer(cb, &bi);
  record(cb);
  if (auto ok = check(vk.vkEndCommandBuffer(cb), "vkEndCommandBuffer"); !ok) return ok;
  VkFenceCreateInfo fci{};
  fci.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (auto ok = check(vk.vkCreateFence(device_, &fci, nullptr, fence.receive(vk, device_)), "vkCreateFence"); !ok) {
    return ok;
  }
  VkSubmitInfo si{};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  if (auto ok = check(vk.vkQueueSubmit(queue_, 1, &si, fence.get()), "vkQueueSubmit"); !ok) return ok;
  return check(vk.vkWaitForFences(device_, 1, fence.address(), VK_TRUE, 5'000'000'000ull), "vkWaitForFences");
}

VkOwnedBuffer& VkOwnedBuffer::operator=(VkOwnedBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = o.ctx_;
    buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(o.memory_, VK_NULL_HANDLE);
    size_ = o.size_;
    allocation_size_ = o.allocation_size_;
    mapped_ = std::exchange(o.mapped_, nullptr);
  }
  return *this;
}

void VkOwnedBuffer::reset() {
  if (!ctx_) return;
  const VkApi& vk = ctx_->api();
  if (mapped_) vk.vkUnmapMemory(ctx_->device(), memory_);
  if (buffer_) vk.vkDestroyBuffer(ctx_->device(), buffer_, nullptr);
  if (memory_) vk.vkFreeMemory(ctx_->device(), memory_, nullptr);
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
}

namespace {

// Creates the buffer and allocates its dedicated memory; `import_fd` (owned here) or export.
// The handles land in the caller's VkOwnedBuffer as soon as they exist, so it frees them on failure.
Result<void> make_buffer(const VkContext& ctx, VkDeviceSize size, VkBufferUsageFlags usage, VkMemoryPropertyFlags props,
                         VkExternalMemoryHandleTypeFlagBits handle_type, UniqueFd import_fd, bool export_fd,
                         VkBuffer& buffer, VkDeviceMemory& memory, VkDeviceSize& alloc_size) {
  const VkApi& vk = ctx.api();
  VkExternalMemoryBufferCreateInfo ext{};
  ext.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO;
  ext.handleTypes = handle_type;
  VkBufferCreateInfo bci{};
  bci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bci.pNext = handle_type ? &ext : nullptr;
  bci.size = size;
  bci.usage = usage;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (auto ok = ctx.check(vk.vkCreateBuffer(ctx.device(), &bci, nullptr, &buffer), "vkCreateBuffer"); !ok) return ok;
  VkMemoryRequirements req{};
  vk.vkGetBufferMemoryRequirements(ctx.device(), buffer, &req);
  uint32_t type_bits = req.memoryTypeBits;
  if (import_fd) {
    VkMemoryFdPropertiesKHR fdp{};
    fdp.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR;
    if (auto ok = ctx.check(vk.vkGetMemoryFdPropertiesKHR(ctx.device(), handle_type, import_fd.get(), &fdp),
                            "vkGetMemoryFdPropertiesKHR(dmabuf)");
        !ok)
      return ok;
    type_bits &= fdp.memoryTypeBits;
  }
  auto type = ctx.memory_type(type_bits, props);
  if (!type && import_fd) type = ctx.memory_type(type_bits, 0);
  if (!type) return fail(Errc::gpu, "zerocopy:vulkan", "no memory type fits the buffer");
  VkMemoryDedicatedAllocateInfo dedicated{};
  dedicated.sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO;
  dedicated.buffer = buffer;
  VkExportMemoryAllocateInfo exp{};
  exp.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO;
  exp.handleTypes = handle_type;
  VkImportMemoryFdInfoKHR imp{};
  imp.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR;
  imp.handleType = handle_type;
  imp.fd = import_fd.get();
  if (export_fd) {
    exp.pNext = &dedicated;
  } else if (import_fd) {
    imp.pNext = &dedicated;
  }
  VkMemoryAllocateInfo mai{};
  mai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  mai.pNext = export_fd ? static_cast<const void*>(&exp) : import_fd ? static_cast<const void*>(&imp) : nullptr;
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = *type;
  if (auto ok = ctx.check(vk.vkAllocateMemory(ctx.device(), &mai, nullptr, &memory), "vkAllocateMemory"); !ok)
    return ok;
  if (import_fd) import_fd.release();  // a successful import owns the fd
  alloc_size = req.size;
  return ctx.check(vk.vkBindBufferMemory(ctx.device(), buffer, memory, 0), "vkBindBufferMemory");
}

}  // namespace

Result<VkOwnedBuffer> VkOwnedBuffer::create(const VkContext& ctx, VkDeviceSize size, VkBufferUsageFlags usage,
                                            VkMemoryPropertyFlags props, bool export_fd) {
  if (export_fd && !ctx.external_memory_fd())
    return fail(Errc::unsupported, "zerocopy:vulkan", "VK_KHR_external_memory_fd is not available");
  VkOwnedBuffer b;
  b.ctx_ = &ctx;
  b.size_ = size;
  auto r = make_buffer(ctx, size, usage, props,
                       export_fd ? VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT : VkExternalMemoryHandleTypeFlagBits{},
                       UniqueFd{}, export_fd, b.buffer_, b.memory_, b.allocation_size_);
  if (!r) return tl::unexpected(r.error());
  if (props & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    if (auto ok =
            ctx.check(ctx.api().vkMapMemory(ctx.device(), b.memory_, 0, VK_WHOLE_SIZE, 0, &b.mapped_), "vkMapMemory");
        !ok)
      return tl::unexpected(ok.error());
  }
  return b;
}

Result<VkOwnedBuffer> VkOwnedBuffer::import_dmabuf(const VkContext& ctx, int fd, VkDeviceSize size,
                                                   VkBufferUsageFlags usage) {
  if (!ctx.external_memory_dma_buf() || !ctx.api().vkGetMemoryFdPropertiesKHR)
    return fail(Errc::rejected, "zerocopy:vulkan", "VK_EXT_external_memory_dma_buf is not available");
  UniqueFd dup_fd(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!dup_fd) return fail(Errc::rejected, "zerocopy:vulkan", "cannot dup the dmabuf fd");
  VkOwnedBuffer b;
  b.ctx_ = &ctx;
  b.size_ = size;
  auto r = make_buffer(ctx, size, usage, 0, VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, std::move(dup_fd), false,
                       b.buffer_, b.memory_, b.allocation_size_);
  if (!r) {
    auto e = r.error();
    e.code = Errc::rejected;
    return tl::unexpected(e);
  }
  return b;
}

Result<UniqueFd> VkOwnedBuffer::export_fd() const {
  const VkApi& vk = ctx_->api();
  if (!vk.vkGetMemoryFdKHR) return fail(Errc::unsupported, "zerocopy:vulkan", "no vkGetMemoryFdKHR");
  VkMemoryGetFdInfoKHR gi{};
  gi.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
  gi.memory = memory_;
  gi.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
  int fd = -1;
  if (auto ok = ctx_->check(vk.vkGetMemoryFdKHR(ctx_->device(), &gi, &fd), "vkGetMemoryFdKHR"); !ok)
    return tl::unexpected(ok.error());
  return UniqueFd(fd);
}

VkOwnedSemaphore& VkOwnedSemaphore::operator=(VkOwnedSemaphore&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = o.ctx_;
    sem_ = std::exchange(o.sem_, VK_NULL_HANDLE);
  }
  return *this;
}

Result<VkOwnedSemaphore> VkOwnedSemaphore::create(const VkContext& ctx, bool exportable) {
  if (exportable && !ctx.external_semaphore_fd())
    return fail(Errc::unsupported, "zerocopy:vulkan", "VK_KHR_external_semaphore_fd is not available");
  VkExportSemaphoreCreateInfo exp{};
  exp.sType = VK_STRUCTURE_TYPE_EXPORT_SEMAPHORE_CREATE_INFO;
  exp.handleTypes = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
  VkSemaphoreCreateInfo sci{};
  sci.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
  sci.pNext = exportable ? &exp : nullptr;
  VkOwnedSemaphore s;
  s.ctx_ = &ctx;
  if (auto ok = ctx.check(ctx.api().vkCreateSemaphore(ctx.device(), &sci, nullptr, &s.sem_), "vkCreateSemaphore"); !ok)
    return tl::unexpected(ok.error());
  return s;
}

Result<UniqueFd> VkOwnedSemaphore::export_fd() const {
  const VkApi& vk = ctx_->api();
  if (!vk.vkGetSemaphoreFdKHR) return fail(Errc::unsupported, "zerocopy:vulkan", "no vkGetSemaphoreFdKHR");
  VkSemaphoreGetFdInfoKHR gi{};
  gi.sType = VK_STRUCTURE_TYPE_SEMAPHORE_GET_FD_INFO_KHR;
  gi.semaphore = sem_;
  gi.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD_BIT;
  int fd = -1;
  if (auto ok = ctx_->check(vk.vkGetSemaphoreFdKHR(ctx_->device(), &gi, &fd), "vkGetSemaphoreFdKHR"); !ok)
    return tl::unexpected(ok.error());
  return UniqueFd(fd);
}

void VkOwnedSemaphore::reset() {
  if (sem_ && ctx_) ctx_->api().vkDestroySemaphore(ctx_->device(), sem_, nullptr);
  sem_ = VK_NULL_HANDLE;
}

}  // namespace zc::zerocopy::cuda_bridge
