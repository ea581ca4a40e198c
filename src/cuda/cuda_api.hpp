#pragma once
// The CUDA driver API, loaded at run time (libcuda.so.1 through nv-codec-headers' loader, plus
// dlsym for the few entry points its 11.1 release lacks), so one binary runs with or without
// NVIDIA. Only the types come from <ffnvcodec/dynlink_cuda.h>; the loader's static functions stay
// inside cuda_api.cpp.
#include <memory>
#include <string>

#include <ffnvcodec/dynlink_cuda.h>

#include "core/error.hpp"

namespace zc::cuda {

// Not in nv-codec-headers 11.1.
using tcuEventElapsedTime = CUresult CUDAAPI(float* ms, CUevent start, CUevent end);
using tcuStreamWaitEvent = CUresult CUDAAPI(CUstream stream, CUevent event, unsigned int flags);
using tcuDriverGetVersion = CUresult CUDAAPI(int* version);
using tcuCtxSetCurrent = CUresult CUDAAPI(CUcontext ctx);
using tcuCtxGetCurrent = CUresult CUDAAPI(CUcontext* ctx);
using tcuMemHostAlloc = CUresult CUDAAPI(void** pp, size_t bytes, unsigned int flags);
using tcuMemFreeHost = CUresult CUDAAPI(void* p);

// X(member, type): entry points copied from nv-codec-headers' CudaFunctions. Required unless
// listed in ZC_CUDA_OPTIONAL.
#define ZC_CUDA_REQUIRED(X)                                      \
  X(cuInit, tcuInit)                                             \
  X(cuDeviceGetCount, tcuDeviceGetCount)                         \
  X(cuDeviceGet, tcuDeviceGet)                                   \
  X(cuDeviceGetAttribute, tcuDeviceGetAttribute)                 \
  X(cuDeviceGetName, tcuDeviceGetName)                           \
  X(cuCtxCreate, tcuCtxCreate_v2)                                \
  X(cuCtxPushCurrent, tcuCtxPushCurrent_v2)                      \
  X(cuCtxPopCurrent, tcuCtxPopCurrent_v2)                        \
  X(cuCtxDestroy, tcuCtxDestroy_v2)                              \
  X(cuMemAlloc, tcuMemAlloc_v2)                                  \
  X(cuMemAllocPitch, tcuMemAllocPitch_v2)                        \
  X(cuMemsetD8Async, tcuMemsetD8Async)                           \
  X(cuMemFree, tcuMemFree_v2)                                    \
  X(cuMemcpy2D, tcuMemcpy2D_v2)                                  \
  X(cuMemcpy2DAsync, tcuMemcpy2DAsync_v2)                        \
  X(cuMemcpyHtoD, tcuMemcpyHtoD_v2)                              \
  X(cuMemcpyDtoH, tcuMemcpyDtoH_v2)                              \
  X(cuMemcpyDtoDAsync, tcuMemcpyDtoDAsync_v2)                    \
  X(cuGetErrorName, tcuGetErrorName)                             \
  X(cuGetErrorString, tcuGetErrorString)                         \
  X(cuStreamCreate, tcuStreamCreate)                             \
  X(cuStreamQuery, tcuStreamQuery)                               \
  X(cuStreamSynchronize, tcuStreamSynchronize)                   \
  X(cuStreamDestroy, tcuStreamDestroy_v2)                        \
  X(cuEventCreate, tcuEventCreate)                               \
  X(cuEventDestroy, tcuEventDestroy_v2)                          \
  X(cuEventSynchronize, tcuEventSynchronize)                     \
  X(cuEventQuery, tcuEventQuery)                                 \
  X(cuEventRecord, tcuEventRecord)                               \
  X(cuGraphicsGLRegisterImage, tcuGraphicsGLRegisterImage)       \
  X(cuGraphicsUnregisterResource, tcuGraphicsUnregisterResource) \
  X(cuGraphicsMapResources, tcuGraphicsMapResources)             \
  X(cuGraphicsUnmapResources, tcuGraphicsUnmapResources)         \
  X(cuGraphicsSubResourceGetMappedArray, tcuGraphicsSubResourceGetMappedArray)

#define ZC_CUDA_OPTIONAL(X)                                            \
  X(cuDeviceGetUuid, tcuDeviceGetUuid)                                 \
  X(cuImportExternalMemory, tcuImportExternalMemory)                   \
  X(cuDestroyExternalMemory, tcuDestroyExternalMemory)                 \
  X(cuExternalMemoryGetMappedBuffer, tcuExternalMemoryGetMappedBuffer) \
  X(cuImportExternalSemaphore, tcuImportExternalSemaphore)             \
  X(cuDestroyExternalSemaphore, tcuDestroyExternalSemaphore)           \
  X(cuSignalExternalSemaphoresAsync, tcuSignalExternalSemaphoresAsync) \
  X(cuWaitExternalSemaphoresAsync, tcuWaitExternalSemaphoresAsync)

// Looked up with dlsym; "symbol" is the versioned name the driver exports.
#define ZC_CUDA_EXTRA(X)                                           \
  X(cuEventElapsedTime, tcuEventElapsedTime, "cuEventElapsedTime") \
  X(cuStreamWaitEvent, tcuStreamWaitEvent, "cuStreamWaitEvent")    \
  X(cuDriverGetVersion, tcuDriverGetVersion, "cuDriverGetVersion") \
  X(cuCtxSetCurrent, tcuCtxSetCurrent, "cuCtxSetCurrent")          \
  X(cuCtxGetCurrent, tcuCtxGetCurrent, "cuCtxGetCurrent")          \
  X(cuMemHostAlloc, tcuMemHostAlloc, "cuMemHostAlloc")             \
  X(cuMemFreeHost, tcuMemFreeHost, "cuMemFreeHost")

struct CudaApi {
#define ZC_CUDA_MEMBER(name, type) type* name = nullptr;
#define ZC_CUDA_EXTRA_MEMBER(name, type, symbol) type* name = nullptr;
  ZC_CUDA_REQUIRED(ZC_CUDA_MEMBER)
  ZC_CUDA_OPTIONAL(ZC_CUDA_MEMBER)
  ZC_CUDA_EXTRA(ZC_CUDA_EXTRA_MEMBER)
#undef ZC_CUDA_MEMBER
#undef ZC_CUDA_EXTRA_MEMBER

  CudaApi() = default;
  CudaApi(const CudaApi&) = delete;
  CudaApi& operator=(const CudaApi&) = delete;
  ~CudaApi();

  // "cuFoo failed: CUDA_ERROR_X (driver's description)".
  std::string describe(CUresult r, std::string_view what) const;
  // A zc::Error with Errc::gpu for a failed call.
  Error error(CUresult r, std::string_view what) const;

  bool has_external_memory() const {
    return cuImportExternalMemory && cuExternalMemoryGetMappedBuffer;
  }
  bool has_external_semaphore() const {
    return cuImportExternalSemaphore && cuWaitExternalSemaphoresAsync && cuSignalExternalSemaphoresAsync;
  }

  void* functions = nullptr;  // the loader's CudaFunctions (owns the dlopen handle)
};

// Loads the driver and calls cuInit(0). `library` replaces "libcuda.so.1" (tests point it at a
// file that does not exist to act out a machine without NVIDIA). Errc::not_found: no driver
// library; Errc::gpu: the library is there but cuInit failed (no device, driver mismatch, ...).
Result<std::shared_ptr<const CudaApi>> load_cuda(const std::string& library = {});

}  // namespace zc::cuda
