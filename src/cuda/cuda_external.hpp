#pragma once
// Vulkan memory and semaphores in CUDA: an OPAQUE_FD exported by Vulkan imported once with
// cuImportExternalMemory / cuImportExternalSemaphore. (CUDA rejects raw dmabuf fds as OPAQUE_FD,
// hence the Vulkan hop for LINEAR dmabufs.)
#include <memory>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "cuda/cuda_context.hpp"

namespace zc::cuda {

class CudaExternalBuffer {
 public:
  CudaExternalBuffer() = default;
  CudaExternalBuffer(CudaExternalBuffer&& o) noexcept { *this = std::move(o); }
  CudaExternalBuffer& operator=(CudaExternalBuffer&& o) noexcept;
  ~CudaExternalBuffer() { reset(); }
  CudaExternalBuffer(const CudaExternalBuffer&) = delete;
  CudaExternalBuffer& operator=(const CudaExternalBuffer&) = delete;

  // `fd` goes to CUDA on success. `allocation_size` is Vulkan's (memory requirements) size;
  // `dedicated`: the Vulkan memory is a dedicated allocation.
  static Result<CudaExternalBuffer> import(const std::shared_ptr<const CudaContext>& ctx, UniqueFd fd,
                                           size_t allocation_size, bool dedicated);
  CUdeviceptr ptr() const { return ptr_; }
  size_t size() const { return size_; }
  explicit operator bool() const { return ptr_ != 0; }
  void reset();

 private:
  std::shared_ptr<const CudaContext> ctx_;
  CUexternalMemory mem_ = nullptr;
  CUdeviceptr ptr_ = 0;
  size_t size_ = 0;
};

class CudaExternalSemaphore {
 public:
  CudaExternalSemaphore() = default;
  CudaExternalSemaphore(CudaExternalSemaphore&& o) noexcept { *this = std::move(o); }
  CudaExternalSemaphore& operator=(CudaExternalSemaphore&& o) noexcept;
  ~CudaExternalSemaphore() { reset(); }
  CudaExternalSemaphore(const CudaExternalSemaphore&) = delete;
  CudaExternalSemaphore& operator=(const CudaExternalSemaphore&) = delete;

  static Result<CudaExternalSemaphore> import(std::shared_ptr<const CudaContext> ctx, UniqueFd fd);
  // Enqueue on the context's stream (the context must be current).
  Result<void> wait_async() const;
  Result<void> signal_async() const;
  explicit operator bool() const { return sem_ != nullptr; }
  void reset();

 private:
  std::shared_ptr<const CudaContext> ctx_;
  CUexternalSemaphore sem_ = nullptr;
};

}  // namespace zc::cuda
