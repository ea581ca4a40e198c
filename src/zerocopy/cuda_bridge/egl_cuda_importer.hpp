#pragma once
// EGL→GL→CUDA: tiled dmabufs (and external-only LINEAR ones when the Vulkan bridge is not up)
// become EGLImages on a headless EGL display of the CUDA device, cached per PipeWire buffer; one
// GL pass writes the encoder's layout into an RGBA8 texture registered with CUDA once; per frame
// our stream maps it, copies it into a pooled pitched buffer and unmaps it. No glFinish and no
// stream synchronisation: the CUDA map orders the copy after the pass on the GPU. Either import()
// returns once the pass has read the dmabuf (an EGL fence or a CUDA event, both sleeping waits),
// or (SourceWait::Deferred) it returns at once and reads_done() tells capture when the buffer
// may go back to the producer (a query of a CUDA event recorded after the map).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cuda/cuda_context.hpp"
#include "cuda/frame_pool.hpp"
#include "drm/implicit_fence.hpp"
#include "zerocopy/cuda_bridge/gl/gl_context.hpp"
#include "zerocopy/cuda_bridge/gl/gl_pass.hpp"
#include "zerocopy/cuda_bridge/timing_cadence.hpp"
#include "zerocopy/importer.hpp"

namespace zc::zerocopy::cuda_bridge {

// How the importer learns that the pass has finished reading the source. Measured on the H100
// (bench/gpu): CudaEvent sleeps (blocking-sync context), 0.09-0.14 ms of process CPU per 4K frame
// (the driver's thread that wakes the sleeper counts), 0.44-0.54 ms wall; EglFence gives the same
// wall but spins in eglClientWaitSyncKHR (0.2 ms of CPU); Deferred waits for nothing in import().
enum class SourceWait : uint8_t {
  CudaEvent,  // import() sleeps in cuEventSynchronize on an event recorded after the map (the map waits for GL)
  EglFence,   // import() waits in eglClientWaitSyncKHR on a fence after the pass
  Deferred,   // import() does not wait: reads_done() queries a per-buffer event recorded after the map
  None,       // nobody waits: only for callers that keep the source alive themselves (bench)
};

struct EglCudaOptions {
  PassKind pass = PassKind::Compute;
  SourceWait wait = SourceWait::CudaEvent;
  bool external_only_ok = true;  // import external-only (LINEAR) images through samplerExternalOES
  int fence_timeout_ms = 100;    // implicit dmabuf fence and the pass fence
  // GL timer queries and CUDA timing events: gpu_time() for the metrics (read without waiting)
  // and last_timing() for the bench, on one frame in `timing_every` (the bench needs each: 1).
  bool timing = true;
  uint32_t timing_every = 8;
};

struct GpuImportStats {
  uint64_t frames = 0;
  uint64_t images_created = 0;  // EGLImages (or Vulkan buffer imports) made
  drm::FenceCounters implicit_fence;
  uint64_t source_wait_timeouts = 0;
  uint64_t deferred_reads = 0;   // frames imported with their read left in flight (SourceWait::Deferred)
  uint64_t deferred_waits = 0;   // reads_done() calls that had to sleep until the read was done
  uint64_t deferred_errors = 0;  // event queries that failed (the buffer was given back anyway)
  uint64_t failures = 0;
};

struct ImportTiming {
  double pass_ms = -1;  // GL pass (timer query); -1 when unknown
  double map_ms = -1;   // start of the map until the map let the stream go on (includes waiting for the pass)
  double cuda_ms = -1;  // copies into the pool and unmap on our stream (CUDA events)
};

// Not thread-safe: import(), forget() and destruction happen on one thread at a time (the GL
// context is current on one thread only). The importer comes out of create() with its context
// released, so that thread may be any; call release_thread() before handing it to another.
class EglCudaImporter final : public Importer {
 public:
  static Result<std::unique_ptr<EglCudaImporter>> create(std::shared_ptr<cuda::CudaContext> cuda,
                                                         const std::shared_ptr<const EglApi>& egl,
                                                         const EglCudaOptions& options = {});
  ~EglCudaImporter() override;

  std::string_view name() const override { return "egl-cuda"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override;
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override;
  void forget(uint64_t buffer_id) override;
  bool reads_done(uint64_t buffer_id, bool wait) override;
  // The GL pass (timer query) plus our stream's map and copies, per frame; without the GL timer
  // the CUDA span from before the map, which includes waiting for the pass.
  GpuTime gpu_time() const override { return gpu_time_; }

  // The same path from an EGLImage the caller made (tests: an EGL_GL_TEXTURE_2D_KHR image of a
  // texture with a known pattern). The image is borrowed; its texture binding is cached under
  // `cache_id` until forget(cache_id). `frame` supplies size, crop, cursor, pts and sequence.
  Result<DeviceFrame> import_egl_image(uint64_t cache_id, EGLImageKHR image, bool external, const Frame& frame,
                                       const ImportTarget& target);

  void release_thread() { gl_->release_current(); }
  GlContext& gl() { return *gl_; }
  const GlContext& gl() const { return *gl_; }
  GlPass& pass() { return *pass_; }
  cuda::FramePool& pool() { return *pool_; }
  const cuda::CudaContext& cuda() const { return *cuda_; }
  const GpuImportStats& stats() const { return stats_; }
  // The EGL list behind supported_modifiers(), for the probe.
  const std::vector<DmaBufModifier>& egl_modifiers(PixelFormat format) const;

  // Timing of the last frame (needs options.timing); waits for it to finish.
  Result<ImportTiming> last_timing();
  // Turns the instrumentation of options.timing off and on again (bench: CPU and wall are
  // measured without it).
  void set_timing(bool on);
  void set_timing_every(uint32_t n) { cadence_.set_every(n); }

 private:
  struct CachedImage {
    EglImage owned;  // empty for borrowed images
    GlTexture texture;
    bool external = false;
    // What the image was made from: a PipeWire buffer id may come back with other memory.
    int fd = -1;
    uint32_t offset = 0, stride = 0, width = 0, height = 0;
    uint64_t modifier = 0;
    PixelFormat format = PixelFormat::BGRx;
    EGLImageKHR borrowed = EGL_NO_IMAGE_KHR;
    cuda::CudaEvent read_event;  // SourceWait::Deferred: recorded after the map, made on first use
    bool read_pending = false;
  };
  struct Output;

  EglCudaImporter() = default;
  Result<CachedImage*> image_for(const Frame& frame);
  Result<Output*> output_for(const ImportTarget& target);
  Result<DeviceFrame> run(CachedImage& image, const Frame& frame, const ImportTarget& target);
  // run()'s steps: the GL pass, the read events of the source, the CUDA copy out of the pass.
  Result<void> run_pass(CachedImage& image, const Frame& frame, const ImportTarget& target, Output& out, bool timed);
  Result<void> record_read(CachedImage& image, CUstream stream);
  Result<void> copy_out(CachedImage& image, Output& out, cuda::FrameBuffer& buf, bool timed);
  tl::unexpected<Error> failed(Error e);                 // counted
  bool image_reads_done(CachedImage& image, bool wait);  // reads_done() of one cached image
  Result<void> wait_source(EGLSyncKHR sync, CUevent mapped);
  void sample_gpu_time();  // the last frame's, if its work is done; CUDA and GL current

  std::shared_ptr<cuda::CudaContext> cuda_;
  std::unique_ptr<GlContext> gl_;
  std::unique_ptr<GlPass> pass_;
  EglCudaOptions options_;
  std::unique_ptr<cuda::FramePool> pool_;
  std::unordered_map<uint64_t, CachedImage> images_;
  std::unique_ptr<Output> output_;
  std::array<std::vector<DmaBufModifier>, kPixelFormatCount> egl_modifiers_;  // by PixelFormat
  std::array<std::vector<uint64_t>, kPixelFormatCount> modifiers_;
  cuda::CudaEvent mapped_event_;                               // SourceWait::CudaEvent
  cuda::CudaEvent timing_start_, timing_mapped_, timing_end_;  // options.timing
  drm::ImplicitFence implicit_fence_;
  bool timed_frame_ = false;
  TimingCadence cadence_;        // options.timing, set_timing()
  bool sample_pending_ = false;  // the last timed frame is not in gpu_time_ yet
  GpuTime gpu_time_;
  GpuImportStats stats_;
};

}  // namespace zc::zerocopy::cuda_bridge
