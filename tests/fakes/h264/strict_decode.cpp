#include "strict_decode.hpp"

#include <cstdarg>
#include <cstring>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
}

namespace zc::test {
namespace {

std::vector<std::string>* g_errors = nullptr;  // the decode in progress (the tests run one at a time)

void keep_errors(void* avcl, int level, const char* fmt, va_list vl) {
  if (!g_errors || level > AV_LOG_ERROR) return;
  char line[1024];
  int prefix = 1;
  av_log_format_line(avcl, level, fmt, vl, line, sizeof line, &prefix);
  g_errors->emplace_back(line);
}

std::string av_error(int rc) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(rc, text, sizeof text);
  return text;
}

StrictFrame copy_frame(const AVFrame& f) {
  StrictFrame out;
  out.width = f.width;
  out.height = f.height;
  out.format = f.format;
  out.key = f.key_frame != 0;
  out.type = f.pict_type == AV_PICTURE_TYPE_I ? 'I' : f.pict_type == AV_PICTURE_TYPE_P ? 'P' : '?';
  out.decode_error_flags = f.decode_error_flags;
  out.corrupt = (f.flags & AV_FRAME_FLAG_CORRUPT) != 0;
  auto plane = [&](int i, int w, int h, std::vector<uint8_t>& to) {
    to.resize(static_cast<size_t>(w) * h);
    for (int y = 0; y < h; ++y)
      std::memcpy(to.data() + static_cast<size_t>(y) * w, f.data[i] + static_cast<ptrdiff_t>(y) * f.linesize[i], w);
  };
  plane(0, f.width, f.height, out.y);
  plane(1, (f.width + 1) / 2, (f.height + 1) / 2, out.u);
  plane(2, (f.width + 1) / 2, (f.height + 1) / 2, out.v);
  return out;
}

}  // namespace

StrictDecode decode_h264_strict(const std::vector<std::vector<uint8_t>>& packets) {
  StrictDecode d;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!codec) {
    d.errors.emplace_back("no H.264 decoder");
    return d;
  }
  std::unique_ptr<AVCodecContext, void (*)(AVCodecContext*)> ctx(avcodec_alloc_context3(codec),
                                                                 [](AVCodecContext* c) { avcodec_free_context(&c); });
  ctx->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK | AV_EF_BITSTREAM;
  ctx->thread_count = 1;
  g_errors = &d.errors;
  av_log_set_callback(keep_errors);
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> pkt(av_packet_alloc(), [](AVPacket* p) { av_packet_free(&p); });
  std::unique_ptr<AVFrame, void (*)(AVFrame*)> frame(av_frame_alloc(), [](AVFrame* f) { av_frame_free(&f); });
  auto drain = [&] {
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      d.frames.push_back(copy_frame(*frame));
      av_frame_unref(frame.get());
    }
  };
  if (const int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0) {
    d.errors.push_back("open: " + av_error(rc));
  } else {
    for (const auto& p : packets) {
      if (av_new_packet(pkt.get(), static_cast<int>(p.size())) < 0) break;
      std::memcpy(pkt->data, p.data(), p.size());
      if (const int rc = avcodec_send_packet(ctx.get(), pkt.get()); rc < 0) d.errors.push_back("send: " + av_error(rc));
      av_packet_unref(pkt.get());
      drain();
    }
    avcodec_send_packet(ctx.get(), nullptr);
    drain();
    d.profile = ctx->profile;
    d.level = ctx->level;
  }
  av_log_set_callback(av_log_default_callback);
  g_errors = nullptr;
  return d;
}

}  // namespace zc::test
