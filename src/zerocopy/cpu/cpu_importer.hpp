#pragma once
// The CPU importer: from the mapped buffer (shared memory, or a LINEAR dmabuf it maps itself,
// read after its implicit write fence signalled and between DMA_BUF_IOCTL_SYNC calls) straight
// into the encoder's layout (NV12/I420, or P010/I010 at 10 bits) with libyuv, in one pass: crop,
// scale, colour conversion (BT.601 limited range) and cursor compositing, into pooled 64-byte
// aligned planes. MJPEG frames are decoded first (libavcodec, mjpeg.hpp).
//
// import() and forget() are called from the capture thread (not thread-safe against each other);
// the DeviceFrames it returns may be released on any thread; counters may be read from any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/pool.hpp"
#include "drm/dmabuf_map.hpp"
#include "drm/implicit_fence.hpp"
#include "zerocopy/cpu/convert.hpp"
#include "zerocopy/cpu/cursor_blend.hpp"
#include "zerocopy/cpu/cursor_under.hpp"
#include "zerocopy/cpu/damage.hpp"
#include "zerocopy/cpu/mjpeg.hpp"
#include "zerocopy/cpu/planar.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy {

struct CpuImportCounters {
  uint64_t imported = 0;          // frames converted
  uint64_t scaled = 0;            // ... of which resampled to another size
  uint64_t cursor_drawn = 0;      // ... with the cursor composited
  uint64_t pointer_moves = 0;     // frames made from the last one for a pointer move (redraw_cursor)
  uint64_t failed = 0;            // import() calls that returned an error
  uint64_t dmabuf_mapped = 0;     // dmabuf mappings made (one per PipeWire buffer)
  uint64_t dmabuf_unmapped = 0;   // ... and dropped again (forget, remap)
  uint64_t fence_waited = 0;      // dmabuf frames whose implicit write fence was pending, waited for
  uint64_t fence_timeouts = 0;    // ... still pending at the timeout: the frame was dropped
  uint64_t partial = 0;           // frames converted only where they changed (damage.hpp)
  uint64_t pixels_converted = 0;  // output pixels converted, of
  uint64_t pixels_total = 0;      // ... the output pixels of every frame imported
};

struct CpuImportOptions {
  // Offer LINEAR dmabufs for packed RGB formats (ZEROCAST_CPU_DMABUF=1). Off by default: a
  // producer on a discrete GPU would put them in video memory, which the CPU reads slowly; on an
  // integrated or virtual GPU they save the producer its copy into shared memory.
  bool offer_linear = false;
  // How long a dmabuf's implicit write fence is waited for before the frame is dropped.
  int fence_timeout_ms = 100;
  // Convert only what the producer's damage says changed into a pooled frame that holds an
  // earlier picture of the same run (damage.hpp). ZEROCAST_DAMAGE=0 turns it off.
  bool damage = true;
  // The name the user sees in the import path: "cpu (why the CPU path runs)".
  std::string name = "cpu";
  // A target in device memory (CUDA, VA surfaces) gets host frames too (an encoder fed device
  // frames uploads what it is handed): the import chain's CPU path. Off, such a target is refused
  // (Errc::unsupported).
  bool host_for_device = false;
};

class CpuImporter final : public Importer {
 public:
  // Output sizes above this (either dimension) are refused; libyuv takes ints and caps at 32768.
  static constexpr uint32_t kMaxDimension = 16384;

  explicit CpuImporter(CpuImportOptions options = {});
  ~CpuImporter() override;

  std::string_view name() const override { return options_.name; }
  // Behind another GPU importer than the one its name explains (the VA importer when the NVIDIA
  // path is missing): the plain name, before the first import.
  void rename(std::string name) { options_.name = std::move(name); }
  // Shared memory only unless CpuImportOptions::offer_linear: then LINEAR for packed RGB (LINEAR
  // dmabufs are read either way if a producer sends them, e.g. when another importer offered
  // LINEAR and failed).
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override;
  // target: NV12, I420, P010 or I010, FrameMemory::Cpu (or a device with host_for_device: the frames
  // are in host memory either way), even non-zero size. Errors:
  // Errc::rejected (tiled modifier, unmappable dmabuf, a format that is no source: P010, I010,
  // planar dmabufs), Errc::unsupported (target this importer cannot produce),
  // Errc::invalid_argument (a malformed frame or target, a corrupt or truncated JPEG),
  // Errc::internal (out of memory, libyuv refused).
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  // While the producer sends the cursor as metadata (a bitmap came) and it is drawn, the last
  // output frame is kept (one more in the pool) with the samples under its cursor, so a pointer
  // move becomes that frame again, the pointer put back and drawn where it is now.
  // A pointer move numbered next in a damage run goes on with it (nothing changed at its number),
  // so the frames after it still convert only what changed.
  Result<DeviceFrame> redraw_cursor(const Cursor& cursor, uint64_t sequence, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override;
  // A few output frames of the target's shape, made and prefaulted now (kPreparedFrames).
  void prepare(const ImportTarget& target) override;
  bool reads_done(uint64_t, bool) override { return true; }  // the conversion is done in import()

  // Output buffers: created stays at the number of frames in flight in steady state.
  PoolCounters pool_counters() const;
  CpuImportCounters counters() const;
  ConvertedPixels converted_pixels() const override {
    return {pixels_converted_.load(std::memory_order_relaxed), pixels_total_.load(std::memory_order_relaxed)};
  }
  size_t live_mappings() const { return live_mappings_.load(std::memory_order_relaxed); }

 private:
  struct ShapePool {
    PlaneLayout layout;
    std::unique_ptr<Pool<CpuPlanes>> pool;
    uint64_t last_used = 0;
  };

  // Errc::unsupported (not NV12/I420/P010/I010 in CPU memory, or device memory with host_for_device)
  // or Errc::invalid_argument (not an even size up to kMaxDimension).
  Result<void> check_target(const ImportTarget& target) const;
  Result<DeviceFrame> import_checked(const Frame& frame, const ImportTarget& target);
  // Converts `src` into `out`, all of it or only what changed since the picture `out` holds;
  // updates its content tag (not the cursor's part).
  bool convert_changed(const Frame& frame, Rect visible, const std::array<CpuPlane, 3>& planes, const SourceView& src,
                       CpuPlanes& out);
  Result<PixelFormat> jpeg_planes(const Frame& frame, std::array<CpuPlane, 3>& planes);
  // Draws `cursor` on `out`, keeping what was under it first; sets its content tag's cursor.
  void draw_cursor(const Cursor& cursor, const OutputMapping& map, CpuPlanes& out);
  static DeviceFrame device_frame(Lease<CpuPlanes> planes, const ImportTarget& target);
  Lease<CpuPlanes> acquire(PixelFormat format, uint32_t width, uint32_t height);
  void update_mapping_count();

  CpuImportOptions options_;
  Converter converter_;
  MjpegDecoder mjpeg_;
  AlignedBlock jpeg_i420_;  // a 4:2:2, 4:4:4 or grey JPEG brought to I420 (an RGB one to BGRx)
  CursorBlender cursor_;
  UnderCursor under_cursor_;  // of last_'s cursor
  Lease<CpuPlanes> last_;     // the last output frame, for a pointer move (redraw_cursor)
  OutputMapping last_map_;    // ... and how its pixels map onto the frame
  DamageTracker damage_;
  drm::DmaBufCache dmabufs_;
  drm::ImplicitFence fence_;
  drm::FenceCounters fence_counters_;  // capture thread; mirrored into the atomics below

  mutable std::mutex pools_mutex_;  // guards pools_/retired_ against counter readers
  std::vector<ShapePool> pools_;
  PoolCounters retired_;  // counters of evicted pools, so totals never go backwards
  uint64_t use_clock_ = 0;

  std::atomic<size_t> live_mappings_{0};
  std::atomic<uint64_t> imported_{0}, scaled_{0}, cursor_drawn_{0}, pointer_moves_{0}, failed_{0};
  std::atomic<uint64_t> mapped_{0}, unmapped_{0};
  std::atomic<uint64_t> fence_waited_{0}, fence_timeouts_{0};
  std::atomic<uint64_t> partial_{0}, pixels_converted_{0}, pixels_total_{0};
};

}  // namespace zc::zerocopy
