#include "testsrc/jpeg.hpp"

#include <cstring>
#include <string>

#include <libyuv/convert_from_argb.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include "ffmpeg/error.hpp"

namespace zc::testsrc {
namespace {

constexpr const char* kStage = "test-source:jpeg";
constexpr int kQuality = 1;  // mjpeg's best qscale (allowed once qmin is 1): flat areas stay exact

}  // namespace

JpegEncoder::JpegEncoder() = default;
JpegEncoder::~JpegEncoder() = default;

size_t jpeg_capacity(uint32_t width, uint32_t height) {
  // Above raw 4:4:4 at this quality never happens; plus headers.
  return size_t{width} * height * 3 + 64 * 1024;
}

Result<void> JpegEncoder::open(uint32_t width, uint32_t height) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (!codec) return fail(Errc::internal, kStage, "this FFmpeg has no mjpeg encoder");
  ctx_.reset(avcodec_alloc_context3(codec));
  frame_.reset(av_frame_alloc());
  packet_.reset(av_packet_alloc());
  if (!ctx_ || !frame_ || !packet_) return fail(Errc::internal, kStage, "out of memory");
  ctx_->width = static_cast<int>(width);
  ctx_->height = static_cast<int>(height);
  ctx_->pix_fmt = AV_PIX_FMT_YUVJ420P;  // JFIF: full range, BT.601
  ctx_->time_base = AVRational{1, 1000};
  ctx_->flags |= AV_CODEC_FLAG_QSCALE;
  ctx_->qmin = kQuality;
  ctx_->global_quality = FF_QP2LAMBDA * kQuality;
  if (int err = avcodec_open2(ctx_.get(), codec, nullptr); err < 0) {
    ctx_.reset();
    return fail(Errc::internal, kStage, "cannot open the mjpeg encoder: " + ffmpeg::error_text(err));
  }
  frame_->format = AV_PIX_FMT_YUVJ420P;
  frame_->width = ctx_->width;
  frame_->height = ctx_->height;
  if (int err = av_frame_get_buffer(frame_.get(), 0); err < 0) {
    ctx_.reset();
    return fail(Errc::internal, kStage, "out of memory for a frame: " + ffmpeg::error_text(err));
  }
  return {};
}

Result<size_t> JpegEncoder::encode(const Image& canvas, uint8_t* dst, size_t capacity) {
  if (!ctx_ || static_cast<uint32_t>(ctx_->width) != canvas.width ||
      static_cast<uint32_t>(ctx_->height) != canvas.height) {
    if (auto ok = open(canvas.width, canvas.height); !ok) return tl::unexpected(ok.error());
  }
  if (av_frame_make_writable(frame_.get()) < 0) return fail(Errc::internal, kStage, "out of memory");
  // J420: BT.601 at full range, what JFIF means.
  libyuv::ARGBToJ420(canvas.data, static_cast<int>(canvas.stride), frame_->data[0], frame_->linesize[0],
                     frame_->data[1], frame_->linesize[1], frame_->data[2], frame_->linesize[2],
                     static_cast<int>(canvas.width), static_cast<int>(canvas.height));
  frame_->pts = pts_++;
  if (int err = avcodec_send_frame(ctx_.get(), frame_.get()); err < 0) {
    return fail(Errc::internal, kStage, "cannot encode: " + ffmpeg::error_text(err));
  }
  if (int err = avcodec_receive_packet(ctx_.get(), packet_.get()); err < 0) {
    return fail(Errc::internal, kStage, "no JPEG: " + ffmpeg::error_text(err));
  }
  const auto size = static_cast<size_t>(packet_->size);
  if (size > capacity) {
    av_packet_unref(packet_.get());
    return fail(Errc::internal, kStage, "a JPEG of " + std::to_string(size) + " bytes does not fit the buffer");
  }
  std::memcpy(dst, packet_->data, size);
  av_packet_unref(packet_.get());
  return size;
}

}  // namespace zc::testsrc
