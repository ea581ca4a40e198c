#pragma once
// ZEROCAST_ZEROCOPY: which importer a capture uses, decided once by one function for `zerocast
// record` and for the daemon's captures.
//   auto (default): the GPU importer when make_gpu_path brings it up, else the CPU importer;
//   1: GPU import required: if it cannot come up, the caller fails at start with the failed stage
//      (a GPU without NVENC still passes: the GPU-converted frames are downloaded for a software
//      encoder);
//   0: CPU only.
// The import path the status line, the summary and D-Bus show says which ran and why, e.g.
// "zero-copy egl-cuda+vulkan-cuda" or "cpu (no NVIDIA driver: ...)".
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "capture/graph/source.hpp"
#include "core/error.hpp"
#include "session/pipeline.hpp"
#include "zerocopy/cuda_bridge/gpu_importer.hpp"

namespace zc::session {

enum class ZerocopyMode : uint8_t { Auto, Required, Off };

std::string_view to_string(ZerocopyMode mode);  // "auto", "1", "0"
// "auto" (or empty), "1"/"on"/"yes"/"true", "0"/"off"/"no"/"false"; Errc::invalid_argument otherwise.
Result<ZerocopyMode> parse_zerocopy_mode(std::string_view text);

// How the importers are chosen and run (ZEROCAST_ZEROCOPY, ZEROCAST_CPU_DMABUF, ZEROCAST_DAMAGE).
struct ZerocopyChoiceOptions {
  ZerocopyChoiceOptions(ZerocopyMode m = ZerocopyMode::Auto) : mode(m) {}  // NOLINT(google-explicit-constructor)
  ZerocopyMode mode;
  bool cpu_dmabuf = false;   // the CPU path offers LINEAR dmabufs too (zerocopy::CpuImportOptions::offer_linear)
  bool damage = true;        // the CPU path converts only what changed (zerocopy::CpuImportOptions::damage)
  std::string vaapi_device;  // the VA-API encoders' render node (empty: the first whose driver opens)
};

// Makes the GPU path (a test replaces it with a fake): on a new CUDA context when given none (the
// first), else on the one given (the first path's, for every later pipeline).
using GpuPathFactory = std::function<Result<zerocopy::cuda_bridge::GpuPath>(std::shared_ptr<cuda::CudaContext>)>;

struct ZerocopyChoice {
  ZerocopyMode mode = ZerocopyMode::Auto;
  bool gpu = false;         // the GPU importer is set up
  std::string cpu_reason;   // why the CPU path, when !gpu ("ZEROCAST_ZEROCOPY=0", "no NVIDIA driver: ...")
  std::string description;  // one line for the log
};

// Why a capture needs no GPU import path, or empty when it may: `encoder` (the encoder setting) names a
// software encoder and the producer `source` names offers no dmabuf (capture::offers_dmabuf), so
// every frame is shared memory the CPU path converts for it. Then the GPU importers (EGL, Vulkan
// and a CUDA context: 0.5-1.6 CPU-s and about 170 MB on the GPU machine, README) need not come up.
// Empty for auto and NVENC (CUDA frames), the portal and the test source, and when the producer
// cannot be asked.
std::string gpu_not_needed(std::string_view encoder, const capture::SourceSpec& source);

// Brings the importer up per `mode` and installs it into `hooks` (make_importer and
// make_cpu_importer). Errc::gpu (stage "zerocopy") when mode is Required and the GPU path cannot
// come up; the message names the stage that failed. Logs which path runs and why. In auto mode,
// a non-empty `no_gpu_reason` (gpu_not_needed) installs the CPU path for that reason without
// trying the GPU one.
Result<ZerocopyChoice> install_importer(const ZerocopyChoiceOptions& options, PipelineHooks& hooks,
                                        GpuPathFactory make_path = {}, const std::string& no_gpu_reason = {});

}  // namespace zc::session
