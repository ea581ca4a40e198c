#pragma once
// Importers in order of preference: a GPU importer (when there is one) first, the CPU importer
// always behind it. A frame the GPU importer fails on is imported by the CPU path at once, so no
// frame is lost (except one whose implicit fence never signalled, Errc::timeout: dropped); a rejected (format,
// modifier) is reported so capture renegotiates without it; after repeated failures the GPU importer is disabled for
// the stream and capture renegotiates towards what the CPU path takes (shared memory).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "zerocopy/importer.hpp"

namespace zc::zerocopy {

class ImportChain {
 public:
  // Consecutive failures after which the primary importer is given up for the stream.
  static constexpr uint32_t kDisableAfter = 3;

  // Called on rejection (and when the primary is disabled): renegotiate without this pair.
  using RejectFn = std::function<void(PixelFormat, uint64_t modifier)>;

  // primary may be null (CPU only). cpu must not be null.
  ImportChain(std::unique_ptr<zerocopy::Importer> primary, std::unique_ptr<zerocopy::Importer> cpu);

  // The modifiers to offer: the primary's while it is enabled and for 32-bit RGB (the only formats
  // the GPU passes take), else the CPU importer's (none: shared memory; LINEAR for packed RGB with
  // ZEROCAST_CPU_DMABUF=1).
  std::vector<uint64_t> modifiers(PixelFormat format) const;
  Result<DeviceFrame> import(const Frame& frame, const zerocopy::ImportTarget& target, const RejectFn& on_reject);
  // Importer::redraw_cursor() of the importer that made the last frame (unsupported before any).
  Result<DeviceFrame> redraw_cursor(const Cursor& cursor, uint64_t sequence, const zerocopy::ImportTarget& target);
  void forget(uint64_t buffer_id);
  // Importer::prepare() of the importer that will take the stream's first frames: the CPU
  // importer's for shared memory (the GPU importers make theirs on their first frame).
  void prepare(const zerocopy::ImportTarget& target, bool dmabuf);
  // Importer::reads_done() of both: may capture give this buffer back to the producer yet?
  bool reads_done(uint64_t buffer_id, bool wait);

  // What imported the last frame, and why the CPU when there is a GPU importer: "egl-cuda",
  // "egl-cuda (no frame yet)", "cpu (the producer sends shared memory)", "cpu (format YUY2 is not
  // imported on the GPU)", "cpu (egl-cuda failed on the last frame)", "cpu (vulkan-cuda disabled: <why>)"; plain "cpu"
  // without one. Thread-safe.
  std::string path() const;
  bool primary_enabled() const;
  uint64_t primary_failures() const;
  uint64_t fallbacks() const;  // frames the CPU path imported after the primary failed on them
  // The primary's GPU time (nothing without one). Call on the thread that calls import().
  zerocopy::GpuTime gpu_time() const { return primary_ ? primary_->gpu_time() : zerocopy::GpuTime{}; }
  // The CPU path's converted pixels (damage-driven conversion). Thread-safe.
  zerocopy::ConvertedPixels converted_pixels() const { return cpu_->converted_pixels(); }

 private:
  std::unique_ptr<zerocopy::Importer> primary_;
  std::unique_ptr<zerocopy::Importer> cpu_;
  mutable std::mutex mutex_;  // guards the fields below against readers on other threads
  bool primary_enabled_ = false;
  enum class Last { none, primary, cpu_shared_memory, cpu_format, cpu_fallback };
  Last last_ = Last::none;
  PixelFormat last_format_ = PixelFormat::BGRx;  // of the last frame the CPU path took
  std::string disabled_reason_;
  uint32_t consecutive_failures_ = 0;                       // failures other than rejections
  std::vector<std::pair<PixelFormat, uint64_t>> rejected_;  // pairs already sent back to negotiation
  uint64_t primary_failures_ = 0;
  uint64_t fallbacks_ = 0;
  std::vector<std::string> logged_;  // failure messages already logged (each once)
};

}  // namespace zc::zerocopy
