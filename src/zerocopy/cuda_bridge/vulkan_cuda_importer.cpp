#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include "core/log.hpp"

#include "drm/implicit_fence.hpp"
#include "zerocopy/cuda_bridge/modifiers.hpp"

namespace zc::zerocopy::cuda_bridge {
namespace {
constexpr const char* kStage = "zerocopy:vulkan-cuda";
}  // namespace

Result<std::unique_ptr<VulkanCudaImporter>> VulkanCudaImporter::create(std::shared_ptr<cuda::CudaContext> cuda,
                                                                       const std::shared_ptr<const VkApi>& vk,
                                                                       const VulkanCudaOptions& options) {
  std::unique_ptr<VulkanCudaImporter> imp(new VulkanCudaImporter());
  imp->cuda_ = std::move(cuda);
  imp->options_ = options;
  if (!imp->cuda_->has_uuid()) return fail(Errc::unsupported, kStage, "the CUDA driver gives no device UUID to match");
  if (!imp->cuda_->api().has_external_memory())
    return fail(Errc::unsupported, kStage, "the CUDA driver lacks cuImportExternalMemory");
  VkContextOptions vo;
  vo.device_uuid = imp->cuda_->uuid();
  auto ctx = VkContext::create(vk, vo);
  if (!ctx) return tl::unexpected(ctx.error());
  imp->vk_ = std::move(*ctx);
  if (!imp->vk_->external_memory_fd())
    return fail(Errc::unsupported, kStage, "the Vulkan device lacks VK_KHR_external_memory_fd");
  auto pass = VkPass::create(*imp->vk_);
  if (!pass) return tl::unexpected(pass.error());
  imp->pass_ = std::move(*pass);
  imp->cadence_.set_every(options.timing_every);
  if (options.timing) {
    for (cuda::CudaEvent* e : {&imp->timing_start_, &imp->timing_end_}) {
      auto ev = cuda::CudaEvent::create(imp->cuda_, true);
      if (!ev) return tl::unexpected(ev.error());
      *e = std::move(*ev);
    }
    imp->set_timing(true);
  }
  imp->pool_ = std::make_unique<cuda::FramePool>(cuda::make_cuda_memory(imp->cuda_));
  auto copy_done = cuda::CudaEvent::create(imp->cuda_);
  if (!copy_done) return tl::unexpected(copy_done.error());
  imp->copy_done_ = std::move(*copy_done);

  imp->sync_ = VkSync::CpuFence;
  if (options.sync == VkSync::Semaphores) {
    auto setup = [&]() -> Result<void> {
      for (auto [vk_sem, cu_sem] :
           {std::pair{&imp->vk_done_, &imp->vk_done_cu_}, std::pair{&imp->cuda_done_, &imp->cuda_done_cu_}}) {
        auto s = VkOwnedSemaphore::create(*imp->vk_, true);
        if (!s) return tl::unexpected(s.error());
        auto fd = s->export_fd();
        if (!fd) return tl::unexpected(fd.error());
        auto c = cuda::CudaExternalSemaphore::import(imp->cuda_, std::move(*fd));
        if (!c) return tl::unexpected(c.error());
        *vk_sem = std::move(*s);
        *cu_sem = std::move(*c);
      }
      return {};
    };
    if (auto ok = setup(); ok) {
      imp->sync_ = VkSync::Semaphores;
    } else {
      zc::log::info("zerocopy: vulkan-cuda orders with a CPU fence: {}", ok.error().describe());
    }
  }
  zc::log::info("zerocopy: vulkan-cuda importer on {} ({}; dmabuf import {}, {} sync)", imp->vk_->device_name(),
                imp->cuda_->name(), imp->vk_->external_memory_dma_buf() ? "yes" : "no",
                imp->sync_ == VkSync::Semaphores ? "semaphore" : "fence");
  return imp;
}

VulkanCudaImporter::~VulkanCudaImporter() {
  if (pass_) (void)pass_->wait(1'000'000'000ull);
  if (cuda_) {
    cuda::CudaContext::Scope scope(*cuda_);
    cuda_->api().cuStreamSynchronize(cuda_->stream());
  }
  // CUDA's imports go before the Vulkan objects they alias, and those before the device.
  vk_done_cu_.reset();
  cuda_done_cu_.reset();
  export_.reset();
  buffers_.clear();
  vk_done_.reset();
  cuda_done_.reset();
  pass_.reset();
}

std::vector<uint64_t> VulkanCudaImporter::supported_modifiers(PixelFormat format) const {
  if (!vk_->external_memory_dma_buf() || !is_packed_rgb(format) || drm_fourcc(format) == 0) return {};
  return {kModifierLinear};
}

void VulkanCudaImporter::forget(uint64_t buffer_id) {
  auto it = buffers_.find(buffer_id);
  if (it == buffers_.end()) return;
  // The pass may still read it.
  (void)pass_->wait(1'000'000'000ull);
  buffers_.erase(it);
}

void VulkanCudaImporter::drop_semaphores(const Error& why) {
  if (sync_ != VkSync::Semaphores) return;
  // A half-done frame leaves the binary semaphores in an unknown state: drain both queues and
  // keep ordering on the CPU from now on.
  zc::log::warn("zerocopy: vulkan-cuda drops GPU-side ordering after a failure ({}); using a CPU fence",
                why.describe());
  (void)pass_->wait(1'000'000'000ull);
  vk_->api().vkQueueWaitIdle(vk_->queue());
  cuda::CudaContext::Scope scope(*cuda_);
  cuda_->api().cuStreamSynchronize(cuda_->stream());
  sync_ = VkSync::CpuFence;
  cuda_done_pending_ = false;
  copy_pending_ = false;
}

Result<VulkanCudaImporter::Export*> VulkanCudaImporter::export_for(const cuda::FrameLayout& layout, size_t pitch) {
  if (export_ && export_->layout == layout && export_->pitch == pitch) return export_.get();
  if (export_) {
    // A new output shape: rare. Nothing may still use the old buffer.
    (void)pass_->wait(1'000'000'000ull);
    cuda::CudaContext::Scope scope(*cuda_);
    cuda_->api().cuStreamSynchronize(cuda_->stream());
    export_.reset();
    cuda_done_pending_ = false;  // (semaphore state stays balanced: the wait below is skipped)
  }
  auto e = std::make_unique<Export>();
  e->layout = layout;
  e->pitch = pitch;
  auto buf = VkOwnedBuffer::create(*vk_, layout.total_bytes(pitch),
                                   VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                   VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, true);
  if (!buf) return tl::unexpected(buf.error());
  e->vk = std::move(*buf);
  auto fd = e->vk.export_fd();
  if (!fd) return tl::unexpected(fd.error());
  auto cu = cuda::CudaExternalBuffer::import(cuda_, std::move(*fd), e->vk.allocation_size(), true);
  if (!cu) return tl::unexpected(cu.error());
  e->cuda = std::move(*cu);
  export_ = std::move(e);
  return export_.get();
}

Result<DeviceFrame> VulkanCudaImporter::import(const Frame& frame, const ImportTarget& target) {
  if (frame.memory != MemoryKind::DmaBuf || frame.plane_count < 1 || frame.planes[0].fd < 0)
    return fail(Errc::rejected, kStage, "not a dmabuf frame");
  if (frame.modifier != kModifierLinear)
    return fail(Errc::rejected, kStage, fmt::format("only LINEAR dmabufs, not {}", describe_modifier(frame.modifier)));
  if (!is_packed_rgb(frame.format) || drm_fourcc(frame.format) == 0)
    return fail(Errc::rejected, kStage, fmt::format("format {} is not importable", to_string(frame.format)));
  if (!vk_->external_memory_dma_buf())
    return fail(Errc::rejected, kStage, "the Vulkan device cannot import dmabufs (VK_EXT_external_memory_dma_buf)");
  const DmaBufPlane& p = frame.planes[0];
  if (p.offset % 4 || p.stride % 4 || p.stride < frame.width * 4)
    return fail(Errc::rejected, kStage,
                fmt::format("unaligned LINEAR plane (offset {}, stride {})", p.offset, p.stride));

  auto it = buffers_.find(frame.buffer_id);
  if (it != buffers_.end()) {
    const CachedBuffer& c = it->second;
    if (c.fd != p.fd || c.offset != p.offset || c.stride != p.stride || c.width != frame.width ||
        c.height != frame.height || c.format != frame.format) {
      (void)pass_->wait(1'000'000'000ull);
      buffers_.erase(it);
      it = buffers_.end();
    }
  }
  if (it == buffers_.end()) {
    // The dmabuf's real size: PipeWire's maxsize may be smaller than the allocation.
    const off_t end = lseek(p.fd, 0, SEEK_END);
    const uint64_t size = end > 0 ? static_cast<uint64_t>(end) : p.size;
    const uint64_t need = uint64_t{p.offset} + uint64_t{p.stride} * (frame.height - 1) + uint64_t{frame.width} * 4;
    if (need > size)
      return fail(Errc::rejected, kStage,
                  fmt::format("dmabuf of {} bytes is too small for the frame ({})", size, need));
    auto buf = VkOwnedBuffer::import_dmabuf(*vk_, p.fd, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
    if (!buf) {
      ++stats_.failures;
      return tl::unexpected(buf.error());
    }
    CachedBuffer c;
    c.fd = p.fd;
    c.offset = p.offset;
    c.stride = p.stride;
    c.width = frame.width;
    c.height = frame.height;
    c.format = frame.format;
    c.buffer = std::move(*buf);
    ++stats_.images_created;
    it = buffers_.insert_or_assign(frame.buffer_id, std::move(c)).first;
  }
  if (auto fenced = implicit_fence_.wait(p.fd, options_.fence_timeout_ms, stats_.implicit_fence); !fenced)
    return tl::unexpected(fenced.error());
  VkPassSource src;
  src.buffer = it->second.buffer.buffer();
  src.offset = p.offset;
  src.stride = p.stride;
  src.width = frame.width;
  src.height = frame.height;
  src.format = frame.format;
  src.foreign = true;
  return run(src, frame, target);
}

Result<DeviceFrame> VulkanCudaImporter::import_buffer(VkBuffer buffer, uint32_t offset, uint32_t stride,
                                                      const Frame& frame, const ImportTarget& target) {
  VkPassSource src;
  src.buffer = buffer;
  src.offset = offset;
  src.stride = stride;
  src.width = frame.width;
  src.height = frame.height;
  src.format = frame.format;
  return run(src, frame, target);
}

Result<DeviceFrame> VulkanCudaImporter::run(const VkPassSource& src, const Frame& frame, const ImportTarget& target) {
  if (target.memory != zc::FrameMemory::Cuda) return fail(Errc::invalid_argument, kStage, "target memory must be CUDA");
  auto fail_count = [&](Error e) {
    ++stats_.failures;
    drop_semaphores(e);
    return tl::unexpected(std::move(e));
  };
  auto layout = cuda::frame_layout(target.width, target.height, target.format);
  if (!layout) return tl::unexpected(layout.error());
  auto lease = pool_->acquire(*layout);
  if (!lease) return fail_count(lease.error());
  cuda::FrameBuffer& buf = **lease;
  auto exp = export_for(*layout, buf.pitch());
  if (!exp) return fail_count(exp.error());
  Export& e = **exp;

  Rect crop = frame.visible_rect();
  crop.x = std::clamp<int32_t>(crop.x, 0, static_cast<int32_t>(frame.width) - 1);
  crop.y = std::clamp<int32_t>(crop.y, 0, static_cast<int32_t>(frame.height) - 1);
  crop.width = std::clamp<uint32_t>(crop.width, 1, frame.width - static_cast<uint32_t>(crop.x));
  crop.height = std::clamp<uint32_t>(crop.height, 1, frame.height - static_cast<uint32_t>(crop.y));

  const cuda::CudaApi& cu = cuda_->api();
  const bool sem = sync_ == VkSync::Semaphores;
  if (!sem && copy_pending_) {
    // The pass is about to rewrite the export buffer: the last copy out of it must be done.
    cuda::CudaContext::Scope scope(*cuda_);
    if (auto r = cu.cuEventSynchronize(copy_done_.get()); r != CUDA_SUCCESS)
      return fail_count(cu.error(r, "cuEventSynchronize(copy done)"));
    copy_pending_ = false;
  }
  VkPassDest dst{e.vk.buffer(), e.pitch, *layout, target.colour};
  const bool timed = cadence_.next();
  pass_->time_passes(timed);
  VkSemaphore wait = sem && cuda_done_pending_ ? cuda_done_.get() : VK_NULL_HANDLE;
  if (auto ok = pass_->submit(src, dst, crop, target.draw_cursor ? &frame.cursor : nullptr, wait,
                              sem ? vk_done_.get() : VK_NULL_HANDLE);
      !ok)
    return fail_count(ok.error());
  if (wait) cuda_done_pending_ = false;
  const uint64_t timeout = static_cast<uint64_t>(options_.fence_timeout_ms) * 1'000'000ull;

  {
    cuda::CudaContext::Scope scope(*cuda_);
    CUstream stream = cuda_->stream();
    if (sem) {
      if (auto ok = vk_done_cu_.wait_async(); !ok) return fail_count(ok.error());
    } else if (auto ok = pass_->wait(timeout); !ok) {
      return fail_count(ok.error());
    }
    sample_gpu_time();
    if (timed) cu.cuEventRecord(timing_start_.get(), stream);
    CUresult r = CUDA_SUCCESS;
    if (buf.pitch() == e.pitch) {
      r = cu.cuMemcpyDtoDAsync(buf.base(), e.cuda.ptr(), layout->total_bytes(e.pitch), stream);
    } else {
      for (uint32_t i = 0; r == CUDA_SUCCESS && i < layout->planes; ++i) {
        CUDA_MEMCPY2D c{};
        c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
        c.srcDevice = e.cuda.ptr() + layout->plane_offset(i, e.pitch);
        c.srcPitch = layout->plane_pitch(i, e.pitch);
        c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
        c.dstDevice = buf.plane(i);
        c.dstPitch = buf.plane_pitch(i);
        c.WidthInBytes = layout->row_bytes[i];
        c.Height = layout->rows[i];
        r = cu.cuMemcpy2DAsync(&c, stream);
      }
    }
    if (r != CUDA_SUCCESS) return fail_count(cu.error(r, "cuMemcpyDtoDAsync(export → pool)"));
    if (timed) {
      cu.cuEventRecord(timing_end_.get(), stream);
      timed_frame_ = true;
    }
    if (sem) {
      if (auto ok = cuda_done_cu_.signal_async(); !ok) return fail_count(ok.error());
      cuda_done_pending_ = true;
    } else {
      cu.cuEventRecord(copy_done_.get(), stream);
      copy_pending_ = true;
    }
    if (auto rr = cu.cuEventRecord(static_cast<CUevent>(buf.event()), stream); rr != CUDA_SUCCESS)
      return fail_count(cu.error(rr, "cuEventRecord(ready)"));
  }
  // The pass has read the source once its fence signals: then capture may give it back.
  if (auto ok = pass_->wait(timeout); !ok) return fail_count(ok.error());
  if (timed) sample_pass_ms_ = pass_->last_gpu_ms();
  ++stats_.frames;
  DeviceFrame f = cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cuda);
  f.pts_ns = frame.pts_ns;
  f.sequence = frame.sequence;
  return f;
}

void VulkanCudaImporter::sample_gpu_time() {
  if (!sample_pass_ms_) return;
  const double pass_ms = *sample_pass_ms_;
  sample_pass_ms_.reset();
  const cuda::CudaApi& cu = cuda_->api();
  if (cu.cuEventQuery(timing_end_.get()) != CUDA_SUCCESS) return;  // not finished yet: not measured
  float copy_ms = 0;
  if (cu.cuEventElapsedTime(&copy_ms, timing_start_.get(), timing_end_.get()) != CUDA_SUCCESS) return;
  ++gpu_time_.frames;
  gpu_time_.ns += static_cast<uint64_t>((pass_ms + static_cast<double>(copy_ms)) * 1e6);
}

void VulkanCudaImporter::set_timing(bool on) {
  cadence_.set(on && timing_start_);
  pass_->enable_timing(cadence_.on());
}

Result<ImportTiming> VulkanCudaImporter::last_timing() {
  if (!timed_frame_) return fail(Errc::invalid_argument, kStage, "no timed frame (options.timing is off?)");
  ImportTiming t;
  if (auto ms = pass_->last_gpu_ms()) t.pass_ms = *ms;
  cuda::CudaContext::Scope scope(*cuda_);
  const cuda::CudaApi& cu = cuda_->api();
  if (auto r = cu.cuEventSynchronize(timing_end_.get()); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventSynchronize"));
  float ms = 0;
  if (auto r = cu.cuEventElapsedTime(&ms, timing_start_.get(), timing_end_.get()); r != CUDA_SUCCESS)
    return tl::unexpected(cu.error(r, "cuEventElapsedTime"));
  t.cuda_ms = ms;
  return t;
}

}  // namespace zc::zerocopy::cuda_bridge
