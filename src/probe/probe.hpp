#pragma once
// `zerocast zerocopy-probe`: every stage of the GPU path tried for real on this machine, each with
// a verdict and the reason, rendered as text or JSON, and an exit code:
//   0 full path (GPU import and NVENC), 1 GPU import works but no NVENC, 2 CUDA present but no
//   GPU import path, 3 no NVIDIA driver or device and no VA-API encoder, 4 the probe itself
//   failed, 5 a VA-API encoder encodes (AMD, Intel) and the NVIDIA path is not complete.
// GPU libraries are loaded at run time: on a machine without either it reports so and exits 3.
#include <string>
#include <utility>
#include <vector>

namespace zc::probe {

enum class Verdict : uint8_t {
  Ok,
  Failed,       // the part is there and the operation went wrong
  Unavailable,  // the part is not there (library, device, extension) or needs one that is not
  NotTestable,  // cannot be exercised on this machine (no DRM render node: no real dmabuf)
};

std::string_view to_string(Verdict v);  // "ok", "failed", "unavailable", "not testable here"
std::string_view json_name(Verdict v);  // "ok", "failed", "unavailable", "not_testable"

struct ProbeStage {
  std::string name;  // stable identifier: "cuda.driver", "egl.modifiers.XRGB8888", "nvenc.hevc", ...
  Verdict verdict = Verdict::Unavailable;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> details;
};

struct ProbeReport {
  std::vector<ProbeStage> stages;
  std::string device;        // the CUDA device's name, if any
  bool cuda = false;         // driver loaded and the device has a context
  bool gpu_import = false;   // a bridge delivers frames into pooled CUDA buffers
  bool nvenc = false;        // an NVENC session opens on the device
  bool vaapi = false;        // a VA-API encoder encodes a frame
  bool probe_error = false;  // the probe itself failed (exit 4)

  // Stages added by others (the lead's "ffmpeg.encoders") are rendered but do not change the code.
  void add(ProbeStage stage) { stages.push_back(std::move(stage)); }
  int exit_code() const;
  std::string summary() const;
};

struct ProbeOptions {
  int cuda_device = 0;
  std::string cuda_library;          // replaces "libcuda.so.1" (tests act out a machine without NVIDIA)
  std::string nvenc_library;         // replaces "libnvidia-encode.so.1"
  bool real_buffers = true;          // the GBM dmabuf proofs where a DRM node exists
  std::string drm_dir = "/dev/dri";  // where dmabuf.gbm looks for DRM nodes (tests pass another)
  bool nvenc = true;
  bool vaapi = true;
  std::string vaapi_device;  // ZEROCAST_VAAPI_DEVICE: the render node (empty: the first that opens)
};

ProbeReport run_probe(const ProbeOptions& options = {});

std::string render_text(const ProbeReport& report);
std::string render_json(const ProbeReport& report);

}  // namespace zc::probe
