#include "cuda/cuda_api.hpp"

#include <fmt/format.h>

#include "cuda/ffnv_loader.hpp"

namespace zc::cuda {

CudaApi::~CudaApi() {
  auto* f = static_cast<CudaFunctions*>(functions);
  cuda_free_functions(&f);
}

std::string CudaApi::describe(CUresult r, std::string_view what) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (cuGetErrorName) cuGetErrorName(r, &name);
  if (cuGetErrorString) cuGetErrorString(r, &text);
  return fmt::format("{} failed: {} ({})", what, name ? name : fmt::format("CUresult {}", static_cast<int>(r)),
                     text ? text : "no description");
}

Error CudaApi::error(CUresult r, std::string_view what) const {
  return Error{Errc::gpu, "zerocopy:cuda", describe(r, what)};
}

Result<std::shared_ptr<const CudaApi>> load_cuda(const std::string& library) {
  FfnvLoadLog log{library, {}};
  CudaFunctions* f = nullptr;
  if (cuda_load_functions(&f, &log) != 0 || !f) {
    // A missing library is the normal state of a machine without NVIDIA; a library without the
    // symbols we need is a driver too old for us. Both mean: no CUDA path here.
    return fail(Errc::not_found, "zerocopy:cuda",
                log.message.empty() ? std::string("cannot load the CUDA driver library") : log.message);
  }
  auto api = std::make_shared<CudaApi>();
  api->functions = f;
#define ZC_CUDA_COPY(name, type) api->name = f->name;
  ZC_CUDA_REQUIRED(ZC_CUDA_COPY)
  ZC_CUDA_OPTIONAL(ZC_CUDA_COPY)
#undef ZC_CUDA_COPY
// `type` is a type name: it cannot be parenthesised.
#define ZC_CUDA_SYM(name, type, symbol) \
  api->name = reinterpret_cast<type*>(dlsym(f->lib, symbol));  // NOLINT(bugprone-macro-parentheses)
  ZC_CUDA_EXTRA(ZC_CUDA_SYM)
#undef ZC_CUDA_SYM
  if (!api->cuEventElapsedTime || !api->cuStreamWaitEvent || !api->cuCtxSetCurrent || !api->cuCtxGetCurrent)
    return fail(Errc::not_found, "zerocopy:cuda",
                "the CUDA driver lacks cuEventElapsedTime/cuStreamWaitEvent/cuCtx*Current");
  if (const CUresult r = api->cuInit(0); r != CUDA_SUCCESS) return tl::unexpected(api->error(r, "cuInit"));
  return std::shared_ptr<const CudaApi>(std::move(api));
}

}  // namespace zc::cuda
