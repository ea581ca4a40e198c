#pragma once
// `zerocast zerocopy-probe`: the parts tests call directly.
#include "probe/probe.hpp"

namespace zc::cli {

// Which of h264_nvenc, hevc_nvenc, av1_nvenc, libx264, libx265 and libsvtav1 the linked FFmpeg
// has (details: name → "present"/"missing"). Unavailable when it has none.
probe::ProbeStage ffmpeg_encoders_stage();

// Runs the probe, prints it (text or JSON) to stdout and returns the exit code.
int run_zerocopy_probe(bool json);

}  // namespace zc::cli
