#pragma once
// `zerocast zerocopy-probe`: the parts tests call directly.
#include "probe/probe.hpp"

namespace zc::cli {

// Which of the NVENC, VA-API and software encoders zerocast drives the linked FFmpeg
// has (details: name → "present"/"missing"). Unavailable when it has none.
probe::ProbeStage ffmpeg_encoders_stage();

// Runs the probe, prints it (text or JSON) to stdout and returns the exit code.
int run_zerocopy_probe(bool json, const std::string& vaapi_device = {});

}  // namespace zc::cli
