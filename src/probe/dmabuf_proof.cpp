#include "probe/dmabuf_proof.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "cuda/download.hpp"
#include "drm/dmabuf_map.hpp"
#include "drm/gbm.hpp"
#include "drm/implicit_fence.hpp"
#include "zerocopy/cuda_bridge/modifiers.hpp"
#include "zerocopy/cuda_bridge/self_test.hpp"

namespace zc::probe {

// The bridges under test, by their own names.
using namespace zerocopy::cuda_bridge;  // NOLINT(google-build-using-namespace)
using zerocopy::Importer;
using zerocopy::ImportTarget;
namespace {

constexpr uint32_t kW = 256, kH = 128;

namespace gbm = zc::drm::gbm;

std::string find_render_node(const EglCudaImporter* egl) {
  if (egl && !egl->gl().device().drm_render_node.empty()) return egl->gl().device().drm_render_node;
  auto node = gbm::find_render_node();
  return node ? *node : std::string();
}

Frame dmabuf_frame(const gbm::Bo& bo, uint64_t buffer_id) {
  Frame f;
  f.buffer_id = buffer_id;
  f.width = kW;
  f.height = kH;
  f.format = PixelFormat::BGRx;
  f.memory = MemoryKind::DmaBuf;
  f.modifier = bo.modifier();
  f.plane_count = 1;
  f.planes[0].fd = bo.fd();
  f.planes[0].offset = bo.offset();
  f.planes[0].stride = bo.stride();
  f.planes[0].size = uint64_t{f.planes[0].stride} * kH;
  return f;
}

DmabufProof compare(const cuda::CudaContext& cuda, Result<DeviceFrame> imported, const std::vector<uint8_t>& want,
                    const std::string& what) {
  if (!imported) return {DmabufProof::Outcome::Failed, what + ": import failed: " + imported.error().describe()};
  auto planes = cuda::download_planes(cuda, *imported);
  if (!planes) return {DmabufProof::Outcome::Failed, what + ": " + planes.error().describe()};
  const size_t bad = count_mismatches((*planes)[0], want);
  if (bad) return {DmabufProof::Outcome::Failed, fmt::format("{}: {} of {} bytes differ", what, bad, want.size())};
  return {DmabufProof::Outcome::Ok, what + ": pixels identical in the pooled CUDA buffer"};
}

DmabufProof prove_tiled(const gbm::Device& dev, EglCudaImporter* egl) {
  if (!egl) return {DmabufProof::Outcome::NotTestable, "the EGL→GL→CUDA bridge is not available"};
  auto mods = egl->supported_modifiers(PixelFormat::BGRx);
  mods.erase(std::remove(mods.begin(), mods.end(), kModifierLinear), mods.end());
  if (mods.empty()) return {DmabufProof::Outcome::NotTestable, "EGL offers no tiled modifier for XRGB8888"};
  if (!dev.api().bo_create_with_modifiers)
    return {DmabufProof::Outcome::NotTestable, "libgbm lacks gbm_bo_create_with_modifiers"};
  auto bo = gbm::Bo::create(dev, kW, kH, GBM_FORMAT_XRGB8888, mods);  // LINEAR is not among them
  if (!bo)
    return {DmabufProof::Outcome::Failed, "GBM could not allocate a tiled XRGB8888 buffer: " + bo.error().message};
  Frame frame = dmabuf_frame(*bo, 0xfeedfacecafe0002ull);

  // Fill it through GL: four quadrants of exactly representable colours.
  GlContext& gl = egl->gl();
  if (auto ok = gl.make_current(); !ok) return {DmabufProof::Outcome::Failed, ok.error().describe()};
  const EglApi& api = gl.api();
  const EGLint attrs[] = {EGL_WIDTH,
                          static_cast<EGLint>(kW),
                          EGL_HEIGHT,
                          static_cast<EGLint>(kH),
                          EGL_LINUX_DRM_FOURCC_EXT,
                          static_cast<EGLint>(GBM_FORMAT_XRGB8888),
                          EGL_DMA_BUF_PLANE0_FD_EXT,
                          bo->fd(),
                          EGL_DMA_BUF_PLANE0_OFFSET_EXT,
                          static_cast<EGLint>(frame.planes[0].offset),
                          EGL_DMA_BUF_PLANE0_PITCH_EXT,
                          static_cast<EGLint>(frame.planes[0].stride),
                          EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT,
                          static_cast<EGLint>(frame.modifier & 0xffffffffu),
                          EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT,
                          static_cast<EGLint>(frame.modifier >> 32),
                          EGL_NONE};
  EglImage image(&api, gl.display(),
                 api.eglCreateImageKHR(gl.display(), EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attrs));
  if (!image) return {DmabufProof::Outcome::Failed, gl.egl_error("eglCreateImage(GBM tiled buffer)").describe()};
  GlTexture tex = GlTexture::create(api);
  api.glBindTexture(GL_TEXTURE_2D, tex.id());
  api.glEGLImageTargetTexture2DOES(GL_TEXTURE_2D, image.get());
  GlFramebuffer fb = GlFramebuffer::create(api);
  api.glBindFramebuffer(GL_FRAMEBUFFER, fb.id());
  api.glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex.id(), 0);
  if (api.glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
    api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return {DmabufProof::Outcome::Failed, "the tiled buffer is not renderable"};
  }
  const uint8_t colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {32, 96, 160}, {255, 255, 255}};
  api.glViewport(0, 0, kW, kH);
  api.glEnable(GL_SCISSOR_TEST);
  for (int q = 0; q < 4; ++q) {
    api.glScissor((q % 2) * kW / 2, (q / 2) * kH / 2, kW / 2, kH / 2);
    api.glClearColor(colours[q][0] / 255.0f, colours[q][1] / 255.0f, colours[q][2] / 255.0f, 1.0f);
    api.glClear(GL_COLOR_BUFFER_BIT);
  }
  api.glDisable(GL_SCISSOR_TEST);
  api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
  api.glFinish();  // setup, not the frame path
  if (auto ok = gl.check_gl("rendering the pattern"); !ok) return {DmabufProof::Outcome::Failed, ok.error().describe()};

  // GL row 0 is the buffer's first row: quadrant q covers rows (q / 2) * kH / 2 onwards.
  std::vector<uint8_t> want(size_t{kW} * kH * 4);
  for (uint32_t y = 0; y < kH; ++y)
    for (uint32_t x = 0; x < kW; ++x) {
      const int q = (y >= kH / 2 ? 2 : 0) + (x >= kW / 2 ? 1 : 0);
      uint8_t* p = &want[(size_t{y} * kW + x) * 4];
      p[0] = colours[q][2];
      p[1] = colours[q][1];
      p[2] = colours[q][0];
      p[3] = 255;
    }
  ImportTarget target{kW, kH, PixelFormat::BGRx, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
  auto result = compare(egl->cuda(), egl->import(frame, target), want,
                        fmt::format("tiled {} via EGL→GL→CUDA", describe_modifier(frame.modifier)));
  egl->forget(frame.buffer_id);
  return result;
}

DmabufProof prove_linear(const gbm::Device& dev, EglCudaImporter* egl, VulkanCudaImporter* vulkan) {
  Importer* bridge = nullptr;
  const cuda::CudaContext* cuda = nullptr;
  std::string via;
  if (vulkan && !vulkan->supported_modifiers(PixelFormat::BGRx).empty()) {
    bridge = vulkan;
    cuda = &vulkan->cuda();
    via = "Vulkan→CUDA";
  } else if (egl) {
    const auto mods = egl->supported_modifiers(PixelFormat::BGRx);
    if (std::find(mods.begin(), mods.end(), kModifierLinear) != mods.end()) {
      bridge = egl;
      cuda = &egl->cuda();
      via = "EGL→GL→CUDA (external sampler)";
    }
  }
  if (!bridge) return {DmabufProof::Outcome::NotTestable, "no bridge here takes LINEAR dmabufs"};
  auto bo = gbm::Bo::create_linear(dev, kW, kH, GBM_FORMAT_XRGB8888);
  if (!bo) return {DmabufProof::Outcome::Failed, "GBM could not allocate a LINEAR XRGB8888 buffer"};
  const auto rgba = test_pattern_rgba(kW, kH, 5);
  const auto bgrx = rgba_to_packed(rgba, PixelFormat::BGRx);
  {
    auto map = bo->map(GBM_BO_TRANSFER_WRITE);
    if (!map) return {DmabufProof::Outcome::Failed, "gbm_bo_map(LINEAR) failed"};
    for (uint32_t y = 0; y < kH; ++y)
      std::memcpy(map->data() + size_t{y} * map->stride(), &bgrx[size_t{y} * kW * 4], size_t{kW} * 4);
  }  // unmapped: written back
  Frame frame = dmabuf_frame(*bo, 0xfeedfacecafe0003ull);
  frame.modifier = kModifierLinear;
  ImportTarget target{kW, kH, PixelFormat::BGRx, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
  auto result = compare(*cuda, bridge->import(frame, target), bgrx, "LINEAR via " + via);
  bridge->forget(frame.buffer_id);
  return result;
}

}  // namespace

DmabufProofs prove_dmabufs(EglCudaImporter* egl, VulkanCudaImporter* vulkan) {
  DmabufProofs out;
  out.render_node = find_render_node(egl);
  if (out.render_node.empty()) {
    out.tiled = out.linear = {DmabufProof::Outcome::NotTestable,
                              "no DRM render node (/dev/dri/renderD*): no real dmabuf can be made here"};
    return out;
  }
  auto api = gbm::load();
  if (!api) {
    out.tiled = out.linear = {DmabufProof::Outcome::NotTestable, "GBM unavailable: " + api.error().message};
    return out;
  }
  auto dev = gbm::Device::open(**api, out.render_node);
  if (dev && !gbm::check_allocates(*dev)) {
    // A render node GBM opens but cannot allocate on (Mesa's software backend): a card node may.
    auto other = gbm::open_first_device();
    if (other) {
      dev = std::move(other);
      out.render_node = dev->node();
    }
  }
  if (!dev) {
    out.tiled = out.linear = {DmabufProof::Outcome::NotTestable, dev.error().message};
    return out;
  }
  out.tiled = prove_tiled(*dev, egl);
  out.linear = prove_linear(*dev, egl, vulkan);
  return out;
}

GbmCpuProof prove_gbm_cpu(std::string_view drm_dir) {
  GbmCpuProof out;
  auto dev = gbm::open_first_device(drm_dir);
  if (!dev) {
    // No node or no libgbm: nothing to prove here. Nodes where GBM allocates nowhere: a failure.
    const auto outcome =
        dev.error().code == Errc::not_found ? DmabufProof::Outcome::NotTestable : DmabufProof::Outcome::Failed;
    out.proof = {outcome, dev.error().message};
    return out;
  }
  out.node = dev->node();
  auto bo = gbm::Bo::create_linear(*dev, kW, kH, GBM_FORMAT_XRGB8888);
  if (!bo) {
    out.proof = {DmabufProof::Outcome::Failed, bo.error().message};
    return out;
  }
  out.stride = bo->stride();
  const auto bgrx = rgba_to_packed(test_pattern_rgba(kW, kH, 11), PixelFormat::BGRx);
  {
    auto map = bo->map(GBM_BO_TRANSFER_WRITE);
    if (!map) {
      out.proof = {DmabufProof::Outcome::Failed, map.error().message};
      return out;
    }
    for (uint32_t y = 0; y < kH; ++y)
      std::memcpy(map->data() + size_t{y} * map->stride(), &bgrx[size_t{y} * kW * 4], size_t{kW} * 4);
  }  // unmapped: written back
  switch (drm::wait_dmabuf_write_fence(bo->fd(), 1000)) {
    case drm::FenceWait::Ready:
    case drm::FenceWait::Waited:
      out.implicit_fence = "exported (DMA_BUF_IOCTL_EXPORT_SYNC_FILE), signalled";
      break;
    case drm::FenceWait::Unsupported:
      out.implicit_fence = "not exportable (no DMA_BUF_IOCTL_EXPORT_SYNC_FILE)";
      break;
    case drm::FenceWait::TimedOut:
      out.implicit_fence = "still pending after 1 s";
      break;
  }
  Frame frame = dmabuf_frame(*bo, 0xfeedfacecafe0004ull);
  frame.modifier = kModifierLinear;
  drm::DmaBufCache cache;
  auto plane = cache.map(frame);
  if (!plane) {
    out.proof = {DmabufProof::Outcome::Failed, "the CPU path cannot map it: " + plane.error().message};
    return out;
  }
  size_t bad = 0;
  {
    drm::DmaBufReadAccess access(*plane->mapping);
    for (uint32_t y = 0; y < kH; ++y) {
      const uint8_t* row = plane->pixels + size_t{y} * plane->stride;
      for (size_t x = 0; x < size_t{kW} * 4; ++x)
        bad += row[x] != bgrx[size_t{y} * kW * 4 + x];
    }
  }
  if (bad) {
    out.proof = {DmabufProof::Outcome::Failed,
                 fmt::format("{} of {} bytes differ read back through the CPU path", bad, bgrx.size())};
    return out;
  }
  out.proof = {DmabufProof::Outcome::Ok,
               fmt::format("GBM on {}: a {}x{} LINEAR XRGB8888 dmabuf written through gbm_bo_map reads back "
                           "identical through the CPU path (mmap between DMA_BUF_IOCTL_SYNC)",
                           out.node, kW, kH)};
  return out;
}

}  // namespace zc::probe
