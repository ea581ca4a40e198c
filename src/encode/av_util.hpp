#pragma once
// RAII owners for the FFmpeg handles the encoders use, and FFmpeg error text.
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
}

namespace zc::encode {

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

// An AVDictionary of encoder options; avcodec_open2 consumes the entries it knows.
class Options {
 public:
  Options() = default;
  Options(const Options&) = delete;
  Options& operator=(const Options&) = delete;
  ~Options() { av_dict_free(&dict_); }

  void set(const char* key, const std::string& value) { av_dict_set(&dict_, key, value.c_str(), 0); }
  void set(const char* key, int64_t value) { av_dict_set_int(&dict_, key, value, 0); }
  AVDictionary** get() { return &dict_; }
  const AVDictionary* peek() const { return dict_; }

 private:
  AVDictionary* dict_ = nullptr;
};

inline std::string av_error_string(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

}  // namespace zc::encode
