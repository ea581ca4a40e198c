#pragma once
// One RAII owner per FFmpeg handle zerocast and its tests hold: codec contexts, frames, packets,
// codec parameters, bitstream filters, scaler and resampler contexts, option dictionaries.
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace zc::ffmpeg {

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;

struct BsfDeleter {
  void operator()(AVBSFContext* bsf) const { av_bsf_free(&bsf); }
};
using BsfPtr = std::unique_ptr<AVBSFContext, BsfDeleter>;

struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;

// An AVDictionary of options; avcodec_open2 and avformat_write_header consume the entries they
// know and leave the rest.
class Dictionary {
 public:
  Dictionary() = default;
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  ~Dictionary() { av_dict_free(&dict_); }

  void set(const char* key, const std::string& value) { av_dict_set(&dict_, key, value.c_str(), 0); }
  void set(const char* key, int64_t value) { av_dict_set_int(&dict_, key, value, 0); }
  AVDictionary** get() { return &dict_; }
  const AVDictionary* peek() const { return dict_; }
  // The keys left (after an open: the options nothing knew).
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(dict_, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr)
      out.emplace_back(e->key);
    return out;
  }

 private:
  AVDictionary* dict_ = nullptr;
};

}  // namespace zc::ffmpeg
