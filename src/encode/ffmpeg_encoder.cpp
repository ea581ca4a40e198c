#include "encode/ffmpeg_encoder.hpp"

#include "core/log.hpp"

#include <utility>

#include "encode/colour_tags.hpp"
#include "encode/frame_wrap.hpp"
#include "ffmpeg/error.hpp"

namespace zc::encode {
namespace {

std::string describe_rate(const RateControl& rc, Tuning tuning) {
  if (rc.constant_quality) return "constant quality";
  const char* mode = tuning == Tuning::LowLatency ? "cbr" : "vbr";
  return fmt::format("{} {} kbit/s (max {}, buffer {} kbit)", mode, rc.bit_rate / 1000, rc.max_rate / 1000,
                     rc.buffer_size / 1000);
}

}  // namespace

FfmpegEncoder::FfmpegEncoder(std::string codec_name, const EncoderConfig& config, InputSpec input)
    : codec_name_(std::move(codec_name)),
      config_(config),
      input_(input),
      rc_(rate_control(config, config.bitrate_kbps)),
      frame_(av_frame_alloc()),
      last_frame_(av_frame_alloc()),
      scratch_(av_packet_alloc()) {
  pending_.reserve(8);
}

FfmpegEncoder::~FfmpegEncoder() {
  // Freeing an encoder with frames in flight without draining it is the other half of the
  // SVT-AV1 trap; drain even when the owner forgot finish().
  if (ctx_ && state_ != State::Finished) drain_and_drop();
}

tl::unexpected<Error> FfmpegEncoder::error(Errc code, std::string message) const {
  return fail(code, "encode:" + codec_name_, std::move(message));
}

tl::unexpected<Error> FfmpegEncoder::failed(Errc code, std::string message) {
  state_ = State::Failed;
  last_error_ = Error{code, "encode:" + codec_name_, std::move(message)};
  return tl::unexpected<Error>(last_error_);
}

Result<void> FfmpegEncoder::keyframe_support(const RateControl& /*rc*/) const {
  return {};
}

Result<void> FfmpegEncoder::check_frame(const DeviceFrame& frame) const {
  if (frame.width != config_.width || frame.height != config_.height || frame.format != input_.format ||
      !accepts(frame.memory)) {
    return error(Errc::invalid_argument,
                 fmt::format("frame {}x{} {} in {} memory does not match the encoder's input {}x{} {} in {} memory",
                             frame.width, frame.height, to_string(frame.format), to_string(frame.memory), config_.width,
                             config_.height, to_string(input_.format), to_string(input_.memory)));
  }
  return {};
}

ffmpeg::CodecContextPtr FfmpegEncoder::make_context(const AVCodec& codec) const {
  ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(&codec));
  if (!ctx) return ctx;
  ctx->width = static_cast<int>(config_.width);
  ctx->height = static_cast<int>(config_.height);
  ctx->pix_fmt = av_pixel_format(input_.format);
  ctx->time_base = kPacketTimeBase;
  // Rate control needs a nominal rate even for variable-rate capture; 60 when none is known.
  const bool rate_known = config_.frame_rate.num > 0 && config_.frame_rate.den > 0;
  ctx->framerate = rate_known ? config_.frame_rate : AVRational{60, 1};
  ctx->gop_size = static_cast<int>(effective_gop(config_));
  ctx->thread_count = static_cast<int>(effective_threads(config_));
  // In-band parameter sets (no AV_CODEC_FLAG_GLOBAL_HEADER): one encoder feeds files and network
  // outputs alike, and a viewer joining a stream needs them at every keyframe.
  ctx->flags |= AV_CODEC_FLAG_CLOSED_GOP;
  // What the importer made (core/colour.hpp): screens are sRGB (BT.709 primaries, the sRGB
  // curve), converted by BT.709 or BT.601 at the chosen range; YUV sources keep their own.
  apply_colour_tags(config_.colour, *ctx);
  apply_rate_control(rc_, *ctx);
  return ctx;
}

Result<void> FfmpegEncoder::open() {
  const AVCodec* codec = avcodec_find_encoder_by_name(codec_name_.c_str());
  if (!codec) return failed(Errc::not_found, "not in this FFmpeg build");
  if (config_.width == 0 || config_.height == 0) return failed(Errc::invalid_argument, "no frame size configured");

  ffmpeg::CodecContextPtr ctx = make_context(*codec);
  if (!ctx) return failed(Errc::internal, "out of memory allocating the codec context");
  ffmpeg::Dictionary options;
  if (auto r = configure(*ctx, rc_, options); !r) return failed(r.error().code, r.error().message);
  if (const int err = avcodec_open2(ctx.get(), codec, options.get()); err < 0) {
    std::string why = "cannot open: " + ffmpeg::error_text(err);
    if (std::string more = explain_open_failure(err); !more.empty()) why += " (" + more + ")";
    return failed(Errc::encoder, why);
  }
  for (const AVDictionaryEntry* e = nullptr; (e = av_dict_get(options.peek(), "", e, AV_DICT_IGNORE_SUFFIX));) {
    zc::log::warn("encode: {} ignored option {}={}", codec_name_, e->key, e->value);
  }

  ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
  if (!params || avcodec_parameters_from_context(params.get(), ctx.get()) < 0) {
    return failed(Errc::internal, "cannot describe the stream");
  }
  info_.params = std::move(params);
  info_.time_base = ctx->time_base;
  info_.frame_rate = config_.frame_rate;  // 0/1 stays 0/1: variable
  info_.encoder = codec_name_;
  info_.generation = config_.generation;
  info_.side_data = stream_side_data(config_.hdr);
  ctx_ = std::move(ctx);
  state_ = State::Open;
  // The selector's trial opens (selector.cpp) say nothing at the info level: a 640x360 line in a
  // 1080p run reads as a mistake.
  zc::log::at(config_.trial ? zc::log::Level::debug : zc::log::Level::info,
              "encode: {} opened {}x{} {} {}, gop {}, {} threads, {}", codec_name_, config_.width, config_.height,
              to_string(input_.format), to_string(config_.tuning), ctx_->gop_size, ctx_->thread_count,
              describe_rate(rc_, config_.tuning));
  return {};
}

Result<void> FfmpegEncoder::fill_frame(DeviceFrame& frame, AVFrame& out) {
  return wrap_device_frame(frame, out);
}

Result<void> FfmpegEncoder::open_ahead() {
  if (state_ == State::Failed) return tl::unexpected<Error>(last_error_);
  if (state_ != State::Idle || !opens_unfed()) return {};
  return open();
}

Result<void> FfmpegEncoder::submit(DeviceFrame frame) {
  if (state_ == State::Failed) return tl::unexpected<Error>(last_error_);
  if (state_ == State::Finished) return error(Errc::internal, "submit() after finish()");
  if (auto r = check_frame(frame); !r) return r;
  if (state_ == State::Idle) {
    if (auto r = open(); !r) return r;
  }

  const int64_t pts = next_pts(frame.pts_ns);
  if (auto r = fill_frame(frame, *frame_); !r) return failed(r.error().code, r.error().message);
  frame_->pts = pts;
  if (keyframe_requested_) {
    frame_->pict_type = AV_PICTURE_TYPE_I;
    frame_->key_frame = 1;
    keyframe_requested_ = false;
  }
  auto sent = send(frame_.get());
  // keep_last: a reference (not a copy) to the picture, so repeat_last() can send it again; the
  // pooled buffer behind it goes back when the next picture replaces it.
  av_frame_unref(last_frame_.get());
  if (sent && config_.keep_last) av_frame_ref(last_frame_.get(), frame_.get());
  av_frame_unref(frame_.get());
  if (!sent) return sent;
  have_last_pts_ = true;
  last_pts_ = pts;
  return {};
}

Result<void> FfmpegEncoder::repeat_last(int64_t pts_ns) {
  if (!config_.keep_last) return error(Errc::internal, "repeat_last() without EncoderConfig::keep_last");
  if (state_ != State::Open || !last_frame_->buf[0]) return error(Errc::internal, "repeat_last() with no picture sent");
  const int64_t pts = next_pts(pts_ns);
  if (av_frame_ref(frame_.get(), last_frame_.get()) < 0) return error(Errc::internal, "out of memory");
  frame_->pts = pts;
  frame_->pict_type = AV_PICTURE_TYPE_NONE;
  frame_->key_frame = 0;
  auto sent = send(frame_.get());
  av_frame_unref(frame_.get());
  if (!sent) return sent;
  have_last_pts_ = true;
  last_pts_ = pts;
  return {};
}

int64_t FfmpegEncoder::next_pts(int64_t pts_ns) {
  int64_t pts = (pts_ns - config_.time_origin_ns) / 1000;
  if (have_last_pts_ && pts <= last_pts_) {
    // Encoders reject non-increasing timestamps; one tick later keeps the frame and the order.
    if (pts_fixups_++ == 0) {
      zc::log::warn("encode: {} capture time did not advance ({} after {} us); nudging (counted)", codec_name_, pts,
                    last_pts_);
    }
    pts = last_pts_ + 1;
  }
  return pts;
}

Result<void> FfmpegEncoder::send(AVFrame* frame) {
  int err = avcodec_send_frame(ctx_.get(), frame);
  if (err == AVERROR(EAGAIN)) {
    // The encoder wants its output read first: keep those packets for the next receive().
    if (auto r = pull(pending_, false); !r) return r;
    err = avcodec_send_frame(ctx_.get(), frame);
  }
  if (err < 0) return failed(Errc::encoder, "cannot encode: " + ffmpeg::error_text(err));
  return {};
}

Result<void> FfmpegEncoder::pull(std::vector<ffmpeg::EncodedPacket>& out, bool until_eof) {
  for (;;) {
    const int err = avcodec_receive_packet(ctx_.get(), scratch_.get());
    if (err == AVERROR(EAGAIN) && !until_eof) return {};
    if (err == AVERROR_EOF) return {};
    if (err < 0) return failed(Errc::encoder, "cannot receive a packet: " + ffmpeg::error_text(err));
    ffmpeg::EncodedPacket p;
    p.packet.reset(av_packet_alloc());
    if (!p.packet) return failed(Errc::internal, "out of memory for a packet");
    av_packet_move_ref(p.packet.get(), scratch_.get());
    p.capture_ns = config_.time_origin_ns + p.packet->pts * 1000;
    p.generation = config_.generation;
    out.push_back(std::move(p));
  }
}

Result<void> FfmpegEncoder::receive(std::vector<ffmpeg::EncodedPacket>& out) {
  for (auto& p : pending_)
    out.push_back(std::move(p));
  pending_.clear();
  if (state_ != State::Open)
    return state_ == State::Failed ? Result<void>(tl::unexpected<Error>(last_error_)) : Result<void>{};
  return pull(out, false);
}

Result<void> FfmpegEncoder::finish(std::vector<ffmpeg::EncodedPacket>& out) {
  for (auto& p : pending_)
    out.push_back(std::move(p));
  pending_.clear();
  if (state_ == State::Idle || state_ == State::Finished) {
    state_ = State::Finished;
    return {};
  }
  if (!ctx_) return tl::unexpected<Error>(last_error_);  // failed before it ever opened
  av_frame_unref(last_frame_.get());                     // the pooled buffer goes home
  const bool had_failed = state_ == State::Failed;
  int err = avcodec_send_frame(ctx_.get(), nullptr);
  if (err == AVERROR(EAGAIN)) {
    // Packets nobody received yet fill the encoder's output: take them, then flush.
    if (auto r = pull(out, false); !r) {
      state_ = State::Finished;
      return r;
    }
    err = avcodec_send_frame(ctx_.get(), nullptr);
  }
  if (err < 0 && err != AVERROR_EOF) {
    state_ = State::Finished;
    return error(Errc::encoder, "cannot flush: " + ffmpeg::error_text(err));
  }
  auto drained = pull(out, true);
  state_ = State::Finished;
  if (had_failed) return tl::unexpected<Error>(last_error_);
  return drained;
}

void FfmpegEncoder::drain_and_drop() {
  if (avcodec_send_frame(ctx_.get(), nullptr) < 0) return;
  int dropped = 0;
  while (avcodec_receive_packet(ctx_.get(), scratch_.get()) >= 0) {
    av_packet_unref(scratch_.get());
    ++dropped;
  }
  state_ = State::Finished;
  if (dropped > 0) zc::log::debug("encode: {} dropped {} packets draining at teardown", codec_name_, dropped);
}

Result<void> FfmpegEncoder::request_keyframe() {
  if (auto r = keyframe_support(rc_); !r) return r;
  keyframe_requested_ = true;
  return {};
}

Result<void> FfmpegEncoder::set_bitrate(uint32_t kbps) {
  if (kbps == 0) return error(Errc::invalid_argument, "bitrate must be above 0 kbit/s");
  const RateControl next = rate_control(config_, kbps);
  if (state_ == State::Idle) {
    config_.bitrate_kbps = kbps;
    rc_ = next;
    return {};
  }
  if (state_ != State::Open) return error(Errc::invalid_argument, "the encoder is no longer running");
  if (rc_.constant_quality) {
    return error(Errc::unsupported, "runs in constant-quality mode; a bitrate applies only to a new encoder");
  }
  if (!reconfigures_bitrate()) {
    return error(Errc::unsupported,
                 "cannot change its bitrate while running (FFmpeg 5.1 has no reconfiguration "
                 "for it); re-create the encoder");
  }
  config_.bitrate_kbps = kbps;
  rc_ = next;
  apply_rate_control(rc_, *ctx_);  // FFmpeg's wrapper reconfigures on the next frame
  zc::log::info("encode: {} bitrate now {}", codec_name_, describe_rate(rc_, config_.tuning));
  return {};
}

}  // namespace zc::encode
