#pragma once
// One CUDA context per device, created with CU_CTX_SCHED_BLOCKING_SYNC so that waits sleep
// instead of spinning, and one non-blocking stream that orders our GPU work. The pipeline creates
// it once and hands it to the importers and (phase 2) to FFmpeg's AVCUDADeviceContext.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "cuda/cuda_api.hpp"

namespace zc::cuda {

class CudaContext {
 public:
  // Makes the context current on this thread for its lifetime (push/pop, so nesting is fine).
  class Scope {
   public:
    explicit Scope(const CudaContext& ctx);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    bool ok() const { return pushed_; }

   private:
    const CudaApi* api_;
    bool pushed_ = false;
  };

  // Errc::not_found when there is no CUDA device `ordinal`.
  static Result<std::shared_ptr<CudaContext>> create(std::shared_ptr<const CudaApi> api, int ordinal = 0);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  const CudaApi& api() const { return *api_; }
  const std::shared_ptr<const CudaApi>& api_ptr() const { return api_; }
  CUcontext context() const { return ctx_; }
  CUstream stream() const { return stream_; }
  CUdevice device() const { return device_; }
  int ordinal() const { return ordinal_; }
  const std::string& name() const { return name_; }
  // The device UUID (matches VkPhysicalDeviceIDProperties::deviceUUID); empty when unknown.
  const std::array<uint8_t, 16>& uuid() const { return uuid_; }
  bool has_uuid() const { return has_uuid_; }
  int driver_version() const { return driver_version_; }  // 13000 = CUDA 13.0
  int compute_capability() const { return cc_; }          // 90 = sm_90

  Scope scope() const { return Scope(*this); }
  // Ok, or a zc::Error naming `what` and the driver's error.
  Result<void> check(CUresult r, std::string_view what) const;

 private:
  CudaContext() = default;
  std::shared_ptr<const CudaApi> api_;
  CUcontext ctx_ = nullptr;
  CUstream stream_ = nullptr;
  CUdevice device_ = 0;
  int ordinal_ = 0;
  std::string name_;
  std::array<uint8_t, 16> uuid_{};
  bool has_uuid_ = false;
  int driver_version_ = 0;
  int cc_ = 0;
};

// An owned CUevent (timing disabled unless asked, blocking sync so waits sleep).
class CudaEvent {
 public:
  CudaEvent() = default;
  static Result<CudaEvent> create(std::shared_ptr<const CudaContext> ctx, bool timing = false);
  CudaEvent(CudaEvent&& o) noexcept : ctx_(std::move(o.ctx_)), event_(o.event_) { o.event_ = nullptr; }
  CudaEvent& operator=(CudaEvent&& o) noexcept;
  ~CudaEvent() { reset(); }
  CUevent get() const { return event_; }
  explicit operator bool() const { return event_ != nullptr; }
  void reset();

 private:
  std::shared_ptr<const CudaContext> ctx_;
  CUevent event_ = nullptr;
};

}  // namespace zc::cuda
