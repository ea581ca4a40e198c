#pragma once
// The probe's VA-API stages (AMD and Intel GPUs): the display on a render node and the driver's
// name and version, its encoding and video-processing entrypoints per profile, and one real frame
// encoded by each of zerocast's VA-API encoders (the family the record command would pick).
#include <string>
#include <vector>

#include "probe/probe.hpp"

namespace zc::probe {

struct VaapiProbe {
  std::vector<ProbeStage> stages;  // vaapi.device, vaapi.entrypoints, vaapi.h264, vaapi.hevc, vaapi.av1
  bool encodes = false;            // a VA-API encoder encoded a frame
};

// `node`: ZEROCAST_VAAPI_DEVICE's render node, or empty for the first whose driver opens.
VaapiProbe probe_vaapi(const std::string& node);

}  // namespace zc::probe
