#include "zerocopy/vaapi/vaapi_importer.hpp"

#include <fcntl.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/log.hpp"
#include "core/unique_fd.hpp"
#include "drm/dmabuf_alloc.hpp"
#include "drm/gbm.hpp"
#include "zerocopy/cuda_bridge/gl/egl_api.hpp"
#include "zerocopy/cuda_bridge/gl/gl_context.hpp"

namespace zc::zerocopy {
namespace {

constexpr std::string_view kStage = "import:vaapi";
constexpr uint64_t kLinear = 0;
constexpr uint32_t kTrialSize = 64;

// A single-plane dmabuf Frame describing a trial buffer.
Frame trial_frame(PixelFormat format, int fd, uint32_t stride, uint32_t offset, uint64_t size, uint64_t modifier) {
  Frame f;
  f.width = kTrialSize;
  f.height = kTrialSize;
  f.format = format;
  f.memory = MemoryKind::DmaBuf;
  f.modifier = modifier;
  f.plane_count = 1;
  f.planes[0] = DmaBufPlane{fd, offset, stride, size};
  return f;
}

}  // namespace

Result<std::unique_ptr<VaapiImporter>> VaapiImporter::create(std::shared_ptr<vaapi::VaDevice> device,
                                                             VaapiImportOptions options) {
  if (!device) return fail(Errc::invalid_argument, std::string(kStage), "no VA device");
  std::unique_ptr<VaapiImporter> importer(new VaapiImporter(std::move(device), options));
  // Made again at the first frame's size; this one proves the driver has video processing.
  auto proc = vaapi::VideoProc::create(importer->device_->display(), kTrialSize, kTrialSize);
  if (!proc) return tl::unexpected(proc.error());
  return importer;
}

// The GPU's modifiers for the format as EGL lists them on the VA device's node (tiled layouts
// first, as the driver lists them), then LINEAR.
std::vector<uint64_t> VaapiImporter::candidates(PixelFormat format) const {
  std::vector<uint64_t> out;
  auto egl = cuda_bridge::load_egl();
  auto listed = egl ? cuda_bridge::node_dmabuf_modifiers(**egl, device_->node(), drm_fourcc(format))
                    : Result<std::vector<cuda_bridge::DmaBufModifier>>(tl::unexpected(egl.error()));
  if (listed) {
    for (const auto& m : *listed)
      if (m.modifier != kLinear && m.modifier != kModifierInvalid) out.push_back(m.modifier);
  } else {
    zc::log::debug("{}: no modifiers from EGL on {}: {}", kStage, device_->node(), listed.error().message);
  }
  out.push_back(kLinear);
  return out;
}

// Each candidate modifier is proven by importing a real buffer that has it: GBM's on the first DRM
// node where GBM allocates (the driver's own GPU on a one-GPU machine), and for LINEAR a udmabuf
// where GBM cannot make one.
std::vector<uint64_t> VaapiImporter::trial(PixelFormat format) const {
  std::vector<uint64_t> proven;
  const std::vector<uint64_t> tried = candidates(format);
  zc::log::debug("{}: {} candidate modifiers for {}: {:#x}", kStage, tried.size(), to_string(format),
                 fmt::join(tried, ", "));
  std::optional<drm::gbm::Device> gbm;
  if (auto api = drm::gbm::load(); api) {
    if (auto dev = drm::gbm::open_first_device(); dev) gbm = std::move(*dev);
  }
  for (uint64_t modifier : tried) {
    std::string why;
    Result<vaapi::Surface> imported = fail(Errc::unsupported, std::string(kStage), "no buffer to try");
    if (gbm) {
      if (auto bo = drm::allocate_gbm_buffer(*gbm, kTrialSize, kTrialSize, format, modifier); bo) {
        imported = vaapi::import_dmabuf(
            device_->display(), trial_frame(format, bo->fd(), bo->stride(), bo->offset(), bo->size(), modifier));
      } else {
        why = bo.error().message;
      }
    }
    if (!imported && modifier == kLinear) {
      UniqueFd udmabuf(::open(std::string(drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
      if (udmabuf) {
        const uint32_t stride = kTrialSize * 4;
        if (auto buf = drm::allocate_udmabuf(udmabuf.get(), size_t{stride} * kTrialSize); buf) {
          imported = vaapi::import_dmabuf(device_->display(),
                                          trial_frame(format, buf->dmabuf.get(), stride, 0, buf->map.size(), kLinear));
        }
      }
    }
    if (imported) {
      proven.push_back(modifier);
    } else {
      zc::log::debug("{}: {} modifier {:#x} not offered: {}", kStage, to_string(format), modifier,
                     why.empty() ? imported.error().message : why);
    }
  }
  return proven;
}

std::vector<uint64_t> VaapiImporter::supported_modifiers(PixelFormat format) const {
  if (vaapi::va_fourcc(format) == 0) return {};
  auto it = proven_.find(format);
  if (it == proven_.end()) {
    it = proven_.emplace(format, trial(format)).first;
    zc::log::info("{}: {} dmabufs offered with {} modifier(s) the driver imported on trial", kStage, to_string(format),
                  it->second.size());
  }
  return it->second;
}

Result<DeviceFrame> VaapiImporter::import(const Frame& frame, const ImportTarget& target) {
  if (target.memory != FrameMemory::Vaapi || target.format != PixelFormat::NV12) {
    return fail(
        Errc::unsupported, std::string(kStage),
        fmt::format("makes NV12 VA surfaces, not {} in {} memory", to_string(target.format), to_string(target.memory)));
  }
  if (frame.memory != MemoryKind::DmaBuf || vaapi::va_fourcc(frame.format) == 0) {
    return fail(Errc::unsupported, std::string(kStage),
                fmt::format("takes 32-bit RGB dmabufs, not {}", to_string(frame.format)));
  }
  if (auto fenced = fence_.wait(frame.planes[0].fd, options_.fence_timeout_ms, stats_.fence); !fenced) {
    return tl::unexpected(fenced.error());
  }
  auto cached = surfaces_.find(frame.buffer_id);
  if (cached == surfaces_.end()) {
    auto surface = vaapi::import_dmabuf(device_->display(), frame);
    if (!surface) {
      if (surface.error().code == Errc::rejected) ++stats_.refused;
      return tl::unexpected(surface.error());
    }
    ++stats_.imports;
    cached = surfaces_.emplace(frame.buffer_id, std::move(*surface)).first;
  }
  if (!frames_ || frames_->width() != target.width || frames_->height() != target.height) {
    frames_.reset();
    proc_.reset();
    auto frames = vaapi::VaFrames::create(device_, target.width, target.height, PixelFormat::NV12);
    if (!frames) return tl::unexpected(frames.error());
    auto proc = vaapi::VideoProc::create(device_->display(), target.width, target.height);
    if (!proc) return tl::unexpected(proc.error());
    frames_ = std::move(*frames);
    proc_ = std::move(*proc);
  }
  auto out = frames_->acquire();
  if (!out) return tl::unexpected(out.error());
  if (auto ran = proc_->run(cached->second.id(), frame.visible_rect(), vaapi::surface_id(*out), target.width,
                            target.height, target.colour);
      !ran) {
    return tl::unexpected(ran.error());
  }
  ++stats_.frames;
  out->colour = target.colour;
  out->pts_ns = frame.pts_ns;
  out->sequence = frame.sequence;
  return out;
}

}  // namespace zc::zerocopy
