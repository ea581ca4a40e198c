#pragma once
// A Vulkan instance and device for the LINEAR bridge: the physical device whose UUID is the CUDA
// device's, one compute queue, and the external-memory extensions the bridge needs. Also the RAII
// owners of buffers, semaphores and one-shot command submission (tests, probe).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "zerocopy/cuda_bridge/vk/vk_api.hpp"

namespace zc::zerocopy::cuda_bridge {

struct VkContextOptions {
  std::optional<std::array<uint8_t, 16>> device_uuid;  // the CUDA device
  bool allow_any = false;                              // no UUID: first device, hardware first (tests)
};

class VkContext {
 public:
  static Result<std::unique_ptr<VkContext>> create(const std::shared_ptr<const VkApi>& loader,
                                                   const VkContextOptions& options);
  ~VkContext();
  VkContext(const VkContext&) = delete;
  VkContext& operator=(const VkContext&) = delete;

  const VkApi& api() const { return api_; }
  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physical() const { return physical_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const std::string& device_name() const { return name_; }
  uint32_t api_version() const { return api_version_; }
  const std::array<uint8_t, 16>& uuid() const { return uuid_; }
  float timestamp_period_ns() const { return timestamp_period_; }
  bool timestamps() const { return timestamps_; }
  const std::vector<std::string>& device_extensions() const { return available_; }  // all the device offers

  // Enabled extensions.
  bool external_memory_fd() const { return ext_memory_fd_; }
  bool external_memory_dma_buf() const { return ext_dma_buf_; }
  bool external_semaphore_fd() const { return ext_semaphore_fd_; }
  bool queue_family_foreign() const { return ext_foreign_; }

  std::optional<uint32_t> memory_type(uint32_t type_bits, VkMemoryPropertyFlags want) const;
  Result<void> check(VkResult r, std::string_view what) const;

  // Records `record` into a fresh command buffer, submits it and waits (tests, probe, setup).
  Result<void> run_once(const std::function<void(VkCommandBuffer)>& record) const;

 private:
  VkContext() = default;
  VkApi api_;
  std::shared_ptr<const VkApi> loader_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  std::string name_;
  uint32_t api_version_ = 0;
  std::array<uint8_t, 16> uuid_{};
  float timestamp_period_ = 1;
  bool timestamps_ = false;
  VkPhysicalDeviceMemoryProperties memory_{};
  std::vector<std::string> available_;
  bool ext_memory_fd_ = false, ext_dma_buf_ = false, ext_semaphore_fd_ = false, ext_foreign_ = false;
};

// A VkBuffer with its own dedicated memory.
class VkOwnedBuffer {
 public:
  VkOwnedBuffer() = default;
  VkOwnedBuffer(VkOwnedBuffer&& o) noexcept { *this = std::move(o); }
  VkOwnedBuffer& operator=(VkOwnedBuffer&& o) noexcept;
  ~VkOwnedBuffer() { reset(); }
  VkOwnedBuffer(const VkOwnedBuffer&) = delete;
  VkOwnedBuffer& operator=(const VkOwnedBuffer&) = delete;

  // `export_fd`: the memory can be exported as OPAQUE_FD (for CUDA). Host-visible memory is mapped.
  static Result<VkOwnedBuffer> create(const VkContext& ctx, VkDeviceSize size, VkBufferUsageFlags usage,
                                      VkMemoryPropertyFlags props, bool export_fd);
  // Imports a dmabuf (the fd is dup'ed; the caller keeps its own). Errc::rejected when the driver
  // refuses it.
  static Result<VkOwnedBuffer> import_dmabuf(const VkContext& ctx, int fd, VkDeviceSize size, VkBufferUsageFlags usage);

  // A new OPAQUE_FD for the memory (the caller owns it until CUDA takes it).
  Result<UniqueFd> export_fd() const;

  VkBuffer buffer() const { return buffer_; }
  VkDeviceSize size() const { return size_; }
  VkDeviceSize allocation_size() const { return allocation_size_; }
  void* mapped() const { return mapped_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }
  void reset();

 private:
  const VkContext* ctx_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
  VkDeviceSize allocation_size_ = 0;
  void* mapped_ = nullptr;
};

// A binary semaphore, exportable as OPAQUE_FD when asked.
class VkOwnedSemaphore {
 public:
  VkOwnedSemaphore() = default;
  VkOwnedSemaphore(VkOwnedSemaphore&& o) noexcept : ctx_(o.ctx_), sem_(o.sem_) { o.sem_ = VK_NULL_HANDLE; }
  VkOwnedSemaphore& operator=(VkOwnedSemaphore&& o) noexcept;
  ~VkOwnedSemaphore() { reset(); }
  static Result<VkOwnedSemaphore> create(const VkContext& ctx, bool exportable);
  Result<UniqueFd> export_fd() const;
  VkSemaphore get() const { return sem_; }
  void reset();

 private:
  const VkContext* ctx_ = nullptr;
  VkSemaphore sem_ = VK_NULL_HANDLE;
};

}  // namespace zc::zerocopy::cuda_bridge
