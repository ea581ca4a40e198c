#include "encode/audio_encoder.hpp"

#include <algorithm>
#include <string>

#include "core/log.hpp"

#include "ffmpeg/error.hpp"
#include "ffmpeg/handles.hpp"

namespace zc::encode {
namespace {

constexpr const char* kStage = "encode:audio";

// libopus takes interleaved floats; FFmpeg's aac planar ones.
AVSampleFormat pick_format(const AVCodec& codec) {
  AVSampleFormat fallback = AV_SAMPLE_FMT_NONE;
  for (const AVSampleFormat* f = codec.sample_fmts; f && *f != AV_SAMPLE_FMT_NONE; ++f) {
    if (*f == AV_SAMPLE_FMT_FLT) return *f;
    if (*f == AV_SAMPLE_FMT_FLTP) fallback = *f;
  }
  return fallback;
}

class FfmpegAudioEncoder final : public AudioEncoder {
 public:
  explicit FfmpegAudioEncoder(const AudioEncoderConfig& config) : config_(config) {}

  Result<void> open() {
    const char* name = config_.codec == AudioCodec::Opus ? "libopus" : "aac";
    const AVCodec* codec = avcodec_find_encoder_by_name(name);
    if (!codec) return fail(Errc::not_found, kStage, std::string(name) + " is not in this FFmpeg build");
    const AVSampleFormat format = pick_format(*codec);
    if (format == AV_SAMPLE_FMT_NONE)
      return fail(Errc::unsupported, kStage, std::string(name) + " takes no float samples");
    ctx_.reset(avcodec_alloc_context3(codec));
    if (!ctx_) return fail(Errc::internal, kStage, "out of memory");
    ctx_->sample_rate = static_cast<int>(config_.sample_rate);
    av_channel_layout_default(&ctx_->ch_layout, static_cast<int>(config_.channels));
    ctx_->sample_fmt = format;
    ctx_->bit_rate = static_cast<int64_t>(config_.bitrate_kbps ? config_.bitrate_kbps : 128) * 1000;
    ctx_->time_base = AVRational{1, static_cast<int>(config_.sample_rate)};
    ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // mkv, mp4, FLV want the config in the header
    if (int err = avcodec_open2(ctx_.get(), codec, nullptr); err < 0) {
      return fail(Errc::invalid_argument, kStage,
                  std::string(name) + " refused " + std::to_string(config_.sample_rate) + " Hz, " +
                      std::to_string(config_.channels) + " channels: " + ffmpeg::error_text(err));
    }
    frame_size_ = ctx_->frame_size > 0 ? static_cast<uint32_t>(ctx_->frame_size) : 960;
    frame_.reset(av_frame_alloc());
    frame_->format = format;
    frame_->sample_rate = ctx_->sample_rate;
    frame_->nb_samples = static_cast<int>(frame_size_);
    if (av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout) < 0 || av_frame_get_buffer(frame_.get(), 0) < 0) {
      return fail(Errc::internal, kStage, "out of memory");
    }
    ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
    if (!params || avcodec_parameters_from_context(params.get(), ctx_.get()) < 0) {
      return fail(Errc::internal, kStage, "out of memory");
    }
    info_.kind = ffmpeg::StreamKind::audio;
    info_.index = config_.index;
    info_.params = std::move(params);
    info_.time_base = ctx_->time_base;
    info_.encoder = codec->name;
    zc::log::info("{}: {} {} Hz, {} channels, {} kbit/s, {} samples per packet", kStage, codec->name,
                  config_.sample_rate, config_.channels, ctx_->bit_rate / 1000, frame_size_);
    return {};
  }

  std::string_view name() const override { return info_.encoder; }
  const ffmpeg::StreamInfo& stream_info() const override { return info_; }
  uint32_t frame_size() const override { return frame_size_; }
  void set_time_origin(int64_t time_origin_ns) override { config_.time_origin_ns = time_origin_ns; }

  Result<void> submit(std::span<const float> interleaved, int64_t pts_ns) override {
    if (!started_) {
      started_ = true;
      next_pts_ = av_rescale(pts_ns - config_.time_origin_ns, config_.sample_rate, 1'000'000'000);
    }
    pending_.insert(pending_.end(), interleaved.begin(), interleaved.end());
    const size_t per_frame = static_cast<size_t>(frame_size_) * config_.channels;
    size_t used = 0;
    while (pending_.size() - used >= per_frame) {
      if (auto ok = send(pending_.data() + used, frame_size_); !ok) return ok;
      used += per_frame;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(used));
    return {};
  }

  Result<void> receive(std::vector<ffmpeg::EncodedPacket>& out) override {
    for (auto& p : ready_)
      out.push_back(std::move(p));
    ready_.clear();
    return take_packets(out);
  }

  Result<void> take_packets(std::vector<ffmpeg::EncodedPacket>& out) {
    for (;;) {
      ffmpeg::PacketPtr pkt(av_packet_alloc());
      if (!pkt) return fail(Errc::internal, kStage, "out of memory");
      const int err = avcodec_receive_packet(ctx_.get(), pkt.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return {};
      if (err < 0) return fail(Errc::internal, kStage, "receive: " + ffmpeg::error_text(err));
      ffmpeg::EncodedPacket p;
      p.capture_ns = config_.time_origin_ns + av_rescale(pkt->pts, 1'000'000'000, config_.sample_rate);
      p.stream = config_.index;
      p.packet = std::move(pkt);
      out.push_back(std::move(p));
    }
  }

  Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) override {
    if (finished_) return {};
    finished_ = true;
    const auto left = static_cast<uint32_t>(pending_.size() / config_.channels);
    if (left > 0) {
      // A short last frame where the codec takes one, else silence up to a whole frame.
      const bool small_ok = (ctx_->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
      if (!small_ok) pending_.resize(static_cast<size_t>(frame_size_) * config_.channels, 0.0f);
      if (auto ok = send(pending_.data(), small_ok ? left : frame_size_); !ok) return ok;
      pending_.clear();
    }
    if (int err = avcodec_send_frame(ctx_.get(), nullptr); err < 0 && err != AVERROR_EOF) {
      return fail(Errc::internal, kStage, "drain: " + ffmpeg::error_text(err));
    }
    return receive(out);
  }

 private:
  Result<void> send(const float* samples, uint32_t count) {
    if (av_frame_make_writable(frame_.get()) < 0) return fail(Errc::internal, kStage, "out of memory");
    frame_->nb_samples = static_cast<int>(count);
    const uint32_t ch = config_.channels;
    if (frame_->format == AV_SAMPLE_FMT_FLT) {
      std::copy_n(samples, static_cast<size_t>(count) * ch, reinterpret_cast<float*>(frame_->data[0]));
    } else {
      for (uint32_t c = 0; c < ch; ++c) {
        auto* plane = reinterpret_cast<float*>(frame_->extended_data[c]);
        for (uint32_t i = 0; i < count; ++i)
          plane[i] = samples[static_cast<size_t>(i) * ch + c];
      }
    }
    frame_->pts = next_pts_;
    next_pts_ += count;
    int err = avcodec_send_frame(ctx_.get(), frame_.get());
    if (err == AVERROR(EAGAIN)) {
      // Its output is full (a submit of many frames at once): take what is ready, then send.
      if (auto ok = take_packets(ready_); !ok) return ok;
      err = avcodec_send_frame(ctx_.get(), frame_.get());
    }
    if (err < 0) return fail(Errc::internal, kStage, "send: " + ffmpeg::error_text(err));
    return {};
  }

  AudioEncoderConfig config_;
  ffmpeg::CodecContextPtr ctx_;
  ffmpeg::FramePtr frame_;  // reused: made writable before each fill
  ffmpeg::StreamInfo info_;
  uint32_t frame_size_ = 0;
  std::vector<float> pending_;                // interleaved samples short of a whole frame
  std::vector<ffmpeg::EncodedPacket> ready_;  // received while sending, handed out by the next receive()
  int64_t next_pts_ = 0;                      // in samples since the origin
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

std::string_view to_string(AudioCodec c) {
  return c == AudioCodec::Opus ? "opus" : "aac";
}

Result<AudioCodec> audio_codec_from_string(std::string_view name) {
  if (name == "opus") return AudioCodec::Opus;
  if (name == "aac") return AudioCodec::AAC;
  return fail(Errc::invalid_argument, kStage, "unknown audio codec '" + std::string(name) + "' (opus or aac)");
}

AVCodecID codec_id(AudioCodec c) {
  return c == AudioCodec::Opus ? AV_CODEC_ID_OPUS : AV_CODEC_ID_AAC;
}

Result<std::unique_ptr<AudioEncoder>> make_audio_encoder(const AudioEncoderConfig& config) {
  if (config.channels == 0 || config.channels > 8 || config.sample_rate == 0) {
    return fail(Errc::invalid_argument, kStage, "audio needs 1 to 8 channels and a sample rate");
  }
  auto encoder = std::make_unique<FfmpegAudioEncoder>(config);
  if (auto ok = encoder->open(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<AudioEncoder>(std::move(encoder));
}

}  // namespace zc::encode
