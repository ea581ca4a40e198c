#pragma once
// Whether NVENC encodes on this CUDA device: libnvidia-encode.so.1 loaded at run time through
// nv-codec-headers, one session opened with nvEncOpenEncodeSessionEx, its codec GUIDs listed. A
// CUDA device alone proves nothing (data-center GPUs have no NVENC: NV_ENC_ERR_NO_ENCODE_DEVICE).
#include <string>
#include <vector>

#include "cuda/cuda_context.hpp"

namespace zc::probe {

struct NvencCodecResult {
  std::string codec;  // "h264", "hevc", "av1"
  bool supported = false;
  std::string reason;
};

struct NvencProbe {
  bool library = false;             // libnvidia-encode.so.1 and its entry points loaded
  bool session = false;             // nvEncOpenEncodeSessionEx succeeded
  std::string library_reason;       // why not
  std::string session_reason;       // the driver's status (and message) when the session failed
  unsigned driver_max_version = 0;  // NvEncodeAPIGetMaxSupportedVersion: major << 4 | minor
  unsigned our_version = 0;         // the nv-codec-headers API we build against, same encoding
  std::vector<NvencCodecResult> codecs;
};

// `library` replaces "libnvidia-encode.so.1" when not empty (tests).
NvencProbe probe_nvenc(const cuda::CudaContext& ctx, const std::string& library = {});

// "NV_ENC_ERR_NO_ENCODE_DEVICE (2): no encode capable device" style names.
std::string nvenc_status_name(int status);

}  // namespace zc::probe
