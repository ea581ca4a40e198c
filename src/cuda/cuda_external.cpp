#include "cuda/cuda_external.hpp"

#include <utility>

namespace zc::cuda {
namespace {
constexpr unsigned kCudaExternalMemoryDedicated = 0x1;  // CUDA_EXTERNAL_MEMORY_DEDICATED
}  // namespace

CudaExternalBuffer& CudaExternalBuffer::operator=(CudaExternalBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = std::move(o.ctx_);
    mem_ = std::exchange(o.mem_, nullptr);
    ptr_ = std::exchange(o.ptr_, 0);
    size_ = o.size_;
  }
  return *this;
}

void CudaExternalBuffer::reset() {
  if (!ctx_) return;
  CudaContext::Scope scope(*ctx_);
  if (ptr_) ctx_->api().cuMemFree(ptr_);
  if (mem_) ctx_->api().cuDestroyExternalMemory(mem_);
  ptr_ = 0;
  mem_ = nullptr;
  ctx_.reset();
}

Result<CudaExternalBuffer> CudaExternalBuffer::import(const std::shared_ptr<const CudaContext>& ctx, UniqueFd fd,
                                                      size_t allocation_size, bool dedicated) {
  const CudaApi& cu = ctx->api();
  if (!cu.has_external_memory())
    return fail(Errc::unsupported, "zerocopy:cuda", "the CUDA driver lacks cuImportExternalMemory");
  CudaContext::Scope scope(*ctx);
  CUDA_EXTERNAL_MEMORY_HANDLE_DESC desc{};
  desc.type = CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD;
  desc.handle.fd = fd.get();
  desc.size = allocation_size;
  desc.flags = dedicated ? kCudaExternalMemoryDedicated : 0;
  CudaExternalBuffer b;
  if (auto r = cu.cuImportExternalMemory(&b.mem_, &desc); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuImportExternalMemory(OPAQUE_FD)"));
  fd.release();  // CUDA owns it now
  b.ctx_ = ctx;
  CUDA_EXTERNAL_MEMORY_BUFFER_DESC bd{};
  bd.offset = 0;
  bd.size = allocation_size;
  if (auto r = cu.cuExternalMemoryGetMappedBuffer(&b.ptr_, b.mem_, &bd); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuExternalMemoryGetMappedBuffer"));
  b.size_ = allocation_size;
  return b;
}

CudaExternalSemaphore& CudaExternalSemaphore::operator=(CudaExternalSemaphore&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = std::move(o.ctx_);
    sem_ = std::exchange(o.sem_, nullptr);
  }
  return *this;
}

void CudaExternalSemaphore::reset() {
  if (ctx_ && sem_) {
    CudaContext::Scope scope(*ctx_);
    ctx_->api().cuDestroyExternalSemaphore(sem_);
  }
  sem_ = nullptr;
  ctx_.reset();
}

Result<CudaExternalSemaphore> CudaExternalSemaphore::import(std::shared_ptr<const CudaContext> ctx, UniqueFd fd) {
  const CudaApi& cu = ctx->api();
  if (!cu.has_external_semaphore())
    return fail(Errc::unsupported, "zerocopy:cuda", "the CUDA driver lacks cuImportExternalSemaphore");
  CudaContext::Scope scope(*ctx);
  CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC desc{};
  desc.type = CU_EXTERNAL_SEMAPHORE_HANDLE_TYPE_OPAQUE_FD;
  desc.handle.fd = fd.get();
  CudaExternalSemaphore s;
  if (auto r = cu.cuImportExternalSemaphore(&s.sem_, &desc); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuImportExternalSemaphore(OPAQUE_FD)"));
  fd.release();
  s.ctx_ = std::move(ctx);
  return s;
}

Result<void> CudaExternalSemaphore::wait_async() const {
  CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS p{};
  return ctx_->check(ctx_->api().cuWaitExternalSemaphoresAsync(&sem_, &p, 1, ctx_->stream()),
                     "cuWaitExternalSemaphoresAsync");
}

Result<void> CudaExternalSemaphore::signal_async() const {
  CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS p{};
  return ctx_->check(ctx_->api().cuSignalExternalSemaphoresAsync(&sem_, &p, 1, ctx_->stream()),
                     "cuSignalExternalSemaphoresAsync");
}

}  // namespace zc::cuda
