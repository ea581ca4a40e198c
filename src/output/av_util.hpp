#pragma once
// RAII owners for the libavformat handles the sinks use, and FFmpeg error text.
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

struct BsfDeleter {
  void operator()(AVBSFContext* bsf) const { av_bsf_free(&bsf); }
};
using BsfPtr = std::unique_ptr<AVBSFContext, BsfDeleter>;

class Dictionary {
 public:
  Dictionary() = default;
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  ~Dictionary() { av_dict_free(&dict_); }

  void set(const char* key, const std::string& value) { av_dict_set(&dict_, key, value.c_str(), 0); }
  AVDictionary** get() { return &dict_; }
  // Keys FFmpeg did not consume (an option no muxer or protocol knows).
  std::vector<std::string> keys() const;

 private:
  AVDictionary* dict_ = nullptr;
};

std::string av_error_text(int err);

// Keeps the bitstream's parameter sets (SPS/PPS/VPS, AV1 sequence header) found in a keyframe,
// for containers that need them in the header: our encoders emit them in-band only.
Result<std::vector<uint8_t>> extract_extradata(const AVCodecParameters& params, const AVPacket& keyframe);

}  // namespace zc::output
