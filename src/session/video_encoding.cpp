// The video track's encoder thread: frames from the queue into the video encoder (re-created as a
// new generation when the size changes), packets out to the run's streams, --cfr repeats, bitrate
// and keyframe requests, and the track's end.
#include "core/log.hpp"

#include <utility>

#include "core/clock.hpp"
#include "core/thread_name.hpp"
#include "session/snapshot.hpp"
#include "session/video_track.hpp"

namespace zc::session {
namespace {

// The bit depth an encoder is made for, from the layout it is fed.
uint32_t encoder_depth(PixelFormat fed) {
  return bit_depth(fed) > 8 ? 10 : 8;
}

}  // namespace

encode::EncoderConfig VideoTrack::encoder_config(uint32_t width, uint32_t height, uint32_t depth,
                                                 const Colour& colour) const {
  encode::EncoderConfig c = session::encoder_config(settings_.options, frame_rate(), width, height, depth);
  c.colour = colour;
  if (is_hdr(colour)) c.hdr = settings_.options.hdr;
  c.bitrate_kbps = bitrate_kbps_.load();
  c.time_origin_ns = encoder_origin_ns();
  c.threads = settings_.encoder_threads;
  return c;
}

int64_t VideoTrack::encoder_origin_ns() const {
  // On the timeline without paused spans, as the frames the encoder gets: the origin is never
  // inside a later span, so this stays put while the run goes on.
  return settings_.pauses->shift(settings_.time_origin_ns.value_or(first_frame_ns_.load()));
}

bool VideoTrack::failed(const Error& error) {
  listener_.fail(error);
  return false;
}

void VideoTrack::set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done) {
  std::optional<BitrateRequest> replaced;
  {
    std::lock_guard lock(bitrate_mutex_);
    if (bitrate_closed_) {
      replaced = BitrateRequest{kbps, std::move(done)};
    } else {
      replaced = std::exchange(bitrate_request_, BitrateRequest{kbps, std::move(done)});
    }
  }
  if (replaced && replaced->done) {
    replaced->done(zc::fail(Errc::cancelled, "encode", "the capture ended, or a newer bitrate request came"));
  }
}

// On the encoder thread, between frames. `encoder` is null before the first frame, and at the end
// of the run (the request is then cancelled).
void VideoTrack::apply_bitrate_request(encode::Encoder* encoder) {
  std::optional<BitrateRequest> request;
  {
    std::lock_guard lock(bitrate_mutex_);
    request = std::exchange(bitrate_request_, std::nullopt);
    if (!encoder && queue_.closed()) bitrate_closed_ = true;
  }
  if (!request) return;
  Result<void> result;
  if (queue_.closed() && !encoder) {
    result = zc::fail(Errc::cancelled, "encode", "the capture ended before the bitrate could change");
  } else if (encoder) {
    result = encoder->set_bitrate(request->kbps);
  } else if (request->kbps == 0) {
    result = zc::fail(Errc::invalid_argument, "encode", "bitrate must be above 0 kbit/s");
  }
  if (result) {
    bitrate_kbps_ = request->kbps;
    zc::log::info("encode: target bitrate {} kbit/s", request->kbps);
  } else {
    zc::log::warn("encode: bitrate stays: {}", result.error().describe());
  }
  if (request->done) request->done(std::move(result));
}

bool VideoTrack::begin_streams(Encoding& e) {
  if (e.begun) return true;
  const ffmpeg::StreamInfo* info = e.encoder->stream_info();
  if (!info) return true;  // not open yet
  if (auto ok = writer_.begin(*info); !ok) return failed(ok.error());
  e.begun = true;
  return true;
}

bool VideoTrack::write_packets(Encoding& e) {
  for (auto& p : e.packets) {
    if (!begin_streams(e)) {
      e.packets.clear();
      return false;
    }
    if (!e.begun) continue;
    // The packet's time is on the encoder's timeline (paused spans taken out): back to capture time.
    const int64_t captured = settings_.pauses->unshift(p.capture_ns);
    const int64_t latency = monotonic_ns() - captured;
    latency_.add(latency);
    if (captured - first_frame_ns_.load() >= kSettledAfterNs) latency_settled_.add(latency);
    counters_.add(Counter::packets);
    counters_.add(Counter::bytes, static_cast<uint64_t>(p.packet->size));
    if (auto ok = writer_.write_video(p); !ok) {
      e.packets.clear();
      return failed(ok.error());
    }
  }
  e.packets.clear();
  return true;
}

void VideoTrack::finish_encoder(Encoding& e) {
  if (!e.encoder) return;
  if (auto ok = e.encoder->finish(e.packets); !ok) zc::log::warn("encode: drain failed: {}", ok.error().describe());
  write_packets(e);
  e.encoder.reset();
}

void VideoTrack::note_encoded(Encoding& e, int64_t pts_ns) {
  counters_.add(Counter::frames_encoded);
  if (first_encoded_pts_ns_ == 0) first_encoded_pts_ns_ = pts_ns;
  last_encoded_pts_ns_ = pts_ns;
  e.last_pts_ns = pts_ns;
  listener_.picture_until(pts_ns + 1'000'000'000LL / frame_rate());
}

bool VideoTrack::ensure_encoder(Encoding& e, uint32_t width, uint32_t height, uint32_t depth, const Colour& colour) {
  if (e.encoder && width == e.width && height == e.height && depth == e.depth && colour == e.colour) return true;
  // One opened ahead for a size that did not come is replaced within its generation: nothing of
  // it reached the sinks.
  const bool unfed = e.encoder && !e.fed;
  finish_encoder(e);
  auto config = encoder_config(width, height, depth, colour);
  config.generation = unfed ? e.next_generation - 1 : e.next_generation++;
  auto made = settings_.selection.factory(config);
  if (!made) return failed(made.error());
  e.encoder = std::move(*made);
  e.width = width;
  e.height = height;
  e.depth = depth;
  e.colour = colour;
  e.begun = false;
  e.fed = false;
  if (config.generation > 0) {
    counters_.add(Counter::encoder_restarts);
    zc::log::info("encode: new stream {}x{} (generation {})", width, height, config.generation);
  }
  return true;
}

// The encoder for the size the first format announced, opened before the first frame where its
// family allows (Encoder::open_ahead). Nothing to do once a frame came first.
bool VideoTrack::open_ahead(Encoding& e) {
  std::optional<zerocopy::ImportTarget> ahead;
  {
    std::lock_guard lock(ahead_mutex_);
    ahead = std::exchange(ahead_, std::nullopt);
  }
  if (!ahead || e.encoder) return true;
  if (!ensure_encoder(e, ahead->width, ahead->height, encoder_depth(ahead->format), ahead->colour)) return false;
  if (auto ok = e.encoder->open_ahead(); !ok) return failed(ok.error());
  return true;
}

bool VideoTrack::encode_frame(Encoding& e, DeviceFrame frame) {
  if (!ensure_encoder(e, frame.width, frame.height, encoder_depth(frame.format), frame.colour)) return false;
  if (!e.fed) {
    // Made before the first frame's time was known (opened ahead, or on this frame).
    e.encoder->set_time_origin(encoder_origin_ns());
    e.fed = true;
  }
  if (keyframe_requested_.exchange(false)) {
    if (auto ok = e.encoder->request_keyframe(); !ok) zc::log::warn("encode: {}", ok.error().describe());
  }
  const int64_t pts_ns = frame.pts_ns;
  frame.pts_ns = settings_.pauses->shift(pts_ns);
  if (auto ok = e.encoder->submit(std::move(frame)); !ok) return failed(ok.error());
  note_encoded(e, pts_ns);
  // A new generation starts at its first frame's capture time, not when the encoder's delay lets
  // its first packet out: what other streams send meanwhile belongs to it (a rolled file's audio
  // ends where its video does).
  if (!begin_streams(e)) return false;
  if (auto ok = e.encoder->receive(e.packets); !ok) return failed(ok.error());
  return write_packets(e);
}

bool VideoTrack::repeat_if_due(Encoding& e, int64_t interval_ns) {
  // Repeat on the capture clock: the slot after the last picture, once it is in the past. None
  // while paused; after a pause the picture stands again from the moment of the resume.
  if (!interval_ns || !e.encoder || !e.last_pts_ns) return true;
  const std::optional<int64_t> slot = settings_.pauses->next_unpaused(e.last_pts_ns + interval_ns);
  if (!slot || monotonic_ns() < *slot + interval_ns / 2) return true;
  const int64_t pts = *slot;
  if (auto ok = e.encoder->repeat_last(settings_.pauses->shift(pts)); !ok) return failed(ok.error());
  counters_.add(Counter::frames_repeated);
  note_encoded(e, pts);
  if (auto ok = e.encoder->receive(e.packets); !ok) return failed(ok.error());
  return write_packets(e);
}

int64_t VideoTrack::cfr_interval_ns() const {
  if (!settings_.options.cfr) return 0;
  return 1'000'000'000LL / std::min(frame_rate(), kMaxFps);
}

void VideoTrack::encoder_loop() {
  name_this_thread("zc-encode");
  Encoding encoding;
  while (true) {
    // --cfr: when no new picture arrives within one frame interval, the last one is sent again.
    // The rate is known once the producer's format is (frame_rate()).
    const int64_t interval_ns = cfr_interval_ns();
    const auto wait = interval_ns ? std::chrono::milliseconds(std::max<int64_t>(1, interval_ns / 2'000'000))
                                  : std::chrono::milliseconds(100);
    auto frame = queue_.pop(wait);
    apply_bitrate_request(encoding.encoder.get());
    if (!open_ahead(encoding)) break;
    if (frame) {
      if (!encode_frame(encoding, std::move(*frame))) break;
    } else if (queue_.closed() || !repeat_if_due(encoding, interval_ns)) {
      break;
    }
  }
  finish_encoder(encoding);
  apply_bitrate_request(nullptr);  // a request that came too late is cancelled
  listener_.ended();
}

}  // namespace zc::session
