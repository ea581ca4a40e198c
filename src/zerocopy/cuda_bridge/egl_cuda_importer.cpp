#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"

#include <algorithm>

#include <fmt/format.h>
#include "core/log.hpp"

#include "drm/implicit_fence.hpp"
#include "zerocopy/cuda_bridge/gl/dmabuf_image.hpp"
#include "zerocopy/cuda_bridge/modifiers.hpp"

namespace zc::zerocopy::cuda_bridge {
namespace {

constexpr const char* kStage = "zerocopy:egl-cuda";

// An owned CUDA registration of a GL texture.
class CudaGlResource {
 public:
  CudaGlResource(std::shared_ptr<const cuda::CudaContext> ctx, CUgraphicsResource r) : ctx_(std::move(ctx)), r_(r) {}
  ~CudaGlResource() {
    cuda::CudaContext::Scope scope(*ctx_);
    ctx_->api().cuGraphicsUnregisterResource(r_);
  }
  CudaGlResource(const CudaGlResource&) = delete;
  CudaGlResource& operator=(const CudaGlResource&) = delete;
  CUgraphicsResource get() const { return r_; }

 private:
  std::shared_ptr<const cuda::CudaContext> ctx_;
  CUgraphicsResource r_;
};

// An owned EGL fence.
class EglSync {
 public:
  EglSync(const EglApi& api, EGLDisplay dpy, EGLSyncKHR s) : api_(api), dpy_(dpy), s_(s) {}
  ~EglSync() {
    if (s_ != EGL_NO_SYNC_KHR) api_.eglDestroySyncKHR(dpy_, s_);
  }
  EglSync(const EglSync&) = delete;
  EglSync& operator=(const EglSync&) = delete;
  EGLSyncKHR get() const { return s_; }

 private:
  const EglApi& api_;
  EGLDisplay dpy_;
  EGLSyncKHR s_;
};

}  // namespace

struct EglCudaImporter::Output {
  cuda::FrameLayout layout;
  GlTexture texture;
  std::unique_ptr<CudaGlResource> resource;
};

Result<std::unique_ptr<EglCudaImporter>> EglCudaImporter::create(std::shared_ptr<cuda::CudaContext> cuda,
                                                                 const std::shared_ptr<const EglApi>& egl,
                                                                 const EglCudaOptions& options) {
  std::unique_ptr<EglCudaImporter> imp(new EglCudaImporter());
  imp->cuda_ = std::move(cuda);
  imp->options_ = options;
  GlContextOptions gl_options;
  gl_options.cuda_device = imp->cuda_->ordinal();
  auto gl = GlContext::create(egl, gl_options);
  if (!gl) return tl::unexpected(gl.error());
  imp->gl_ = std::move(*gl);
  const GlContext& g = *imp->gl_;
  if (!g.api().glEGLImageTargetTexture2DOES || !g.api().eglCreateImageKHR || !g.has_egl_extension("EGL_KHR_image_base"))
    return fail(Errc::unsupported, kStage, "EGL/GL lacks EGL_KHR_image_base or GL_OES_EGL_image");
  if (imp->options_.wait == SourceWait::EglFence &&
      (!g.has_egl_extension("EGL_KHR_fence_sync") || !g.api().eglCreateSyncKHR)) {
    zc::log::info("zerocopy: EGL has no EGL_KHR_fence_sync, waiting on a CUDA event instead");
    imp->options_.wait = SourceWait::CudaEvent;
  }
  if (!g.has_gl_extension("GL_OES_EGL_image_external_essl3")) imp->options_.external_only_ok = false;
  auto pass = GlPass::create(g, options.pass);
  if (!pass) return tl::unexpected(pass.error());
  imp->pass_ = std::move(*pass);
  imp->pool_ = std::make_unique<cuda::FramePool>(cuda::make_cuda_memory(imp->cuda_));

  const bool dmabuf = g.has_egl_extension("EGL_EXT_image_dma_buf_import");
  for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA, PixelFormat::xRGB,
                        PixelFormat::xBGR, PixelFormat::ARGB, PixelFormat::ABGR}) {
    if (!dmabuf) break;
    const auto i = static_cast<size_t>(f);
    imp->egl_modifiers_[i] = g.dmabuf_modifiers(drm_fourcc(f));
    imp->modifiers_[i] = importable_modifiers(imp->egl_modifiers_[i], {imp->options_.external_only_ok, true});
  }

  if (imp->options_.wait == SourceWait::CudaEvent) {
    auto ev = cuda::CudaEvent::create(imp->cuda_);
    if (!ev) return tl::unexpected(ev.error());
    imp->mapped_event_ = std::move(*ev);
  }
  imp->cadence_.set_every(options.timing_every);
  if (options.timing) {
    for (cuda::CudaEvent* e : {&imp->timing_start_, &imp->timing_mapped_, &imp->timing_end_}) {
      auto ev = cuda::CudaEvent::create(imp->cuda_, true);
      if (!ev) return tl::unexpected(ev.error());
      *e = std::move(*ev);
    }
    imp->set_timing(true);
  }
  zc::log::info("zerocopy: egl-cuda importer on {} via {} ({}, {} pass, XRGB8888: {} modifiers)", imp->cuda_->name(),
                g.gl_renderer(), g.gl_version(), options.pass == PassKind::Compute ? "compute" : "draw",
                imp->modifiers_[static_cast<size_t>(PixelFormat::BGRx)].size());
  imp->gl_->release_current();  // the first import() may come from another thread
  return imp;
}

EglCudaImporter::~EglCudaImporter() {
  if (!gl_ || !gl_->make_current()) return;
  // GL objects die with the context current; CUDA work that reads them must be done first.
  {
    cuda::CudaContext::Scope scope(*cuda_);
    cuda_->api().cuStreamSynchronize(cuda_->stream());
  }
  output_.reset();
  images_.clear();
  pass_.reset();
}

std::vector<uint64_t> EglCudaImporter::supported_modifiers(PixelFormat format) const {
  return modifiers_[static_cast<size_t>(format)];
}

const std::vector<DmaBufModifier>& EglCudaImporter::egl_modifiers(PixelFormat format) const {
  return egl_modifiers_[static_cast<size_t>(format)];
}

void EglCudaImporter::forget(uint64_t buffer_id) {
  auto it = images_.find(buffer_id);
  if (it == images_.end()) return;
  image_reads_done(it->second, true);  // the producer may free the dmabuf once it is forgotten
  if (!gl_->make_current()) return;
  images_.erase(it);
}

bool EglCudaImporter::reads_done(uint64_t buffer_id, bool wait) {
  auto it = images_.find(buffer_id);
  return it == images_.end() || image_reads_done(it->second, wait);
}

bool EglCudaImporter::image_reads_done(CachedImage& image, bool wait) {
  if (!image.read_pending) return true;
  const cuda::CudaApi& cu = cuda_->api();
  cuda::CudaContext::Scope scope(*cuda_);
  // A query costs no wake-up: at 60 fps the pass (about 0.5 ms at 4K) is long done when capture
  // asks, and nothing sleeps on the GPU's interrupt.
  CUresult r = cu.cuEventQuery(image.read_event.get());
  if (r == CUDA_ERROR_NOT_READY) {
    if (!wait) return false;
    ++stats_.deferred_waits;
    r = cu.cuEventSynchronize(image.read_event.get());
  }
  if (r != CUDA_SUCCESS && stats_.deferred_errors++ == 0) {
    // Not per frame: the buffer goes back anyway (holding it forever would starve the producer).
    zc::log::warn("zerocopy: {} (giving the buffer back; later ones are not logged)",
                  cu.error(r, "cuEventQuery(pass done)").describe());
  }
  image.read_pending = false;
  return true;
}

Result<EglCudaImporter::CachedImage*> EglCudaImporter::image_for(const Frame& frame) {
  const DmaBufPlane& p = frame.planes[0];
  auto it = images_.find(frame.buffer_id);
  if (it != images_.end()) {
    const CachedImage& c = it->second;
    if (c.fd == p.fd && c.offset == p.offset && c.stride == p.stride && c.width == frame.width &&
        c.height == frame.height && c.modifier == frame.modifier && c.format == frame.format)
      return &it->second;
    image_reads_done(it->second, true);
    images_.erase(it);  // the buffer id came back with other memory: re-import
  }
  const bool external = is_external_only(egl_modifiers(frame.format), frame.modifier);
  auto imported = import_dmabuf_texture(*gl_, frame, external);
  if (!imported) return tl::unexpected(imported.error());
  CachedImage c;
  c.owned = std::move(imported->image);
  c.texture = std::move(imported->texture);
  c.external = external;
  c.fd = p.fd;
  c.offset = p.offset;
  c.stride = p.stride;
  c.width = frame.width;
  c.height = frame.height;
  c.modifier = frame.modifier;
  c.format = frame.format;
  ++stats_.images_created;
  auto [pos, inserted] = images_.insert_or_assign(frame.buffer_id, std::move(c));
  return &pos->second;
}

Result<EglCudaImporter::Output*> EglCudaImporter::output_for(const ImportTarget& target) {
  if (output_ && output_->layout.width == target.width && output_->layout.height == target.height &&
      output_->layout.format == target.format)
    return output_.get();
  auto layout = cuda::frame_layout(target.width, target.height, target.format);
  if (!layout) return tl::unexpected(layout.error());
  if (output_) {
    cuda::CudaContext::Scope scope(*cuda_);
    cuda_->api().cuStreamSynchronize(cuda_->stream());  // a new target size: rare, may block
    output_.reset();
  }
  auto out = std::make_unique<Output>();
  out->layout = *layout;
  auto tex = create_output_texture(*gl_, *layout);
  if (!tex) return tl::unexpected(tex.error());
  out->texture = std::move(*tex);
  cuda::CudaContext::Scope scope(*cuda_);
  CUgraphicsResource res = nullptr;
  // Registered once per output: registration is slow and pins the texture's storage.
  if (auto r = cuda_->api().cuGraphicsGLRegisterImage(&res, out->texture.id(), GL_TEXTURE_2D,
                                                      CU_GRAPHICS_REGISTER_FLAGS_READ_ONLY);
      r != CUDA_SUCCESS)
    return tl::unexpected(cuda_->api().error(r, "cuGraphicsGLRegisterImage"));
  out->resource = std::make_unique<CudaGlResource>(cuda_, res);
  output_ = std::move(out);
  return output_.get();
}

Result<DeviceFrame> EglCudaImporter::import(const Frame& frame, const ImportTarget& target) {
  if (frame.memory != MemoryKind::DmaBuf || frame.plane_count < 1 || frame.planes[0].fd < 0)
    return fail(Errc::rejected, kStage, "not a dmabuf frame");
  if (!is_packed_rgb(frame.format) || drm_fourcc(frame.format) == 0)
    return fail(Errc::rejected, kStage, fmt::format("format {} is not importable", to_string(frame.format)));
  if (frame.modifier != kModifierInvalid) {
    const auto& mods = modifiers_[static_cast<size_t>(frame.format)];
    if (std::find(mods.begin(), mods.end(), frame.modifier) == mods.end())
      return fail(Errc::rejected, kStage,
                  fmt::format("modifier {} of {} is not importable here", describe_modifier(frame.modifier),
                              to_string(frame.format)));
  }
  if (auto ok = gl_->make_current(); !ok) return tl::unexpected(ok.error());
  auto image = image_for(frame);
  if (!image) {
    ++stats_.failures;
    return tl::unexpected(image.error());
  }
  if (auto fenced = implicit_fence_.wait(frame.planes[0].fd, options_.fence_timeout_ms, stats_.implicit_fence); !fenced)
    return tl::unexpected(fenced.error());
  return run(**image, frame, target);
}

Result<DeviceFrame> EglCudaImporter::import_egl_image(uint64_t cache_id, EGLImageKHR image, bool external,
                                                      const Frame& frame, const ImportTarget& target) {
  if (auto ok = gl_->make_current(); !ok) return tl::unexpected(ok.error());
  auto it = images_.find(cache_id);
  if (it == images_.end() || it->second.borrowed != image || it->second.width != frame.width ||
      it->second.height != frame.height) {
    if (it != images_.end()) image_reads_done(it->second, true);
    CachedImage c;
    c.borrowed = image;
    c.external = external;
    c.width = frame.width;
    c.height = frame.height;
    c.format = frame.format;
    const EglApi& api = gl_->api();
    c.texture = GlTexture::create(api);
    const GLenum tex_target = external ? GL_TEXTURE_EXTERNAL_OES : GL_TEXTURE_2D;
    api.glBindTexture(tex_target, c.texture.id());
    api.glEGLImageTargetTexture2DOES(tex_target, image);
    api.glBindTexture(tex_target, 0);
    if (auto ok = gl_->check_gl("glEGLImageTargetTexture2DOES"); !ok) return tl::unexpected(ok.error());
    ++stats_.images_created;
    it = images_.insert_or_assign(cache_id, std::move(c)).first;
  }
  return run(it->second, frame, target);
}

Result<void> EglCudaImporter::wait_source(EGLSyncKHR sync, CUevent mapped) {
  if (sync != EGL_NO_SYNC_KHR) {
    const EGLint r = gl_->api().eglClientWaitSyncKHR(gl_->display(), sync, EGL_SYNC_FLUSH_COMMANDS_BIT_KHR,
                                                     static_cast<EGLTimeKHR>(options_.fence_timeout_ms) * 1000000);
    if (r == EGL_TIMEOUT_EXPIRED_KHR) ++stats_.source_wait_timeouts;
    if (r == EGL_FALSE) return tl::unexpected(gl_->egl_error("eglClientWaitSyncKHR"));
  } else if (mapped) {
    return cuda_->check(cuda_->api().cuEventSynchronize(mapped), "cuEventSynchronize(pass done)");
  }
  return {};
}

namespace {

// The frame's visible rectangle, kept inside the frame (a producer's crop may not be).
Rect clamped_crop(const Frame& frame) {
  Rect crop = frame.visible_rect();
  crop.x = std::clamp<int32_t>(crop.x, 0, static_cast<int32_t>(frame.width) - 1);
  crop.y = std::clamp<int32_t>(crop.y, 0, static_cast<int32_t>(frame.height) - 1);
  crop.width = std::clamp<uint32_t>(crop.width, 1, frame.width - static_cast<uint32_t>(crop.x));
  crop.height = std::clamp<uint32_t>(crop.height, 1, frame.height - static_cast<uint32_t>(crop.y));
  return crop;
}

// Each plane's words of the mapped pass output into the pooled buffer, on `stream`.
CUresult copy_planes(const cuda::CudaApi& cu, CUarray array, const cuda::FrameLayout& layout, cuda::FrameBuffer& buf,
                     CUstream stream) {
  for (uint32_t i = 0; i < layout.planes; ++i) {
    const cuda::WordRect& w = layout.words[i];
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY;
    c.srcArray = array;
    c.srcXInBytes = size_t{w.x} * 4;
    c.srcY = w.y;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = buf.plane(i);
    c.dstPitch = buf.plane_pitch(i);
    c.WidthInBytes = size_t{w.w} * 4;
    c.Height = w.h;
    if (CUresult r = cu.cuMemcpy2DAsync(&c, stream); r != CUDA_SUCCESS) return r;
  }
  return CUDA_SUCCESS;
}

}  // namespace

tl::unexpected<Error> EglCudaImporter::failed(Error e) {
  ++stats_.failures;
  return tl::unexpected(std::move(e));
}

Result<void> EglCudaImporter::run_pass(CachedImage& image, const Frame& frame, const ImportTarget& target, Output& out,
                                       bool timed) {
  PassSource src;
  src.texture = image.texture.id();
  src.target = image.external ? GL_TEXTURE_EXTERNAL_OES : GL_TEXTURE_2D;
  src.width = frame.width;
  src.height = frame.height;
  pass_->time_passes(timed);
  return pass_->run(src, out.texture.id(), out.layout, clamped_crop(frame),
                    target.draw_cursor ? &frame.cursor : nullptr, target.colour);
}

Result<void> EglCudaImporter::record_read(CachedImage& image, CUstream stream) {
  const cuda::CudaApi& cu = cuda_->api();
  if (options_.wait == SourceWait::Deferred && !image.read_event) {
    // Once per cached image (per PipeWire buffer), not per frame.
    auto ev = cuda::CudaEvent::create(cuda_);
    if (!ev) return tl::unexpected(ev.error());
    image.read_event = std::move(*ev);
  }
  if (mapped_event_) cu.cuEventRecord(mapped_event_.get(), stream);
  if (!image.read_event) return {};
  if (cu.cuEventRecord(image.read_event.get(), stream) == CUDA_SUCCESS) {
    image.read_pending = true;
    ++stats_.deferred_reads;
  } else {
    // Without the event nobody could tell when the pass is done: wait for it here instead.
    ++stats_.deferred_errors;
    cu.cuStreamSynchronize(stream);
  }
  return {};
}

Result<void> EglCudaImporter::copy_out(CachedImage& image, Output& out, cuda::FrameBuffer& buf, bool timed) {
  const cuda::CudaApi& cu = cuda_->api();
  CUstream stream = cuda_->stream();
  cuda::CudaContext::Scope scope(*cuda_);
  if (!scope.ok()) return fail(Errc::gpu, kStage, "cuCtxPushCurrent failed");
  sample_gpu_time();
  if (timed) cu.cuEventRecord(timing_start_.get(), stream);
  CUgraphicsResource res = out.resource->get();
  // The map orders everything after it on `stream` behind the GL work issued so far: once it is
  // through, the pass has read the source.
  if (auto r = cu.cuGraphicsMapResources(1, &res, stream); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuGraphicsMapResources"));
  if (auto ok = record_read(image, stream); !ok) {
    cu.cuGraphicsUnmapResources(1, &res, stream);
    return ok;
  }
  if (timed) cu.cuEventRecord(timing_mapped_.get(), stream);
  CUarray array = nullptr;
  CUresult copy_result = cu.cuGraphicsSubResourceGetMappedArray(&array, res, 0, 0);
  if (copy_result == CUDA_SUCCESS) copy_result = copy_planes(cu, array, out.layout, buf, stream);
  // Unmap even after a failed copy: a mapped resource blocks GL from the texture.
  const CUresult unmap_result = cu.cuGraphicsUnmapResources(1, &res, stream);
  if (copy_result != CUDA_SUCCESS) return tl::unexpected(cu.error(copy_result, "cuMemcpy2DAsync(array → pool)"));
  if (unmap_result != CUDA_SUCCESS) return tl::unexpected(cu.error(unmap_result, "cuGraphicsUnmapResources"));
  if (auto r = cu.cuEventRecord(static_cast<CUevent>(buf.event()), stream); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventRecord(ready)"));
  if (timed) {
    cu.cuEventRecord(timing_end_.get(), stream);
    timed_frame_ = true;
    sample_pending_ = true;
  }
  return {};
}

Result<DeviceFrame> EglCudaImporter::run(CachedImage& image, const Frame& frame, const ImportTarget& target) {
  if (target.memory != zc::FrameMemory::Cuda) return fail(Errc::invalid_argument, kStage, "target memory must be CUDA");
  auto output = output_for(target);
  if (!output) return tl::unexpected(output.error());
  Output& out = **output;
  const bool timed = cadence_.next();
  if (auto ok = run_pass(image, frame, target, out, timed); !ok) return failed(ok.error());

  const EglApi& egl = gl_->api();
  std::optional<EglSync> sync;
  if (options_.wait == SourceWait::EglFence) {
    sync.emplace(egl, gl_->display(), egl.eglCreateSyncKHR(gl_->display(), EGL_SYNC_FENCE_KHR, nullptr));
    if (sync->get() == EGL_NO_SYNC_KHR) return failed(gl_->egl_error("eglCreateSyncKHR"));
  }
  // Submit the pass now so the GPU starts while we enqueue the CUDA side.
  egl.glFlush();

  auto lease = pool_->acquire(out.layout);
  if (!lease) return failed(lease.error());
  if (auto ok = copy_out(image, out, **lease, timed); !ok) return failed(ok.error());
  if (options_.wait == SourceWait::CudaEvent || options_.wait == SourceWait::EglFence) {
    if (auto ok = wait_source(sync ? sync->get() : EGL_NO_SYNC_KHR, mapped_event_.get()); !ok)
      return failed(ok.error());
  }
  ++stats_.frames;
  DeviceFrame f = cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cuda);
  f.pts_ns = frame.pts_ns;
  f.sequence = frame.sequence;
  return f;
}

void EglCudaImporter::sample_gpu_time() {
  if (!sample_pending_) return;
  sample_pending_ = false;
  const cuda::CudaApi& cu = cuda_->api();
  if (cu.cuEventQuery(timing_end_.get()) != CUDA_SUCCESS) return;  // not finished yet: not measured
  // The map before the end event waited for every pass issued so far: the GPU is done with all
  // their queries, so reading them does not stall. The newest is this frame's; older ones belong
  // to frames that were not measured.
  std::optional<uint64_t> pass_ns;
  for (size_t n = pass_->timed_passes(); n > 0; --n)
    pass_ns = pass_->take_gpu_ns(true);
  float ms = 0;
  if (cu.cuEventElapsedTime(&ms, pass_ns ? timing_mapped_.get() : timing_start_.get(), timing_end_.get()) !=
      CUDA_SUCCESS)
    return;
  ++gpu_time_.frames;
  gpu_time_.ns += pass_ns.value_or(0) + static_cast<uint64_t>(static_cast<double>(ms) * 1e6);
}

void EglCudaImporter::set_timing(bool on) {
  cadence_.set(on && timing_start_);
  if (gl_->make_current()) pass_->enable_timing(cadence_.on());
}

Result<ImportTiming> EglCudaImporter::last_timing() {
  ImportTiming t;
  if (!timed_frame_) return fail(Errc::invalid_argument, kStage, "no timed frame (options.timing is off?)");
  sample_pending_ = false;  // the caller takes this frame's pass query
  if (auto ok = gl_->make_current(); !ok) return tl::unexpected(ok.error());
  if (auto ns = pass_->take_gpu_ns(true)) t.pass_ms = static_cast<double>(*ns) / 1e6;
  cuda::CudaContext::Scope scope(*cuda_);
  const cuda::CudaApi& cu = cuda_->api();
  if (auto r = cu.cuEventSynchronize(timing_end_.get()); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventSynchronize"));
  float map_ms = 0, copy_ms = 0;
  if (auto r = cu.cuEventElapsedTime(&map_ms, timing_start_.get(), timing_mapped_.get()); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventElapsedTime"));
  if (auto r = cu.cuEventElapsedTime(&copy_ms, timing_mapped_.get(), timing_end_.get()); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventElapsedTime"));
  t.map_ms = map_ms;
  t.cuda_ms = copy_ms;
  return t;
}

}  // namespace zc::zerocopy::cuda_bridge
