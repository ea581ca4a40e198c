#pragma once
// The VA-API zero-copy importer (AMD, Intel): a compositor's dmabuf is imported as a VA surface
// with its modifier (once per PipeWire buffer, kept until forget()), and the driver's video
// processing crops, scales and converts it into a pooled NV12 surface that the VA-API encoder
// reads: no pixel crosses the CPU. libva cannot list the modifiers it imports (its attribute is
// for allocation only): the candidates are the GPU's own, as EGL lists them on the same render
// node, and LINEAR; each is offered only once a trial import of a real buffer with it worked (a
// GBM buffer, LINEAR also from udmabuf), so capture never negotiates one the driver refuses. A
// refusal mid-stream is Errc::rejected (renegotiated away); other failures go to the CPU path
// for that frame (the import chain).
//
// The pass is waited for inside import() (vaSyncSurface), so reads_done() is always true: the
// buffer may go back to the producer as soon as import() returns.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drm/implicit_fence.hpp"
#include "vaapi/va_device.hpp"
#include "vaapi/va_frames.hpp"
#include "vaapi/va_proc.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy {

struct VaapiImportOptions {
  // How long a dmabuf's implicit write fence is waited for before the frame is dropped.
  int fence_timeout_ms = 100;
};

struct VaapiImportStats {
  uint64_t imports = 0;      // dmabufs imported as surfaces (one per PipeWire buffer)
  uint64_t frames = 0;       // frames converted into encoder surfaces
  uint64_t refused = 0;      // imports the driver refused (rejected pairs)
  drm::FenceCounters fence;  // implicit fences waited for / timed out
};

class VaapiImporter final : public Importer {
 public:
  // Errc::unsupported when the driver has no video processing.
  static Result<std::unique_ptr<VaapiImporter>> create(std::shared_ptr<vaapi::VaDevice> device,
                                                       VaapiImportOptions options = {});

  std::string_view name() const override { return "vaapi"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override;
  // target: NV12 in FrameMemory::Vaapi, even size. frame: a single-plane 32-bit RGB dmabuf.
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override { surfaces_.erase(buffer_id); }
  bool reads_done(uint64_t /*buffer_id*/, bool /*wait*/) override { return true; }

  const VaapiImportStats& stats() const { return stats_; }

 private:
  VaapiImporter(std::shared_ptr<vaapi::VaDevice> device, VaapiImportOptions options)
      : device_(std::move(device)), options_(options) {}
  std::vector<uint64_t> candidates(PixelFormat format) const;
  std::vector<uint64_t> trial(PixelFormat format) const;

  std::shared_ptr<vaapi::VaDevice> device_;
  VaapiImportOptions options_;
  std::unique_ptr<vaapi::VideoProc> proc_;
  std::unique_ptr<vaapi::VaFrames> frames_;                      // the encoder's surfaces, at the target size
  std::map<uint64_t, vaapi::Surface> surfaces_;                  // by PipeWire buffer
  mutable std::map<PixelFormat, std::vector<uint64_t>> proven_;  // trial imports, per format
  drm::ImplicitFence fence_;
  VaapiImportStats stats_;
};

}  // namespace zc::zerocopy
