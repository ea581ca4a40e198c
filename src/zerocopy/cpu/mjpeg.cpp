#include "zerocopy/cpu/mjpeg.hpp"

#include <cstring>
#include <string>

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
}

#include "ffmpeg/error.hpp"

namespace zc::zerocopy {
namespace {

constexpr const char* kStage = "zerocopy:mjpeg";

tl::unexpected<Error> bad_jpeg(std::string why) {
  return fail(Errc::invalid_argument, kStage, "corrupt JPEG: " + std::move(why));
}

}  // namespace

void MjpegDecoder::BufferFree::operator()(AVBufferRef* b) const {
  av_buffer_unref(&b);
}

MjpegDecoder::MjpegDecoder() = default;
MjpegDecoder::~MjpegDecoder() = default;

bool has_end_of_image(const uint8_t* data, size_t size) {
  size_t end = size;
  while (end > 0 && data[end - 1] == 0)
    --end;  // cameras pad whole frames with zeros after the marker
  return end >= 4 && data[0] == 0xff && data[1] == 0xd8 && data[end - 2] == 0xff && data[end - 1] == 0xd9;
}

Result<void> MjpegDecoder::open() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  if (!codec) return fail(Errc::internal, kStage, "this FFmpeg has no mjpeg decoder");
  ctx_.reset(avcodec_alloc_context3(codec));
  frame_.reset(av_frame_alloc());
  packet_.reset(av_packet_alloc());
  if (!ctx_ || !frame_ || !packet_) return fail(Errc::internal, kStage, "out of memory");
  // Report damage instead of concealing it: a frame with grey holes is not passed on.
  ctx_->err_recognition = AV_EF_CRCCHECK | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_EXPLODE;
  ctx_->thread_count = 1;  // one frame at a time: no frame delay
  if (int err = avcodec_open2(ctx_.get(), codec, nullptr); err < 0) {
    ctx_.reset();
    return fail(Errc::internal, kStage, "cannot open the mjpeg decoder: " + ffmpeg::error_text(err));
  }
  return {};
}

Result<DecodedJpeg> MjpegDecoder::decode(const uint8_t* data, size_t size, uint32_t width, uint32_t height) {
  if (!ctx_) {
    if (auto ok = open(); !ok) return tl::unexpected(ok.error());
  }
  if (size == 0 || size > (1u << 30)) return bad_jpeg(fmt::format("{} bytes", size));
  if (!has_end_of_image(data, size)) return bad_jpeg("no start or end-of-image marker (truncated?)");

  // libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the end: a reference-counted
  // copy with zeroed padding, reused while the decoder holds no reference to it.
  const size_t padded = size + AV_INPUT_BUFFER_PADDING_SIZE;
  if (!input_ || static_cast<size_t>(input_->size) < padded || !av_buffer_is_writable(input_.get())) {
    input_.reset(av_buffer_alloc(padded + padded / 4));
    if (!input_) return fail(Errc::internal, kStage, "out of memory for a JPEG");
  }
  std::memcpy(input_->data, data, size);
  std::memset(input_->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
  packet_->buf = av_buffer_ref(input_.get());
  if (!packet_->buf) return fail(Errc::internal, kStage, "out of memory");
  packet_->data = input_->data;
  packet_->size = static_cast<int>(size);
  const int sent = avcodec_send_packet(ctx_.get(), packet_.get());
  av_packet_unref(packet_.get());
  av_frame_unref(frame_.get());
  if (sent < 0) {
    avcodec_flush_buffers(ctx_.get());
    return bad_jpeg("the decoder refused it: " + ffmpeg::error_text(sent));
  }
  if (int got = avcodec_receive_frame(ctx_.get(), frame_.get()); got < 0) {
    avcodec_flush_buffers(ctx_.get());
    return bad_jpeg("no picture from it: " + ffmpeg::error_text(got));
  }
  if (frame_->decode_error_flags != 0 || (frame_->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
    return bad_jpeg(fmt::format("the decoder reported damage (flags {:#x})", frame_->decode_error_flags));
  }
  if (static_cast<uint32_t>(frame_->width) != width || static_cast<uint32_t>(frame_->height) != height) {
    return bad_jpeg(fmt::format("{}x{} where {}x{} was negotiated", frame_->width, frame_->height, width, height));
  }
  DecodedJpeg out;
  switch (frame_->format) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV420P:
      out.chroma = DecodedJpeg::Chroma::s420;
      break;
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUV422P:
      out.chroma = DecodedJpeg::Chroma::s422;
      break;
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUV444P:
      out.chroma = DecodedJpeg::Chroma::s444;
      break;
    case AV_PIX_FMT_GRAY8:
      out.chroma = DecodedJpeg::Chroma::gray;
      break;
    case AV_PIX_FMT_GBRP:
      out.chroma = DecodedJpeg::Chroma::rgb;
      break;
    default:
      return bad_jpeg(fmt::format("a sampling zerocast does not take (pixel format {})", frame_->format));
  }
  out.width = width;
  out.height = height;
  for (int p = 0; p < (out.chroma == DecodedJpeg::Chroma::gray ? 1 : 3); ++p) {
    out.planes[p] = frame_->data[p];
    out.strides[p] = static_cast<uint32_t>(frame_->linesize[p]);
  }
  return out;
}

}  // namespace zc::zerocopy
