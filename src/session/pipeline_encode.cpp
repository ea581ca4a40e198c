// The pipeline's encoder thread: frames from the queue into the video encoder (re-created as a
// new generation when the size changes), packets out to the sinks with every stream of the
// session, --cfr repeats, bitrate and keyframe requests, and the run's end.
#include <spdlog/spdlog.h>

#include <utility>

#include "core/clock.hpp"
#include "core/thread_name.hpp"
#include "session/pipeline.hpp"

namespace zc::session {
namespace {

// The bit depth an encoder is made for, from the layout it is fed.
uint32_t encoder_depth(PixelFormat fed) {
  return bit_depth(fed) > 8 ? 10 : 8;
}

}  // namespace

bool Pipeline::begin_streams(VideoEncoding& v) {
  if (v.begun) return true;
  const StreamInfo* info = v.encoder->stream_info();
  if (!info) return true;  // not open yet
  StreamList streams{*info};
  if (audio_) {
    for (StreamInfo s : audio_->streams()) {
      s.generation = info->generation;
      streams.push_back(std::move(s));
    }
  }
  std::lock_guard lock(sinks_mutex_);
  if (auto ok = sinks_->begin(streams); !ok) {
    fail(ok.error());
    return false;
  }
  v.begun = true;
  streams_begun_ = true;
  generation_ = info->generation;
  // Sound encoded before the first picture's streams were begun.
  for (auto& p : audio_pending_) {
    p.generation = generation_;
    if (auto ok = sinks_->write(p); !ok) {
      fail(ok.error());
      return false;
    }
  }
  audio_pending_.clear();
  return true;
}

bool Pipeline::write_packets(VideoEncoding& v) {
  for (auto& p : v.packets) {
    if (!begin_streams(v)) {
      v.packets.clear();
      return false;
    }
    if (!v.begun) continue;
    const int64_t latency = monotonic_ns() - p.capture_ns;
    latency_.add(latency);
    if (p.capture_ns - first_frame_ns_.load() >= kSettledAfterNs) latency_settled_.add(latency);
    ++counters_.packets;
    counters_.bytes += static_cast<uint64_t>(p.packet->size);
    std::lock_guard lock(sinks_mutex_);
    if (auto ok = sinks_->write(p); !ok) {
      fail(ok.error());
      v.packets.clear();
      return false;
    }
  }
  v.packets.clear();
  return true;
}

void Pipeline::finish_encoder(VideoEncoding& v) {
  if (!v.encoder) return;
  if (auto ok = v.encoder->finish(v.packets); !ok) spdlog::warn("encode: drain failed: {}", ok.error().describe());
  write_packets(v);
  v.encoder.reset();
}

void Pipeline::note_encoded(VideoEncoding& v, int64_t pts_ns) {
  ++counters_.frames_encoded;
  if (first_encoded_pts_ns_ == 0) first_encoded_pts_ns_ = pts_ns;
  last_encoded_pts_ns_ = pts_ns;
  v.last_pts_ns = pts_ns;
  if (audio_) audio_->video_until(pts_ns + 1'000'000'000LL / frame_rate());
}

bool Pipeline::ensure_encoder(VideoEncoding& v, uint32_t width, uint32_t height, uint32_t depth) {
  if (v.encoder && width == v.width && height == v.height && depth == v.depth) return true;
  // One opened ahead for a size that did not come is replaced within its generation: nothing of
  // it reached the sinks.
  const bool unfed = v.encoder && !v.fed;
  finish_encoder(v);
  auto config = encoder_config(width, height, depth);
  config.generation = unfed ? v.next_generation - 1 : v.next_generation++;
  auto made = selection_.factory(config);
  if (!made) {
    fail(made.error());
    return false;
  }
  v.encoder = std::move(*made);
  v.width = width;
  v.height = height;
  v.depth = depth;
  v.begun = false;
  v.fed = false;
  if (config.generation > 0) {
    ++counters_.encoder_restarts;
    spdlog::info("encode: new stream {}x{} (generation {})", width, height, config.generation);
  }
  return true;
}

// On the encoder thread: the encoder for the size the first format announced, opened before the
// first frame where its family allows (Encoder::open_ahead). Nothing to do once a frame came first.
bool Pipeline::open_ahead(VideoEncoding& v) {
  std::optional<zerocopy::ImportTarget> ahead;
  {
    std::lock_guard lock(ahead_mutex_);
    ahead = std::exchange(ahead_, std::nullopt);
  }
  if (!ahead || v.encoder) return true;
  if (!ensure_encoder(v, ahead->width, ahead->height, encoder_depth(ahead->format))) return false;
  if (auto ok = v.encoder->open_ahead(); !ok) {
    fail(ok.error());
    return false;
  }
  return true;
}

bool Pipeline::encode_frame(VideoEncoding& v, DeviceFrame frame) {
  if (!ensure_encoder(v, frame.width, frame.height, encoder_depth(frame.format))) return false;
  if (!v.fed) {
    // Made before the first frame's time was known (opened ahead, or on this frame).
    v.encoder->set_time_origin(hooks_.time_origin_ns.value_or(first_frame_ns_.load()));
    v.fed = true;
  }
  if (keyframe_requested_.exchange(false)) {
    if (auto ok = v.encoder->request_keyframe(); !ok) spdlog::warn("encode: {}", ok.error().describe());
  }
  const int64_t pts_ns = frame.pts_ns;
  if (auto ok = v.encoder->submit(std::move(frame)); !ok) {
    fail(ok.error());
    return false;
  }
  note_encoded(v, pts_ns);
  // A new generation starts at its first frame's capture time, not when the encoder's delay lets
  // its first packet out: what other streams send meanwhile belongs to it (a rolled file's audio
  // ends where its video does).
  if (!begin_streams(v)) return false;
  if (auto ok = v.encoder->receive(v.packets); !ok) {
    fail(ok.error());
    return false;
  }
  return write_packets(v);
}

bool Pipeline::repeat_if_due(VideoEncoding& v, int64_t interval_ns) {
  // Repeat on the capture clock: the slot after the last picture, once it is in the past.
  if (!interval_ns || !v.encoder || !v.last_pts_ns || monotonic_ns() < v.last_pts_ns + interval_ns + interval_ns / 2) {
    return true;
  }
  const int64_t pts = v.last_pts_ns + interval_ns;
  if (auto ok = v.encoder->repeat_last(pts); !ok) {
    fail(ok.error());
    return false;
  }
  ++counters_.frames_repeated;
  note_encoded(v, pts);
  if (auto ok = v.encoder->receive(v.packets); !ok) {
    fail(ok.error());
    return false;
  }
  return write_packets(v);
}

int64_t Pipeline::cfr_interval_ns() const {
  if (!options_.cfr) return 0;
  return 1'000'000'000LL / std::min(frame_rate(), kMaxFps);
}

void Pipeline::encoder_loop() {
  name_this_thread("zc-encode");
  VideoEncoding video;
  while (true) {
    // --cfr: when no new picture arrives within one frame interval, the last one is sent again.
    // The rate is known once the producer's format is (Pipeline::frame_rate).
    const int64_t interval_ns = cfr_interval_ns();
    const auto wait = interval_ns ? std::chrono::milliseconds(std::max<int64_t>(1, interval_ns / 2'000'000))
                                  : std::chrono::milliseconds(100);
    auto frame = queue_.pop(wait);
    apply_bitrate_request(video.encoder.get());
    if (!open_ahead(video)) break;
    if (frame) {
      if (!encode_frame(video, std::move(*frame))) break;
    } else if (queue_.closed() || !repeat_if_due(video, interval_ns)) {
      break;
    }
  }
  finish_encoder(video);
  end_run();
}

void Pipeline::end_run() {
  apply_bitrate_request(nullptr);  // a request that came too late is cancelled
  end_audio();                     // its last packets, up to the video's end, before the outputs close
  if (auto ok = sinks_->close(); !ok) spdlog::warn("output: close: {}", ok.error().describe());
  if (outputs_) {
    if (auto ok = outputs_->close(); !ok) spdlog::warn("output: close: {}", ok.error().describe());
  }
  Outcome outcome;
  {
    std::lock_guard lock(mutex_);
    outcome.error = fatal_;
    outcome.reason = stop_reason_.value_or("stopped");
    state_ = fatal_ ? "failed" : "finished";
    outcome_ = outcome;
  }
  done_cv_.notify_all();
}

}  // namespace zc::session
