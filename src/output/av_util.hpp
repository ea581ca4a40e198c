#pragma once
// The output AVFormatContext's owner, and the parameter sets of a keyframe for container headers.
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
}

#include "core/error.hpp"

namespace zc::output {

// An output AVFormatContext together with the AVIOContext it opened (if the muxer needs one).
struct OutputContextDeleter {
  void operator()(AVFormatContext* ctx) const;
};
using OutputContextPtr = std::unique_ptr<AVFormatContext, OutputContextDeleter>;

// Keeps the bitstream's parameter sets (SPS/PPS/VPS, AV1 sequence header) found in a keyframe,
// for containers that need them in the header: our encoders emit them in-band only.
Result<std::vector<uint8_t>> extract_extradata(const AVCodecParameters& params, const AVPacket& keyframe);

}  // namespace zc::output
