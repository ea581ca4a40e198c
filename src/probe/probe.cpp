// The probe's stages, in the order the GPU path uses them. Each stage that needs an earlier one
// that did not come up says so instead of trying.
#include "probe/probe.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include "core/log.hpp"

#include "cuda/cuda_context.hpp"
#include "probe/dmabuf_proof.hpp"
#include "probe/nvenc_probe.hpp"
#include "probe/vaapi_probe.hpp"
#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/modifiers.hpp"
#include "zerocopy/cuda_bridge/self_test.hpp"
#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"

namespace zc::probe {

// The bridges under test, by their own names.
using namespace zerocopy::cuda_bridge;  // NOLINT(google-build-using-namespace)
using zerocopy::ImportTarget;
namespace {

constexpr uint32_t kProofW = 256, kProofH = 128;

std::string uuid_string(const std::array<uint8_t, 16>& u) {
  std::string s;
  for (size_t i = 0; i < 16; ++i)
    s += fmt::format("{}{:02x}", (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "", u[i]);
  return s;
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

struct Prober {
  const ProbeOptions& options;
  ProbeReport report;
  std::shared_ptr<cuda::CudaContext> cuda;
  std::unique_ptr<EglCudaImporter> egl;
  std::unique_ptr<VulkanCudaImporter> vulkan;
  bool egl_leg = false, vk_leg = false;

  ProbeStage& add(std::string name, Verdict v, std::string reason) {
    report.stages.push_back({std::move(name), v, std::move(reason), {}});
    return report.stages.back();
  }

  void probe_cuda() {
    auto api = cuda::load_cuda(options.cuda_library);
    if (!api) {
      add("cuda.driver", Verdict::Unavailable, api.error().message);
      add("cuda.device", Verdict::Unavailable, "needs the CUDA driver");
      return;
    }
    auto ctx = cuda::CudaContext::create(*api, options.cuda_device);
    if (!ctx) {
      add("cuda.driver", Verdict::Ok, "libcuda.so.1 loaded, cuInit ok");
      add("cuda.device", ctx.error().code == Errc::not_found ? Verdict::Unavailable : Verdict::Failed,
          ctx.error().message);
      return;
    }
    cuda = *ctx;
    const int v = cuda->driver_version();
    add("cuda.driver", Verdict::Ok, fmt::format("libcuda.so.1 loaded, CUDA driver API {}.{}", v / 1000, v % 1000 / 10));
    auto& s = add("cuda.device", Verdict::Ok,
                  fmt::format("device {}: {} (sm_{}), context with blocking sync and a stream", cuda->ordinal(),
                              cuda->name(), cuda->compute_capability()));
    if (cuda->has_uuid()) s.details.emplace_back("uuid", uuid_string(cuda->uuid()));
    report.cuda = true;
    report.device = cuda->name();
  }

  void probe_egl() {
    auto api = load_egl();
    if (!api) {
      add("egl.device", Verdict::Unavailable, api.error().message);
      return;
    }
    auto devices = list_egl_devices(**api);
    if (!devices) {
      add("egl.device", Verdict::Unavailable, devices.error().message);
      return;
    }
    const EglDeviceInfo* match = nullptr;
    for (const auto& d : *devices)
      if (d.cuda_device == cuda->ordinal()) match = &d;
    if (!match) {
      add("egl.device", Verdict::Unavailable,
          fmt::format("{} EGL devices, none is CUDA device {} (EGL_NV_device_cuda)", devices->size(), cuda->ordinal()));
      return;
    }
    auto& dev = add("egl.device", Verdict::Ok,
                    fmt::format("EGL device {} is CUDA device {} (EGL_EXT_platform_device, headless)", match->index,
                                cuda->ordinal()));
    dev.details.emplace_back("drm_render_node", match->drm_render_node.empty() ? "none" : match->drm_render_node);

    EglCudaOptions o;
    auto imp = EglCudaImporter::create(cuda, *api, o);
    if (!imp) {
      add("gl.context", Verdict::Failed, imp.error().describe());
      return;
    }
    egl = std::move(*imp);
    const GlContext& gl = egl->gl();
    auto& ctx = add(
        "gl.context", Verdict::Ok,
        fmt::format("EGL {}, {} on {}, compute pass compiled", gl.egl_version(), gl.gl_version(), gl.gl_renderer()));
    ctx.details.emplace_back("surfaceless", yes_no(gl.has_egl_extension("EGL_KHR_surfaceless_context")));

    const bool dmabuf = gl.has_egl_extension("EGL_EXT_image_dma_buf_import");
    const bool mods = gl.has_egl_extension("EGL_EXT_image_dma_buf_import_modifiers");
    auto& ext = add("egl.extensions", dmabuf && mods ? Verdict::Ok : Verdict::Unavailable,
                    dmabuf && mods ? "dmabuf import with explicit modifiers"
                                   : "EGL_EXT_image_dma_buf_import(_modifiers) missing: no dmabuf import");
    for (const char* e : {"EGL_EXT_image_dma_buf_import", "EGL_EXT_image_dma_buf_import_modifiers",
                          "EGL_KHR_fence_sync", "EGL_ANDROID_native_fence_sync", "EGL_KHR_gl_texture_2D_image"})
      ext.details.emplace_back(e, yes_no(gl.has_egl_extension(e)));
    for (const char* e : {"GL_OES_EGL_image_external_essl3", "GL_EXT_disjoint_timer_query"})
      ext.details.emplace_back(e, yes_no(gl.has_gl_extension(e)));

    for (auto [fmt_, name] : {std::pair{PixelFormat::BGRx, "XRGB8888"}, std::pair{PixelFormat::BGRA, "ARGB8888"},
                              std::pair{PixelFormat::RGBx, "XBGR8888"}, std::pair{PixelFormat::RGBA, "ABGR8888"}}) {
      const auto& listed = egl->egl_modifiers(fmt_);
      const auto usable = egl->supported_modifiers(fmt_);
      size_t external = 0;
      for (const auto& m : listed)
        external += m.external_only;
      const bool linear = std::find(usable.begin(), usable.end(), kModifierLinear) != usable.end();
      auto& st = add(std::string("egl.modifiers.") + name, usable.empty() ? Verdict::Unavailable : Verdict::Ok,
                     fmt::format("{} listed ({} external-only), {} importable{}", listed.size(), external,
                                 usable.size(), linear ? " (LINEAR through samplerExternalOES)" : ""));
      std::string list;
      for (uint64_t m : usable) {
        if (!list.empty()) list += ' ';
        list += describe_modifier(m);
      }
      if (!list.empty()) st.details.emplace_back("importable", list);
    }

    const auto rgba = test_pattern_rgba(kProofW, kProofH, 1);
    ImportTarget target{kProofW, kProofH, PixelFormat::BGRx, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
    auto leg = run_egl_leg(*egl, rgba, kProofW, kProofH, target);
    if (!leg) {
      add("gl.cuda", Verdict::Failed, leg.error().describe());
      return;
    }
    const size_t bad = count_mismatches(leg->planes[0], rgba_to_packed(rgba, PixelFormat::BGRx));
    if (bad) {
      add("gl.cuda", Verdict::Failed,
          fmt::format("{} of {} bytes differ after EGLImage → GL pass → CUDA", bad, leg->planes[0].size()));
      return;
    }
    add("gl.cuda", Verdict::Ok,
        fmt::format("{}x{} pattern: EGLImage → GL compute pass → texture registered with CUDA → pooled buffer, "
                    "identical",
                    kProofW, kProofH));
    egl_leg = dmabuf && mods && !egl->supported_modifiers(PixelFormat::BGRx).empty();
  }

  void probe_vulkan() {
    auto api = load_vulkan();
    if (!api) {
      add("vulkan.device", Verdict::Unavailable, api.error().message);
      return;
    }
    VulkanCudaOptions o;
    auto imp = VulkanCudaImporter::create(cuda, *api, o);
    if (!imp) {
      add("vulkan.device", imp.error().code == Errc::not_found ? Verdict::Unavailable : Verdict::Failed,
          imp.error().describe());
      return;
    }
    vulkan = std::move(*imp);
    const VkContext& vk = vulkan->vk();
    add("vulkan.device", Verdict::Ok,
        fmt::format("{} (Vulkan {}.{}), UUID matches the CUDA device", vk.device_name(),
                    VK_API_VERSION_MAJOR(vk.api_version()), VK_API_VERSION_MINOR(vk.api_version())));
    auto& ext = add("vulkan.extensions", vk.external_memory_dma_buf() ? Verdict::Ok : Verdict::Unavailable,
                    vk.external_memory_dma_buf()
                        ? "dmabuf import and OPAQUE_FD export"
                        : "no VK_EXT_external_memory_dma_buf (no DRM node?): LINEAR dmabufs cannot come in this way");
    for (const char* e : {VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME, VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME,
                          VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME, VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME}) {
      const auto& all = vk.device_extensions();
      ext.details.emplace_back(e, yes_no(std::find(all.begin(), all.end(), e) != all.end()));
    }
    const auto rgba = test_pattern_rgba(kProofW, kProofH, 2);
    ImportTarget target{kProofW, kProofH, PixelFormat::BGRx, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
    auto leg = run_vulkan_leg(*vulkan, rgba, kProofW, kProofH, PixelFormat::BGRx, kProofW * 4 + 256, target);
    const std::string sync = vulkan->sync() == VkSync::Semaphores ? "exported semaphores" : "a CPU fence";
    if (!leg) {
      add("vulkan.cuda", Verdict::Failed, leg.error().describe());
      return;
    }
    const size_t bad = count_mismatches(leg->planes[0], rgba_to_packed(rgba, PixelFormat::BGRx));
    if (bad) {
      add("vulkan.cuda", Verdict::Failed,
          fmt::format("{} of {} bytes differ after the Vulkan pass → CUDA", bad, leg->planes[0].size()));
      return;
    }
    add("vulkan.cuda", Verdict::Ok,
        fmt::format("{}x{} pattern: VkBuffer → compute pass → OPAQUE_FD buffer in CUDA (cuImportExternalMemory), "
                    "ordered by {} → pooled buffer, identical",
                    kProofW, kProofH, sync));
    vk_leg = vk.external_memory_dma_buf();
  }

  static Verdict verdict_of(const DmabufProof& p) {
    switch (p.outcome) {
      case DmabufProof::Outcome::Ok:
        return Verdict::Ok;
      case DmabufProof::Outcome::Failed:
        return Verdict::Failed;
      case DmabufProof::Outcome::NotTestable:
        break;
    }
    return Verdict::NotTestable;
  }

  // Real dmabufs with no NVIDIA part: runs with or without CUDA (a VM with a virtual GPU proves it).
  void probe_gbm_cpu() {
    if (!options.real_buffers) {
      add("dmabuf.gbm", Verdict::NotTestable, "skipped on request");
      return;
    }
    const GbmCpuProof p = prove_gbm_cpu(options.drm_dir);
    auto& st = add("dmabuf.gbm", verdict_of(p.proof), p.proof.reason);
    if (!p.node.empty()) st.details.emplace_back("node", p.node);
    if (p.stride) st.details.emplace_back("stride", std::to_string(p.stride));
    if (!p.implicit_fence.empty()) st.details.emplace_back("implicit_fence", p.implicit_fence);
  }

  void probe_dmabufs() {
    if (!options.real_buffers) {
      add("dmabuf.tiled", Verdict::NotTestable, "skipped on request");
      add("dmabuf.linear", Verdict::NotTestable, "skipped on request");
      return;
    }
    auto proofs = prove_dmabufs(egl.get(), vulkan.get());
    auto& t = add("dmabuf.tiled", verdict_of(proofs.tiled), proofs.tiled.reason);
    if (!proofs.render_node.empty()) t.details.emplace_back("render_node", proofs.render_node);
    add("dmabuf.linear", verdict_of(proofs.linear), proofs.linear.reason);
    if (proofs.tiled.outcome == DmabufProof::Outcome::Failed) egl_leg = false;
    if (proofs.linear.outcome == DmabufProof::Outcome::Failed) vk_leg = false;
    if (egl) {
      const auto& s = egl->stats();
      t.details.emplace_back("implicit_fence", s.implicit_fence.ready + s.implicit_fence.waited > 0
                                                   ? "waited (DMA_BUF_IOCTL_EXPORT_SYNC_FILE)"
                                               : s.implicit_fence.unsupported ? "not supported by this kernel/buffer"
                                                                              : "not exercised");
    }
  }

  void run_vaapi() {
    if (!options.vaapi) return;
    VaapiProbe v = probe_vaapi(options.vaapi_device);
    for (auto& stage : v.stages)
      report.add(std::move(stage));
    report.vaapi = v.encodes;
  }

  void run_nvenc() {
    if (!options.nvenc) {
      add("nvenc.session", Verdict::NotTestable, "skipped on request");
      return;
    }
    const NvencProbe n = probe_nvenc(*cuda, options.nvenc_library);
    if (!n.library) {
      add("nvenc.session", Verdict::Unavailable, n.library_reason);
      return;
    }
    auto& s = add("nvenc.session", n.session ? Verdict::Ok : Verdict::Unavailable,
                  n.session ? "nvEncOpenEncodeSessionEx on our CUDA context: ok" : n.session_reason);
    s.details.emplace_back("driver_max_api",
                           fmt::format("{}.{}", n.driver_max_version >> 4, n.driver_max_version & 0xf));
    s.details.emplace_back("our_api", fmt::format("{}.{}", n.our_version >> 4, n.our_version & 0xf));
    for (const auto& c : n.codecs) {
      auto& st = add("nvenc." + c.codec, c.supported ? Verdict::Ok : Verdict::Unavailable, c.reason);
      if (c.codec == "av1") st.details.emplace_back("note", "FFmpeg 5.1 (Debian 12) has no av1_nvenc");
    }
    report.nvenc = n.session && std::any_of(n.codecs.begin(), n.codecs.end(),
                                            [](const auto& c) { return c.supported && c.codec != "av1"; });
  }

  // Every stage in its place, also those never reached: each names the earliest stage on its
  // chain of prerequisites that did not pass.
  void complete_stages() {
    struct Step {
      const char* name;
      const char* needs;  // nullptr: the first stage
    };
    static constexpr Step kOrder[] = {{"cuda.driver", nullptr},
                                      {"cuda.device", "cuda.driver"},
                                      {"egl.device", "cuda.device"},
                                      {"gl.context", "egl.device"},
                                      {"egl.extensions", "gl.context"},
                                      {"egl.modifiers.XRGB8888", "egl.extensions"},
                                      {"egl.modifiers.ARGB8888", "egl.extensions"},
                                      {"egl.modifiers.XBGR8888", "egl.extensions"},
                                      {"egl.modifiers.ABGR8888", "egl.extensions"},
                                      {"gl.cuda", "gl.context"},
                                      {"vulkan.device", "cuda.device"},
                                      {"vulkan.extensions", "vulkan.device"},
                                      {"vulkan.cuda", "vulkan.extensions"},
                                      {"dmabuf.tiled", "gl.cuda"},
                                      {"dmabuf.linear", "cuda.device"},
                                      {"dmabuf.gbm", nullptr},
                                      {"nvenc.session", "cuda.device"},
                                      {"nvenc.h264", "nvenc.session"},
                                      {"nvenc.hevc", "nvenc.session"},
                                      {"nvenc.av1", "nvenc.session"}};
    auto find = [](std::vector<ProbeStage>& in, std::string_view name) {
      return std::find_if(in.begin(), in.end(), [&](const ProbeStage& st) { return st.name == name; });
    };
    std::vector<ProbeStage> ordered;
    for (const Step& step : kOrder) {
      if (auto it = find(report.stages, step.name); it != report.stages.end()) {
        ordered.push_back(std::move(*it));
        report.stages.erase(it);
        continue;
      }
      // The prerequisite that did not pass, or the one that held up a prerequisite never reached.
      std::string reason = "not reached: needs cuda.driver";
      if (step.needs) {
        auto it = find(ordered, step.needs);
        if (it == ordered.end()) {
          reason = std::string("not reached: needs ") + step.needs;
        } else if (it->reason.rfind("not reached: ", 0) == 0) {
          reason = it->reason;
        } else if (it->verdict != Verdict::Ok) {
          // Up the chain while the prerequisite's own prerequisite failed too: name the root.
          const char* root = step.needs;
          for (;;) {
            const Step* up = std::find_if(std::begin(kOrder), std::end(kOrder),
                                          [&](const Step& st) { return std::string_view(st.name) == root; });
            if (up == std::end(kOrder) || !up->needs) break;
            auto above = find(ordered, up->needs);
            if (above == ordered.end() || above->verdict == Verdict::Ok) break;
            root = up->needs;
          }
          reason = std::string("not reached: needs ") + root;
        } else {
          reason = "not probed: " + std::string(step.needs) + " passed but did not list it";
        }
      }
      ordered.push_back({step.name, Verdict::Unavailable, std::move(reason), {}});
    }
    for (auto& rest : report.stages)
      ordered.push_back(std::move(rest));
    report.stages = std::move(ordered);
  }

  void run() {
    probe_gbm_cpu();
    run_vaapi();
    probe_cuda();
    if (!cuda) return complete_stages();
    probe_egl();
    probe_vulkan();
    probe_dmabufs();
    report.gpu_import = egl_leg || vk_leg;
    run_nvenc();
    complete_stages();
  }
};

}  // namespace

ProbeReport run_probe(const ProbeOptions& options) {
  Prober p{options, {}, {}, {}, {}};
  try {
    p.run();
  } catch (const std::exception& e) {
    p.report.probe_error = true;
    p.add("probe", Verdict::Failed, std::string("the probe failed: ") + e.what());
  }
  // The importers go before the CUDA context they share (members die in reverse order).
  return std::move(p.report);
}

}  // namespace zc::probe
