#include "av_sync.hpp"

#include <cmath>
#include <memory>
#include <optional>
#include <sstream>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "ffmpeg/handles.hpp"
#include "testsrc/pattern.hpp"

namespace zc::test {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};

ffmpeg::CodecContextPtr open_decoder(const AVStream& st) {
  const AVCodec* codec = avcodec_find_decoder(st.codecpar->codec_id);
  if (!codec) return nullptr;
  ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(ctx.get(), st.codecpar);
  ctx->pkt_timebase = st.time_base;
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return nullptr;
  return ctx;
}

// Click onsets: a sample past the threshold after at least 20 ms under it, confirmed when a
// tenth of the millisecond that follows is past it too (a click is a 1 ms burst; a codec's
// start-up transient is not).
struct OnsetFinder {
  static constexpr float kLevel = 0.2f;
  int64_t quiet_for = 1'000'000;  // samples under the threshold so far
  int pending_left = 0;           // samples of the candidate's confirmation window still to see
  int pending_loud = 0;
  double candidate_s = 0;
  std::vector<double> onsets_s;
  void feed(const AVFrame& f, double first_s) {
    const auto fmt = static_cast<AVSampleFormat>(f.format);
    const auto* data = reinterpret_cast<const float*>(f.extended_data[0]);
    const int step = fmt == AV_SAMPLE_FMT_FLT ? f.ch_layout.nb_channels : 1;
    const int window = f.sample_rate / 1000;
    for (int i = 0; i < f.nb_samples; ++i) {
      const bool loud = std::fabs(data[static_cast<ptrdiff_t>(i) * step]) > kLevel;
      if (pending_left > 0) {
        pending_loud += loud ? 1 : 0;
        if (--pending_left == 0 && pending_loud >= window / 10) onsets_s.push_back(candidate_s);
      } else if (loud && quiet_for >= f.sample_rate / 50) {
        candidate_s = first_s + static_cast<double>(i) / f.sample_rate;
        pending_left = window;
        pending_loud = 1;
      }
      quiet_for = loud ? 0 : quiet_for + 1;
    }
  }
};

}  // namespace

double AvOffsets::worst_ms() const {
  double w = 0;
  for (double o : offsets_ms)
    w = std::max(w, std::fabs(o));
  return w;
}

std::string AvOffsets::describe() const {
  std::ostringstream s;
  s << error << " marked frames " << marked_frames << ", clicks " << clicks << ", matched " << offsets_ms.size()
    << ", video " << video_s << " s, audio " << audio_s << " s; offsets (ms at s):";
  for (size_t i = 0; i < offsets_ms.size(); ++i)
    s << " " << std::round(offsets_ms[i] * 10) / 10 << "@" << std::round(at_s[i] * 10) / 10;
  return s.str();
}

AvOffsets measure_av_offsets(const std::string& path, uint32_t mark_every) {
  AvOffsets out;
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0) {
    out.error = "cannot open " + path;
    return out;
  }
  std::unique_ptr<AVFormatContext, FormatCloser> fmt(raw);
  avformat_find_stream_info(fmt.get(), nullptr);
  const int vi = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  // The first audio track: the test source's, where each source has its own.
  int ai = -1;
  for (unsigned i = 0; i < fmt->nb_streams && ai < 0; ++i) {
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) ai = static_cast<int>(i);
  }
  if (vi < 0 || ai < 0) {
    out.error = "no video or no audio stream";
    return out;
  }
  ffmpeg::CodecContextPtr vdec = open_decoder(*fmt->streams[vi]);
  ffmpeg::CodecContextPtr adec = open_decoder(*fmt->streams[ai]);
  if (!vdec || !adec) {
    out.error = "no decoder";
    return out;
  }
  const double vtb = av_q2d(fmt->streams[vi]->time_base);
  std::vector<double> marked_s;
  std::optional<double> first_video_s;
  double last_video_s = 0, frame_s = 0;
  OnsetFinder onsets;
  ffmpeg::PacketPtr pkt(av_packet_alloc());
  ffmpeg::FramePtr frame(av_frame_alloc());
  auto drain = [&](AVCodecContext* dec, bool video) {
    while (avcodec_receive_frame(dec, frame.get()) == 0) {
      const int64_t ts = frame->best_effort_timestamp;
      if (video) {
        const double t = static_cast<double>(ts) * vtb;
        if (first_video_s) frame_s = t - last_video_s;
        if (!first_video_s) first_video_s = t;
        last_video_s = t;
        auto n = testsrc::read_number_luma(frame->data[0], static_cast<uint32_t>(frame->linesize[0]),
                                           static_cast<uint32_t>(frame->width), static_cast<uint32_t>(frame->height));
        if (n && *n % mark_every == 0) marked_s.push_back(t);
      } else {
        // Audio frames carry their presentation time in 1/sample_rate (pkt_timebase rescaled).
        const double t = static_cast<double>(ts) * av_q2d(fmt->streams[ai]->time_base);
        onsets.feed(*frame, t);
        out.audio_s += static_cast<double>(frame->nb_samples) / frame->sample_rate;
      }
      av_frame_unref(frame.get());
    }
  };
  while (av_read_frame(fmt.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == vi || pkt->stream_index == ai) {
      AVCodecContext* dec = pkt->stream_index == vi ? vdec.get() : adec.get();
      avcodec_send_packet(dec, pkt.get());
      drain(dec, pkt->stream_index == vi);
    }
    av_packet_unref(pkt.get());
  }
  avcodec_send_packet(vdec.get(), nullptr);
  drain(vdec.get(), true);
  avcodec_send_packet(adec.get(), nullptr);
  drain(adec.get(), false);

  // The last picture lasts a nominal frame (its stream's rate) when the file says one.
  const AVRational rate = fmt->streams[vi]->avg_frame_rate;
  if (rate.num > 0 && rate.den > 0) frame_s = av_q2d(av_inv_q(rate));
  out.video_s = first_video_s ? last_video_s - *first_video_s + frame_s : 0;
  out.marked_frames = static_cast<int>(marked_s.size());
  out.clicks = static_cast<int>(onsets.onsets_s.size());
  for (double m : marked_s) {
    double best = 1e9;
    for (double c : onsets.onsets_s)
      if (std::fabs(c - m) < std::fabs(best)) best = c - m;
    if (std::fabs(best) < 0.2) {
      out.offsets_ms.push_back(best * 1000.0);
      out.at_s.push_back(m - first_video_s.value_or(0));
    }
  }
  return out;
}

}  // namespace zc::test
