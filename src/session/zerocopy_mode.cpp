#include "session/zerocopy_mode.hpp"

#include <mutex>
#include <optional>
#include <utility>

#include "capture/video/producer_formats.hpp"
#include "core/log.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/cuda_bridge/download_importer.hpp"
#include "zerocopy/vaapi/vaapi_importer.hpp"

namespace zc::session {
namespace {

constexpr std::string_view kStage = "zerocopy";

// Why the GPU path did not come up, in words for the import path.
std::string short_reason(const Error& e) {
  if (e.code == Errc::not_found) {
    // dlopen's own words for a machine without the driver: long, and they read as an error.
    if (e.message.find("cannot open shared object file") != std::string::npos) {
      return "no NVIDIA driver or device (no libcuda.so.1)";
    }
    return "no NVIDIA driver or device: " + e.message;
  }
  if (e.code == Errc::unsupported) return "no GPU import path: " + e.message;
  return e.describe();
}

// The GPU path made at install time goes to the first pipeline; later pipelines (the daemon's
// other captures, and the ones it restarts) bring up their own bridges on the same CUDA context:
// one per device, which the encoder catalog's CUDA frames live on too.
struct SharedPath {
  std::mutex mutex;
  std::optional<zerocopy::cuda_bridge::GpuPath> first;
  std::shared_ptr<cuda::CudaContext> cuda;
  GpuPathFactory make;
};

}  // namespace

std::string_view to_string(ZerocopyMode mode) {
  switch (mode) {
    case ZerocopyMode::Auto:
      return "auto";
    case ZerocopyMode::Required:
      return "1";
    case ZerocopyMode::Off:
      return "0";
  }
  return "auto";
}

Result<ZerocopyMode> parse_zerocopy_mode(std::string_view text) {
  if (text.empty() || text == "auto") return ZerocopyMode::Auto;
  if (text == "1" || text == "on" || text == "yes" || text == "true") return ZerocopyMode::Required;
  if (text == "0" || text == "off" || text == "no" || text == "false") return ZerocopyMode::Off;
  return fail(Errc::invalid_argument, std::string(kStage),
              "ZEROCAST_ZEROCOPY must be auto, 1 or 0 (got '" + std::string(text) + "')");
}

std::string gpu_not_needed(std::string_view encoder, const capture::SourceSpec& source) {
  using Kind = capture::SourceSpec::Kind;
  if (source.kind != Kind::node && source.kind != Kind::serial && source.kind != Kind::gamescope) return "";
  const std::string name(encoder);
  bool software = false;
  for (const auto& c : encode::default_catalog()) {
    if (c.name == name) software = c.any_size;
  }
  if (!software) return "";
  auto target = capture::resolve_source(source);
  if (!target) return "";  // the pipeline reports it
  auto dmabuf = capture::offers_dmabuf(*target);
  if (!dmabuf) {
    zc::log::debug("zerocopy: could not read the producer's formats: {}", dmabuf.error().describe());
    return "";
  }
  if (*dmabuf) return "";
  return name + " on a producer that offers shared memory only";
}

Result<ZerocopyChoice> install_importer(const ZerocopyChoiceOptions& options, PipelineHooks& hooks,
                                        GpuPathFactory make_path, const std::string& no_gpu_reason) {
  const ZerocopyMode mode = options.mode;
  ZerocopyChoice choice;
  zerocopy::CpuImportOptions cpu_options;
  cpu_options.offer_linear = options.cpu_dmabuf;
  cpu_options.damage = options.damage;
  cpu_options.host_for_device = true;
  choice.mode = mode;
  // The encoders' VA-API display, shared by every pipeline this choice makes (the daemon's
  // captures): opened once, on first use. A VA-API encoder's frames come from the VA importer on
  // the same display, whatever the NVIDIA path does; ZEROCAST_ZEROCOPY=0 sends it host frames.
  auto vaapi = std::make_shared<encode::VaapiDevices>(options.vaapi_device);
  if (mode != ZerocopyMode::Off) {
    hooks.make_vaapi_importer = [vaapi]() -> std::unique_ptr<zerocopy::Importer> {
      auto device = vaapi->get();
      if (!device) return nullptr;
      auto importer = zerocopy::VaapiImporter::create(*device);
      if (!importer) {
        zc::log::warn("zerocopy: no VA-API import, frames are uploaded from the CPU path: {}",
                      importer.error().describe());
        return nullptr;
      }
      return std::move(*importer);
    };
  }
  if (!make_path) {
    make_path = [](std::shared_ptr<cuda::CudaContext> cuda) {
      return zerocopy::cuda_bridge::make_gpu_path({}, std::move(cuda));
    };
  }

  auto cpu_only = [&](std::string reason) {
    choice.cpu_reason = reason;
    choice.description = "cpu (" + reason + ")";
    hooks.make_importer = nullptr;
    if (!hooks.catalog) hooks.catalog = encode::default_catalog(nullptr, vaapi);
    zerocopy::CpuImportOptions named = cpu_options;
    named.name = choice.description;
    hooks.make_cpu_importer = [named] { return std::make_unique<zerocopy::CpuImporter>(named); };
    zc::log::info("zerocopy: CPU import path: {}{}", reason,
                  cpu_options.offer_linear ? "; LINEAR dmabufs offered (ZEROCAST_CPU_DMABUF=1)" : "");
    return choice;
  };

  if (mode == ZerocopyMode::Off) return cpu_only("ZEROCAST_ZEROCOPY=0");
  if (mode == ZerocopyMode::Auto && !no_gpu_reason.empty()) return cpu_only(no_gpu_reason);
  auto path = make_path(nullptr);
  if (!path) {
    if (mode == ZerocopyMode::Required) {
      return fail(Errc::gpu, std::string(kStage),
                  "ZEROCAST_ZEROCOPY=1 but the GPU import path cannot come up: " + path.error().describe());
    }
    return cpu_only(short_reason(path.error()));
  }

  choice.gpu = true;
  choice.description = "zero-copy " + path->description;
  zc::log::info("zerocopy: GPU import path: {} (ZEROCAST_ZEROCOPY={})", path->description, to_string(mode));
  // NVENC is then fed CUDA frames on the importers' context; where it does not open (no NVENC on
  // the GPU), a software encoder wins and the importer downloads its GPU-converted output.
  if (!hooks.catalog) hooks.catalog = encode::default_catalog(path->cuda, vaapi);
  auto shared = std::make_shared<SharedPath>();
  shared->cuda = path->cuda;
  shared->first = std::move(*path);
  shared->make = std::move(make_path);
  hooks.make_importer = [shared]() -> std::unique_ptr<zerocopy::Importer> {
    std::optional<zerocopy::cuda_bridge::GpuPath> p;
    {
      std::lock_guard lock(shared->mutex);
      p = std::exchange(shared->first, std::nullopt);
    }
    if (!p) {
      auto made = shared->make(shared->cuda);
      if (!made) {
        zc::log::warn("zerocopy: GPU import path lost, this capture goes the CPU way: {}", made.error().describe());
        return nullptr;
      }
      p = std::move(*made);
    }
    return std::make_unique<zerocopy::cuda_bridge::DownloadImporter>(p->cuda, std::move(p->importer));
  };
  hooks.make_cpu_importer = [cpu_options] { return std::make_unique<zerocopy::CpuImporter>(cpu_options); };
  return choice;
}

}  // namespace zc::session
