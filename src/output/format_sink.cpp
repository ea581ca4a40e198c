#include "output/format_sink.hpp"

#include <cassert>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "ffmpeg/error.hpp"

namespace zc::output {

// Arms the interrupt callback's deadline for one blocking operation (network targets only: a
// slow local disk is not a dead peer).
class FormatSink::Deadline {
 public:
  Deadline(FormatSink& sink, std::chrono::milliseconds timeout) : sink_(sink) {
    if (sink_.target_.network()) {
      sink_.deadline_ns_.store(monotonic_ns() + std::chrono::nanoseconds(timeout).count(), std::memory_order_relaxed);
    }
  }
  ~Deadline() { sink_.deadline_ns_.store(0, std::memory_order_relaxed); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  FormatSink& sink_;
};

FormatSink::FormatSink(Target target, FormatOptions options)
    : target_(std::move(target)), options_(options), work_(av_packet_alloc()) {
  log::add_url_secrets(target_.location);
}

FormatSink::~FormatSink() {
  if (state_ == State::closed) return;
  if (auto r = close(); !r) zc::log::warn("{}: close: {}", stage(), r.error().message);
}

int FormatSink::interrupt_cb(void* opaque) {
  auto* self = static_cast<FormatSink*>(opaque);
  if (self->interrupted_.load(std::memory_order_relaxed)) return 1;
  const int64_t deadline = self->deadline_ns_.load(std::memory_order_relaxed);
  return deadline != 0 && monotonic_ns() > deadline ? 1 : 0;
}

std::string FormatSink::stage() const {
  return std::string("output:") + transport_name(target_.transport);
}

SinkStats FormatSink::stats() const {
  return {packets_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed),
          dropped_.load(std::memory_order_relaxed), errors_.load(std::memory_order_relaxed)};
}

std::optional<Error> FormatSink::failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_;
}

Error FormatSink::current_failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_.value_or(Error{Errc::internal, stage(), describe() + " has failed"});
}

std::string FormatSink::next_path() const {
  if (files_.empty()) return target_.location;
  const std::filesystem::path path(target_.location);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%03zu", files_.size());
  return (path.parent_path() / (path.stem().string() + suffix + path.extension().string())).string();
}

Error FormatSink::io_error(int err, const std::string& what) const {
  Errc code = Errc::io;
  std::string text = ffmpeg::error_text(err);
  if (err == AVERROR_EXIT) {
    const bool cancelled = interrupted_.load(std::memory_order_relaxed);
    code = cancelled ? Errc::cancelled : Errc::timeout;
    text = cancelled ? "interrupted" : "no progress within the I/O timeout";
  } else if (err == AVERROR(ETIMEDOUT)) {
    code = Errc::timeout;
  }
  // FFmpeg's own text never holds the URL, but scrub it anyway: it leaves by errors and D-Bus.
  return Error{code, stage(), log::scrub(what + " " + describe() + ": " + text)};
}

tl::unexpected<Error> FormatSink::failed(Error error) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  zc::log::error("{}", error.describe());
  // Without the trailer: everything flushed so far stays playable, and a dead peer gets no more
  // blocking writes.
  ctx_.reset();
  av_streams_.clear();
  state_ = State::failed;
  {
    std::lock_guard lock(failure_mutex_);
    failure_ = error;
  }
  return tl::unexpected<Error>(std::move(error));
}

namespace {

// Audio held while the muxer waits for its first video keyframe: a few seconds of Opus/AAC frames.
constexpr size_t kMaxHeld = 256;

bool same_video_codec(const ffmpeg::StreamList& a, const ffmpeg::StreamList& b) {
  return a.size() == b.size() && a.front().params->codec_id == b.front().params->codec_id;
}

}  // namespace

int64_t FormatSink::time_us(const ffmpeg::EncodedPacket& packet, int64_t ts) const {
  return av_rescale_q(ts, streams_[packet.stream].time_base, AV_TIME_BASE_Q);
}

Result<void> FormatSink::begin(const ffmpeg::StreamList& streams) {
  assert(!streams.empty() && streams.front().kind == ffmpeg::StreamKind::video && "begin() without the video stream");
  for (size_t i = 0; i < streams.size(); ++i)
    assert(streams[i].params && streams[i].index == i && "StreamList out of order or without parameters");
  if (state_ == State::failed) return tl::unexpected<Error>(current_failure());
  if (state_ == State::closed) return fail(Errc::internal, stage(), "begin() after close() on " + describe());
  if (!streams_.empty() && ffmpeg::generation_of(streams_) == ffmpeg::generation_of(streams)) {
    streams_ = streams;
    return {};
  }
  const bool continue_in_place = !streams_.empty() && target_.network() && same_video_codec(streams_, streams);
  streams_ = streams;
  need_keyframe_ = true;
  held_.clear();
  rolled_ = false;
  if (!ctx_) return {};
  if (continue_in_place) {
    // The peer keeps its connection; the new parameter sets travel in-band (and for FLV as new
    // extradata on the first keyframe). Audio goes on in the same muxer meanwhile.
    new_extradata_pending_ = true;
    zc::log::info("{}: {} continues with generation {} ({}x{})", stage(), describe(), ffmpeg::generation_of(streams),
                  streams.front().params->width, streams.front().params->height);
    return {};
  }
  if (auto r = close_muxer(); !r) return failed(r.error());
  rolled_ = true;
  state_ = State::idle;
  return {};
}

Result<void> FormatSink::write(const ffmpeg::EncodedPacket& packet) {
  if (state_ == State::failed) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return tl::unexpected<Error>(current_failure());
  }
  if (state_ == State::closed) return fail(Errc::internal, stage(), "write() after close() on " + describe());
  assert(!streams_.empty() && packet.packet && "write() before begin() or without a packet");
  if (streams_.empty() || !packet.packet || packet.generation != ffmpeg::generation_of(streams_) ||
      packet.stream >= streams_.size()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  if (!packet.video()) {
    if (!ctx_) {
      hold(packet);
      return {};
    }
    // Audio encoded before the file's first keyframe but handed over after it (the audio
    // encoder runs a frame or two behind): over before time 0, it has no place in this file (a
    // new peer would get it at negative times, which MPEG-TS wraps to 26 hours).
    const AVPacket& a = *packet.packet;
    if (a.pts != AV_NOPTS_VALUE && time_us(packet, a.pts + a.duration) <= ts_offset_us_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return {};
    }
    return mux(packet);
  }
  if (need_keyframe_ && !packet.keyframe()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  need_keyframe_ = false;
  if (!ctx_) {
    if (auto r = start(packet); !r) return r;
  }
  return mux(packet);
}

void FormatSink::hold(const ffmpeg::EncodedPacket& packet) {
  if (held_.size() == kMaxHeld) {
    held_.pop_front();
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  held_.push_back(packet.share());
}

Result<void> FormatSink::start(const ffmpeg::EncodedPacket& keyframe) {
  // Time 0 of the file: the keyframe, or the first held audio of a file that continues one just
  // closed (so its audio goes on without a gap). A fresh start keeps only audio still playing at
  // the keyframe: video and audio begin together.
  const AVPacket& key = *keyframe.packet;
  int64_t zero = time_us(keyframe, key.dts != AV_NOPTS_VALUE ? key.dts : key.pts);
  if (!rolled_) {
    while (!held_.empty()) {
      const AVPacket& a = *held_.front().packet;
      if (a.pts != AV_NOPTS_VALUE && time_us(held_.front(), a.pts + a.duration) > zero) break;
      held_.pop_front();
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  for (const auto& h : held_) {
    if (h.packet->pts != AV_NOPTS_VALUE) zero = std::min(zero, time_us(h, h.packet->pts));
  }
  ts_offset_us_ = zero;
  if (auto r = open_muxer(key); !r) return failed(r.error());
  state_ = State::open;
  std::deque<ffmpeg::EncodedPacket> held;
  held.swap(held_);
  for (const auto& h : held) {
    if (auto r = mux(h); !r) return r;
  }
  return {};
}

Result<AVStream*> FormatSink::add_stream(AVFormatContext& ctx, const ffmpeg::StreamInfo& info,
                                         const AVPacket& keyframe) {
  AVStream* st = avformat_new_stream(&ctx, nullptr);
  if (!st || avcodec_parameters_copy(st->codecpar, info.params.get()) < 0) {
    return fail(Errc::internal, stage(), "cannot add a stream for " + describe());
  }
  st->codecpar->codec_tag = 0;
  st->time_base = info.time_base;
  if (info.frame_rate.num > 0 && info.frame_rate.den > 0) st->avg_frame_rate = info.frame_rate;
  for (const ffmpeg::StreamSideData& side : info.side_data) {
    uint8_t* room = av_stream_new_side_data(st, side.type, side.bytes.size());
    if (!room) return fail(Errc::internal, stage(), "out of memory");
    std::memcpy(room, side.bytes.data(), side.bytes.size());
  }
  if (info.kind != ffmpeg::StreamKind::video) return st;

  extradata_.clear();
  if (st->codecpar->extradata_size > 0) {
    extradata_.assign(st->codecpar->extradata, st->codecpar->extradata + st->codecpar->extradata_size);
  } else if (ctx.oformat->flags & AVFMT_GLOBALHEADER) {
    // mkv, mp4 and FLV want the parameter sets in the header; MPEG-TS carries them in-band.
    auto extracted = extract_extradata(*info.params, keyframe);
    if (!extracted) return tl::unexpected(extracted.error());
    extradata_ = std::move(*extracted);
    st->codecpar->extradata = static_cast<uint8_t*>(av_mallocz(extradata_.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!st->codecpar->extradata) return fail(Errc::internal, stage(), "out of memory");
    std::memcpy(st->codecpar->extradata, extradata_.data(), extradata_.size());
    st->codecpar->extradata_size = static_cast<int>(extradata_.size());
  }
  return st;
}

Result<void> FormatSink::open_muxer(const AVPacket& keyframe) {
  const std::string path = target_.network() ? target_.location : next_path();
  // "file:" keeps a path with a colon from being taken for a protocol.
  const std::string url = target_.network() ? path : "file:" + path;
  const std::string shown = target_.network() ? describe() : path;

  AVFormatContext* raw = nullptr;
  if (int err = avformat_alloc_output_context2(&raw, nullptr, muxer_name(target_.container), nullptr); err < 0) {
    return fail(Errc::internal, stage(),
                std::string("muxer ") + muxer_name(target_.container) + ": " + ffmpeg::error_text(err));
  }
  OutputContextPtr ctx(raw);
  ctx->interrupt_callback = {&FormatSink::interrupt_cb, this};
  std::vector<AVStream*> av_streams;
  for (const auto& info : streams_) {
    auto st = add_stream(*ctx, info, keyframe);
    if (!st) return tl::unexpected(st.error());
    av_streams.push_back(*st);
  }

  Deadline deadline(*this, options_.connect_timeout);
  if (!(ctx->oformat->flags & AVFMT_NOFILE)) {
    ffmpeg::Dictionary proto;
    if (target_.network()) {
      proto.set("rw_timeout", std::to_string(std::chrono::microseconds(options_.io_timeout).count()));
    }
    if (target_.transport == Transport::srt) {
      proto.set("connect_timeout", std::to_string(options_.connect_timeout.count()));
      proto.set("latency", std::to_string(std::chrono::microseconds(options_.srt_latency).count()));
    } else if (target_.transport == Transport::udp) {
      proto.set("pkt_size", "1316");  // 7 TS packets: no TS packet is split across datagrams
    }
    if (int err = avio_open2(&ctx->pb, url.c_str(), AVIO_FLAG_WRITE, &ctx->interrupt_callback, proto.get()); err < 0) {
      return tl::unexpected(io_error(err, "cannot open"));
    }
  }

  ffmpeg::Dictionary mux;
  if (target_.container == Container::mp4) {
    // Fragmented: every fragment is playable on its own, so a killed process leaves a good file.
    // Per packet: frag_every_frame writes each fragment at once, but with several streams FFmpeg
    // 5.1 gives the audio decreasing dts there (seen with its own command line too); a fragment
    // per packet by duration is correct and keeps at most the newest packet in memory.
    const bool per_packet = options_.flush == Flush::packet;
    mux.set("movflags", per_packet && streams_.size() == 1
                            ? "+frag_keyframe+empty_moov+default_base_moof+frag_every_frame"
                            : "+frag_keyframe+empty_moov+default_base_moof");
    if (per_packet && streams_.size() > 1) mux.set("frag_duration", "1");
  } else if (target_.container == Container::flv) {
    mux.set("flvflags", "no_duration_filesize");  // a stream cannot seek back to patch them
  }
  if (int err = avformat_write_header(ctx.get(), mux.get()); err < 0) {
    return tl::unexpected(io_error(err, "cannot write the header to"));
  }
  for (const auto& key : mux.keys())
    zc::log::debug("{}: muxer ignored option {}", stage(), key);
  if (ctx->pb) {
    avio_flush(ctx->pb);
    if (ctx->pb->error < 0) return tl::unexpected(io_error(ctx->pb->error, "cannot write the header to"));
  }

  ctx_ = std::move(ctx);
  av_streams_ = std::move(av_streams);
  last_dts_.assign(streams_.size(), 0);
  have_last_dts_.assign(streams_.size(), false);
  file_packets_ = 0;
  if (!target_.network()) files_.push_back(path);
  const AVCodecParameters& video = *streams_.front().params;
  zc::log::info("{}: writing {} ({}, {} {}x{}, {} stream{})", stage(), shown, muxer_name(target_.container),
                avcodec_get_name(video.codec_id), video.width, video.height, streams_.size(),
                streams_.size() == 1 ? "" : "s");
  return {};
}

Result<void> FormatSink::mux(const ffmpeg::EncodedPacket& packet) {
  AVPacket* pkt = work_.get();
  if (av_packet_ref(pkt, packet.packet.get()) < 0) return failed(Error{Errc::internal, stage(), "out of memory"});
  const ffmpeg::StreamInfo& info = streams_[packet.stream];
  AVStream* st = av_streams_[packet.stream];
  pkt->stream_index = st->index;
  if (pkt->dts == AV_NOPTS_VALUE) pkt->dts = pkt->pts;
  if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
  if (pkt->dts == AV_NOPTS_VALUE) {
    av_packet_unref(pkt);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  if (new_extradata_pending_ && packet.video()) {
    new_extradata_pending_ = false;
    // Only FLV (global header) needs to be told; MPEG-TS readers find the new SPS in-band.
    if (ctx_->oformat->flags & AVFMT_GLOBALHEADER) {
      if (auto extracted = extract_extradata(*info.params, *packet.packet); extracted && *extracted != extradata_) {
        uint8_t* side = av_packet_new_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, extracted->size());
        if (side) std::memcpy(side, extracted->data(), extracted->size());
        extradata_ = std::move(*extracted);
      }
    }
  }
  int64_t offset = av_rescale_q(ts_offset_us_, AV_TIME_BASE_Q, info.time_base);
  if (target_.container == Container::matroska && info.params->codec_id == AV_CODEC_ID_OPUS) {
    // FFmpeg 5.1's Matroska round trip plays Opus its pre-skip (312 samples, 6.5 ms) early
    // (measured with the test source's clicks: -6.5 ms in mkv, +0.5 ms in mp4 and MPEG-TS).
    offset -= av_rescale_q(info.params->initial_padding, AVRational{1, info.params->sample_rate}, info.time_base);
  }
  pkt->pts -= offset;
  pkt->dts -= offset;
  if (pkt->duration == 0 && info.frame_rate.num > 0) {
    pkt->duration = av_rescale_q(1, av_inv_q(info.frame_rate), info.time_base);
  }
  av_packet_rescale_ts(pkt, info.time_base, st->time_base);
  int64_t& last_dts = last_dts_[packet.stream];
  if (have_last_dts_[packet.stream] && pkt->dts <= last_dts) {
    if (!warned_dts_) {
      zc::log::warn("{}: non-increasing dts on {} (stream {}), nudged forward", stage(), describe(), packet.stream);
      warned_dts_ = true;
    }
    pkt->dts = last_dts + 1;
  }
  if (pkt->pts < pkt->dts) pkt->pts = pkt->dts;
  last_dts = pkt->dts;
  have_last_dts_[packet.stream] = true;

  const bool key = packet.video_keyframe();
  const int size = pkt->size;
  const Flush flush = target_.network() ? Flush::packet : options_.flush;
  Deadline deadline(*this, options_.io_timeout);
  // mkv keeps its open cluster in memory: end it before a keyframe so the GOP before is on disk.
  if (flush == Flush::keyframe && key && file_packets_ > 0) {
    if (auto r = flush_muxer(true); !r) return failed(r.error());
  }
  if (int err = av_interleaved_write_frame(ctx_.get(), pkt); err < 0) {
    av_packet_unref(pkt);
    return failed(io_error(err, "cannot write to"));
  }
  if (flush == Flush::packet || (flush == Flush::keyframe && key)) {
    if (auto r = flush_muxer(flush == Flush::packet); !r) return failed(r.error());
  }
  ++file_packets_;
  packets_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(static_cast<uint64_t>(size), std::memory_order_relaxed);
  return {};
}

Result<void> FormatSink::flush_muxer(bool end_cluster) {
  if (end_cluster && target_.container == Container::matroska) {
    // A NULL packet makes the matroska muxer close its cluster (written out of memory).
    if (int err = av_write_frame(ctx_.get(), nullptr); err < 0) return tl::unexpected(io_error(err, "cannot write to"));
  }
  avio_flush(ctx_->pb);
  if (ctx_->pb->error < 0) return tl::unexpected(io_error(ctx_->pb->error, "cannot write to"));
  return {};
}

Result<void> FormatSink::close_muxer() {
  if (!ctx_) return {};
  Deadline deadline(*this, options_.io_timeout);
  int err = av_write_trailer(ctx_.get());
  if (err >= 0 && ctx_->pb) {
    avio_flush(ctx_->pb);
    err = ctx_->pb->error;
  }
  const std::string shown = target_.network() ? describe() : files_.back();
  if (err < 0) return tl::unexpected(io_error(err, "cannot finish"));
  if (target_.transport == Transport::srt) linger_for_srt();
  ctx_.reset();
  av_streams_.clear();
  zc::log::info("{}: closed {}", stage(), shown);
  return {};
}

void FormatSink::linger_for_srt() {
  // An SRT receiver holds packets for its latency before handing them on, and drops what it
  // holds when the connection closes: give the tail time to get through.
  const auto until =
      monotonic_ns() + std::chrono::nanoseconds(2 * options_.srt_latency + std::chrono::milliseconds(200)).count();
  while (monotonic_ns() < until && !interrupted_.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<void> FormatSink::close() {
  if (state_ == State::closed) return {};
  if (state_ == State::failed) {
    state_ = State::closed;
    return tl::unexpected<Error>(current_failure());
  }
  auto r = close_muxer();
  if (!r) {
    failed(r.error());
    state_ = State::closed;
    return r;
  }
  state_ = State::closed;
  const SinkStats s = stats();
  zc::log::info("{}: {} done: {} packets, {} bytes, {} dropped", stage(), describe(), s.packets, s.bytes, s.dropped);
  return {};
}

}  // namespace zc::output
