#include "cuda/cuda_context.hpp"

#include <fmt/format.h>

namespace zc::cuda {

CudaContext::Scope::Scope(const CudaContext& ctx) : api_(&ctx.api()) {
  pushed_ = api_->cuCtxPushCurrent(ctx.context()) == CUDA_SUCCESS;
}

CudaContext::Scope::~Scope() {
  if (!pushed_) return;
  CUcontext popped = nullptr;
  api_->cuCtxPopCurrent(&popped);
}

Result<std::shared_ptr<CudaContext>> CudaContext::create(std::shared_ptr<const CudaApi> api, int ordinal) {
  std::shared_ptr<CudaContext> c(new CudaContext());
  c->api_ = std::move(api);
  c->ordinal_ = ordinal;
  const CudaApi& cu = *c->api_;
  int count = 0;
  if (auto r = cu.cuDeviceGetCount(&count); r != CUDA_SUCCESS) return tl::unexpected(cu.error(r, "cuDeviceGetCount"));
  if (ordinal < 0 || ordinal >= count)
    return fail(Errc::not_found, "zerocopy:cuda", fmt::format("no CUDA device {} ({} found)", ordinal, count));
  if (auto r = cu.cuDeviceGet(&c->device_, ordinal); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuDeviceGet"));
  char name[256] = {};
  cu.cuDeviceGetName(name, sizeof name - 1, c->device_);
  c->name_ = name;
  if (cu.cuDeviceGetUuid) {
    CUuuid id{};
    if (cu.cuDeviceGetUuid(&id, c->device_) == CUDA_SUCCESS) {
      for (size_t i = 0; i < 16; ++i)
        c->uuid_[i] = static_cast<uint8_t>(id.bytes[i]);
      c->has_uuid_ = true;
    }
  }
  if (cu.cuDriverGetVersion) cu.cuDriverGetVersion(&c->driver_version_);
  int major = 0, minor = 0;
  cu.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, c->device_);
  cu.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, c->device_);
  c->cc_ = major * 10 + minor;

  // Blocking sync: a thread waiting on our events or stream sleeps instead of spinning a core.
  if (auto r = cu.cuCtxCreate(&c->ctx_, CU_CTX_SCHED_BLOCKING_SYNC, c->device_); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuCtxCreate"));
  // cuCtxCreate made it current; our contract is push/pop around every use.
  CUcontext popped = nullptr;
  cu.cuCtxPopCurrent(&popped);
  Scope scope(*c);
  if (auto r = cu.cuStreamCreate(&c->stream_, CU_STREAM_NON_BLOCKING); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuStreamCreate"));
  return c;
}

CudaContext::~CudaContext() {
  if (!ctx_) return;
  if (stream_) {
    Scope scope(*this);
    api_->cuStreamSynchronize(stream_);
    api_->cuStreamDestroy(stream_);
  }
  api_->cuCtxDestroy(ctx_);
}

Result<void> CudaContext::check(CUresult r, std::string_view what) const {
  if (r == CUDA_SUCCESS) return {};
  return tl::unexpected(api_->error(r, what));
}

Result<CudaEvent> CudaEvent::create(std::shared_ptr<const CudaContext> ctx, bool timing) {
  CudaEvent e;
  CudaContext::Scope scope(*ctx);
  const unsigned flags = CU_EVENT_BLOCKING_SYNC | (timing ? 0u : static_cast<unsigned>(CU_EVENT_DISABLE_TIMING));
  if (auto r = ctx->api().cuEventCreate(&e.event_, flags); r != CUDA_SUCCESS)
    return tl::unexpected(ctx->api().error(r, "cuEventCreate"));
  e.ctx_ = std::move(ctx);
  return e;
}

CudaEvent& CudaEvent::operator=(CudaEvent&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = std::move(o.ctx_);
    event_ = o.event_;
    o.event_ = nullptr;
  }
  return *this;
}

void CudaEvent::reset() {
  if (event_ && ctx_) {
    CudaContext::Scope scope(*ctx_);
    ctx_->api().cuEventDestroy(event_);
  }
  event_ = nullptr;
  ctx_.reset();
}

}  // namespace zc::cuda
