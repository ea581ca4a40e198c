#include "support/decode.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mastering_display_metadata.h>
}

#include "ffmpeg/error.hpp"
#include "ffmpeg/handles.hpp"

namespace zc::test {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};

// Reads FFmpeg's HDR10 structs (side data of a stream or a frame) into `into`.
void read_hdr(const uint8_t* display, const uint8_t* light, Hdr10Seen& into) {
  if (display) {
    const auto* m = reinterpret_cast<const AVMasteringDisplayMetadata*>(display);
    into.display = m->has_primaries && m->has_luminance;
    into.red_x = av_q2d(m->display_primaries[0][0]);
    into.red_y = av_q2d(m->display_primaries[0][1]);
    into.green_x = av_q2d(m->display_primaries[1][0]);
    into.green_y = av_q2d(m->display_primaries[1][1]);
    into.blue_x = av_q2d(m->display_primaries[2][0]);
    into.blue_y = av_q2d(m->display_primaries[2][1]);
    into.white_x = av_q2d(m->white_point[0]);
    into.white_y = av_q2d(m->white_point[1]);
    into.max_luminance = av_q2d(m->max_luminance);
    into.min_luminance = av_q2d(m->min_luminance);
  }
  if (light) {
    const auto* l = reinterpret_cast<const AVContentLightMetadata*>(light);
    into.light = true;
    into.max_cll = l->MaxCLL;
    into.max_fall = l->MaxFALL;
  }
}

}  // namespace

DecodeResult decode_file(const std::string& path, const std::function<void(const AVFrame&)>& on_frame) {
  DecodeResult result;
  AVFormatContext* raw = nullptr;
  if (int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); err < 0) {
    result.error = "open " + path + ": " + ffmpeg::error_text(err);
    return result;
  }
  std::unique_ptr<AVFormatContext, FormatCloser> fmt(raw);
  if (int err = avformat_find_stream_info(fmt.get(), nullptr); err < 0) {
    result.error = "stream info: " + ffmpeg::error_text(err);
    return result;
  }
  result.container = fmt->iformat->name;
  const int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) {
    result.error = "no video stream";
    return result;
  }
  AVStream* stream = fmt->streams[index];
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) {
    result.error = "no decoder";
    return result;
  }
  result.codec = codec->name;
  result.color_range = stream->codecpar->color_range;
  result.color_space = stream->codecpar->color_space;
  result.color_primaries = stream->codecpar->color_primaries;
  result.color_trc = stream->codecpar->color_trc;
  read_hdr(av_stream_get_side_data(stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, nullptr),
           av_stream_get_side_data(stream, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, nullptr), result.container_hdr);
  ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(ctx.get(), stream->codecpar);
  ctx->thread_count = 2;
  if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0) {
    result.error = "open decoder: " + ffmpeg::error_text(err);
    return result;
  }
  ffmpeg::PacketPtr pkt(av_packet_alloc());
  ffmpeg::FramePtr frame(av_frame_alloc());
  int64_t first_pts = AV_NOPTS_VALUE;

  auto drain = [&]() {
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      DecodedFrame d;
      const int64_t ts = frame->best_effort_timestamp;
      if (ts != AV_NOPTS_VALUE) {
        if (first_pts == AV_NOPTS_VALUE) first_pts = ts;
        d.pts_us = av_rescale_q(ts - first_pts, stream->time_base, AVRational{1, 1000000});
      }
      d.width = static_cast<uint32_t>(frame->width);
      d.height = static_cast<uint32_t>(frame->height);
      d.keyframe = frame->key_frame != 0;
      if (result.color_range == AVCOL_RANGE_UNSPECIFIED) result.color_range = frame->color_range;
      if (result.color_space == AVCOL_SPC_UNSPECIFIED) result.color_space = frame->colorspace;
      if (result.frames.empty()) {
        const AVFrameSideData* display = av_frame_get_side_data(frame.get(), AV_FRAME_DATA_MASTERING_DISPLAY_METADATA);
        const AVFrameSideData* light = av_frame_get_side_data(frame.get(), AV_FRAME_DATA_CONTENT_LIGHT_LEVEL);
        read_hdr(display ? display->data : nullptr, light ? light->data : nullptr, result.frame_hdr);
      }
      if (on_frame) on_frame(*frame);
      result.frames.push_back(d);
      av_frame_unref(frame.get());
    }
  };

  while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == index) {
      if (avcodec_send_packet(ctx.get(), pkt.get()) < 0) ++result.decode_errors;
      drain();
    }
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(ctx.get(), nullptr);
  drain();
  result.ok = true;
  return result;
}

namespace {

// Appends channel `ch` of a decoded float frame (packed or planar), if it has one.
void keep_channel(const AVFrame& frame, int ch, std::vector<float>& out) {
  const auto fmt = static_cast<AVSampleFormat>(frame.format);
  if (fmt != AV_SAMPLE_FMT_FLT && fmt != AV_SAMPLE_FMT_FLTP) return;
  if (ch >= frame.ch_layout.nb_channels) return;
  const bool packed = fmt == AV_SAMPLE_FMT_FLT;
  const auto* data = reinterpret_cast<const float*>(frame.extended_data[packed ? 0 : ch]) + (packed ? ch : 0);
  const int step = packed ? frame.ch_layout.nb_channels : 1;
  for (int i = 0; i < frame.nb_samples; ++i)
    out.push_back(data[static_cast<ptrdiff_t>(i) * step]);
}

}  // namespace

StreamsProbe probe_streams(const std::string& path, bool keep_samples) {
  StreamsProbe probe;
  AVFormatContext* raw = nullptr;
  if (int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); err < 0) {
    probe.error = "open " + path + ": " + ffmpeg::error_text(err);
    return probe;
  }
  std::unique_ptr<AVFormatContext, FormatCloser> fmt(raw);
  if (int err = avformat_find_stream_info(fmt.get(), nullptr); err < 0) {
    probe.error = "stream info: " + ffmpeg::error_text(err);
    return probe;
  }
  probe.container = fmt->iformat->name;
  std::vector<ffmpeg::CodecContextPtr> decoders(fmt->nb_streams);
  std::vector<int64_t> last_dts(fmt->nb_streams, AV_NOPTS_VALUE);
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVCodecParameters& par = *fmt->streams[i]->codecpar;
    StreamSummary s;
    s.audio = par.codec_type == AVMEDIA_TYPE_AUDIO;
    s.codec = avcodec_get_name(par.codec_id);
    s.sample_rate = par.sample_rate;
    s.channels = par.ch_layout.nb_channels;
    s.first_pts_us = INT64_MAX;
    s.end_us = INT64_MIN;
    probe.streams.push_back(s);
    if (!s.audio) continue;
    const AVCodec* codec = avcodec_find_decoder(par.codec_id);
    if (!codec) continue;
    decoders[i].reset(avcodec_alloc_context3(codec));
    avcodec_parameters_to_context(decoders[i].get(), &par);
    if (avcodec_open2(decoders[i].get(), codec, nullptr) < 0) decoders[i].reset();
  }
  ffmpeg::PacketPtr pkt(av_packet_alloc());
  ffmpeg::FramePtr frame(av_frame_alloc());
  auto drain = [&](unsigned i) {
    while (avcodec_receive_frame(decoders[i].get(), frame.get()) == 0) {
      probe.streams[i].decoded_samples += frame->nb_samples;
      if (keep_samples) {
        keep_channel(*frame, 0, probe.streams[i].samples);
        keep_channel(*frame, 1, probe.streams[i].samples_ch1);
      }
      av_frame_unref(frame.get());
    }
  };
  while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
    const auto i = static_cast<unsigned>(pkt->stream_index);
    StreamSummary& s = probe.streams[i];
    const AVRational tb = fmt->streams[i]->time_base;
    ++s.packets;
    s.sizes.push_back(pkt->size);
    if (pkt->pts != AV_NOPTS_VALUE) {
      s.first_pts_us = std::min(s.first_pts_us, av_rescale_q(pkt->pts, tb, AVRational{1, 1000000}));
      s.end_us = std::max(s.end_us, av_rescale_q(pkt->pts + pkt->duration, tb, AVRational{1, 1000000}));
    }
    if (pkt->dts != AV_NOPTS_VALUE) {
      if (last_dts[i] != AV_NOPTS_VALUE && pkt->dts <= last_dts[i]) s.dts_increasing = false;
      last_dts[i] = pkt->dts;
    }
    if (decoders[i]) {
      if (avcodec_send_packet(decoders[i].get(), pkt.get()) < 0) ++s.decode_errors;
      drain(i);
    }
    av_packet_unref(pkt.get());
  }
  for (unsigned i = 0; i < decoders.size(); ++i) {
    if (!decoders[i]) continue;
    avcodec_send_packet(decoders[i].get(), nullptr);
    drain(i);
  }
  probe.ok = true;
  return probe;
}

}  // namespace zc::test
