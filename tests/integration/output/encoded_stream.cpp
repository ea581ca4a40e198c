#include "encoded_stream.hpp"

#include "support/skip.hpp"

#include "encode/audio_encoder.hpp"
#include "ffmpeg/handles.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
}

namespace zc::test {
namespace {

constexpr int kBits = 10;   // frame numbers up to 1023
constexpr int kBlock = 16;  // one bit per 16x16 luma block: survives any sane quantiser

void draw(AVFrame& frame, int number) {
  for (int y = 0; y < frame.height; ++y) {
    uint8_t* row = frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0];
    for (int x = 0; x < frame.width; ++x)
      row[x] = static_cast<uint8_t>(64 + ((x + y + number * 3) & 63));
  }
  for (int bit = 0; bit < kBits; ++bit) {
    const uint8_t value = (number >> bit) & 1 ? 235 : 16;
    for (int y = 0; y < kBlock; ++y) {
      uint8_t* row = frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0] + bit * kBlock;
      for (int x = 0; x < kBlock; ++x)
        row[x] = value;
    }
  }
  for (int plane = 1; plane < 3; ++plane) {
    for (int y = 0; y < frame.height / 2; ++y) {
      uint8_t* row = frame.data[plane] + static_cast<ptrdiff_t>(y) * frame.linesize[plane];
      for (int x = 0; x < frame.width / 2; ++x)
        row[x] = 128;
    }
  }
}

}  // namespace

std::optional<EncodedStream> encode_frames(const EncodeSpec& spec) {
  const AVCodec* codec = avcodec_find_encoder_by_name(spec.encoder.c_str());
  if (!codec) return std::nullopt;
  ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->width = spec.width;
  ctx->height = spec.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = {1, 1000000};
  ctx->framerate = {spec.fps, 1};
  ctx->gop_size = spec.gop;
  ctx->max_b_frames = 0;
  ctx->thread_count = 1;
  ctx->bit_rate = 400000;
  if (spec.encoder == "libx264") {
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
    av_opt_set(ctx->priv_data, "x264-params", "scenecut=0", 0);
  } else if (spec.encoder == "libx265") {
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
    av_opt_set(ctx->priv_data, "x265-params", "scenecut=0:log-level=error:pools=1:frame-threads=1", 0);
  } else if (spec.encoder == "libsvtav1") {
    av_opt_set(ctx->priv_data, "preset", "12", 0);
    av_opt_set(ctx->priv_data, "svtav1-params", "lp=1", 0);
  }
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return std::nullopt;

  EncodedStream out;
  ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
  avcodec_parameters_from_context(params.get(), ctx.get());
  out.info.params = std::move(params);
  out.info.time_base = ctx->time_base;
  out.info.frame_rate = ctx->framerate;
  out.info.encoder = spec.encoder;
  out.info.generation = spec.generation;
  out.frame_us = 1000000 / spec.fps;

  ffmpeg::FramePtr frame(av_frame_alloc());
  frame->width = spec.width;
  frame->height = spec.height;
  frame->format = AV_PIX_FMT_YUV420P;
  if (av_frame_get_buffer(frame.get(), 0) < 0) throw std::runtime_error("av_frame_get_buffer");

  auto receive = [&] {
    for (;;) {
      ffmpeg::PacketPtr pkt(av_packet_alloc());
      if (avcodec_receive_packet(ctx.get(), pkt.get()) < 0) return;
      ffmpeg::EncodedPacket p;
      p.capture_ns = pkt->pts * 1000;
      p.generation = spec.generation;
      p.packet = std::move(pkt);
      out.packets.push_back(std::move(p));
    }
  };
  for (int i = 0; i < spec.frames; ++i) {
    if (av_frame_make_writable(frame.get()) < 0) throw std::runtime_error("av_frame_make_writable");
    draw(*frame, spec.first_number + i);
    frame->pts = spec.start_us + static_cast<int64_t>(i) * out.frame_us;
    if (avcodec_send_frame(ctx.get(), frame.get()) < 0) throw std::runtime_error("avcodec_send_frame");
    receive();
  }
  avcodec_send_frame(ctx.get(), nullptr);  // always drain (SVT-AV1 must not be freed mid-stream)
  receive();
  return out;
}

EncodedStream encode_or_skip(const EncodeSpec& spec) {
  auto stream = encode_frames(spec);
  if (!stream) ZC_SKIP(spec.encoder + " is not available in this FFmpeg build");
  return std::move(*stream);
}

std::optional<EncodedStream> encode_tone(const ToneSpec& spec) {
  encode::AudioEncoderConfig config;
  auto codec = encode::audio_codec_from_string(spec.codec);
  if (!codec) return std::nullopt;
  config.codec = *codec;
  config.index = spec.index;
  auto encoder = encode::make_audio_encoder(config);
  if (!encoder) return std::nullopt;
  EncodedStream out;
  out.info = (*encoder)->stream_info();
  out.info.generation = spec.generation;
  out.frame_us = static_cast<int64_t>((*encoder)->frame_size()) * 1000000 / 48000;
  const auto total = static_cast<size_t>(spec.seconds * 48000);
  constexpr size_t kBlock = 480;  // 10 ms, as PipeWire hands them over
  std::vector<float> block(kBlock * 2);
  for (size_t done = 0; done < total; done += kBlock) {
    const size_t n = std::min(kBlock, total - done);
    for (size_t i = 0; i < n; ++i) {
      const auto v =
          static_cast<float>(0.25 * std::sin(2.0 * M_PI * spec.hz * static_cast<double>(done + i) / 48000.0));
      block[2 * i] = block[2 * i + 1] = v;
    }
    const int64_t pts_ns = (spec.start_us + static_cast<int64_t>(done) * 1000000 / 48000) * 1000;
    if (!(*encoder)->submit(std::span<const float>(block.data(), n * 2), pts_ns)) return std::nullopt;
    if (!(*encoder)->receive(out.packets)) return std::nullopt;
  }
  if (!(*encoder)->finish(out.packets)) return std::nullopt;
  for (auto& p : out.packets)
    p.generation = spec.generation;
  return out;
}

int64_t handed_over_us(const EncodedStream& stream, const ffmpeg::EncodedPacket& packet, int64_t video_delay_us) {
  const AVPacket& p = *packet.packet;
  if (packet.video()) return av_rescale_q(p.dts, stream.info.time_base, AVRational{1, 1000000}) + video_delay_us;
  return av_rescale_q(p.pts + p.duration, stream.info.time_base, AVRational{1, 1000000});
}

std::vector<const ffmpeg::EncodedPacket*> session_order(const EncodedStream& video, const EncodedStream& audio,
                                                        int64_t video_delay_us) {
  std::vector<const ffmpeg::EncodedPacket*> order;
  size_t v = 0, a = 0;
  while (v < video.packets.size() || a < audio.packets.size()) {
    const bool take_video = a == audio.packets.size() ||
                            (v < video.packets.size() && handed_over_us(video, video.packets[v], video_delay_us) <=
                                                             handed_over_us(audio, audio.packets[a], video_delay_us));
    order.push_back(take_video ? &video.packets[v++] : &audio.packets[a++]);
  }
  return order;
}

int read_frame_number(const AVFrame& frame) {
  if (frame.width < kBits * kBlock || frame.height < kBlock) return -1;
  int number = 0;
  for (int bit = 0; bit < kBits; ++bit) {
    int sum = 0;
    for (int y = 4; y < kBlock - 4; ++y) {
      const uint8_t* row = frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0] + bit * kBlock;
      for (int x = 4; x < kBlock - 4; ++x)
        sum += row[x];
    }
    if (sum / 64 > 128) number |= 1 << bit;
  }
  return number;
}

}  // namespace zc::test
