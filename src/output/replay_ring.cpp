#include "output/replay_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>

#include "core/log.hpp"

#include "output/format_sink.hpp"
#include "output/open_sink.hpp"

namespace zc::output {
namespace {

constexpr size_t kInitialSlots = 256;
// Audio held while no video keyframe is (the video encoder's first packet comes later).
constexpr size_t kMaxAudioBeforeKey = 256;

}  // namespace

ReplayRing::ReplayRing(ReplayOptions options) : options_(options) {
  slots_.resize(kInitialSlots);
  for (auto& s : slots_)
    s.packet.reset(av_packet_alloc());
}

ReplayRing::~ReplayRing() = default;

std::string ReplayRing::describe() const {
  std::lock_guard lock(mutex_);
  return "replay buffer (" + std::to_string(options_.duration.count() / 1000) + " s)";
}

ReplayRing::Slot& ReplayRing::slot_at(uint64_t seq) {
  assert(seq >= head_seq_ && seq < head_seq_ + count_);
  return slots_[(head_ + static_cast<size_t>(seq - head_seq_)) % slots_.size()];
}

const ReplayRing::Slot& ReplayRing::slot_at(uint64_t seq) const {
  assert(seq >= head_seq_ && seq < head_seq_ + count_);
  return slots_[(head_ + static_cast<size_t>(seq - head_seq_)) % slots_.size()];
}

void ReplayRing::grow() {
  // Rare (only when more packets are held than ever before): the old order is kept, the head
  // moves to index 0.
  std::vector<Slot> bigger(slots_.size() * 2);
  for (size_t i = 0; i < count_; ++i)
    bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
  for (size_t i = count_; i < slots_.size(); ++i)
    bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
  for (size_t i = slots_.size(); i < bigger.size(); ++i)
    bigger[i].packet.reset(av_packet_alloc());
  slots_ = std::move(bigger);
  head_ = 0;
}

void ReplayRing::drop_front_until(uint64_t seq) {
  while (head_seq_ < seq && count_ > 0) {
    Slot& s = slots_[head_];
    bytes_ -= static_cast<size_t>(s.packet->size);
    av_packet_unref(s.packet.get());
    head_ = (head_ + 1) % slots_.size();
    --count_;
    ++head_seq_;
  }
  while (!keys_.empty() && keys_.front() < head_seq_)
    keys_.pop_front();
}

void ReplayRing::drop_gop() {
  // Everything before the second keyframe goes, but audio still playing when it is shown: the
  // video encoder's delay puts such audio ahead of the keyframe in the ring. What such audio keeps
  // behind it (packets of the old GOP) is never part of a clip and goes with the next trim.
  const uint64_t key = keys_[1];
  const int64_t key_us = slot_at(key).start_us;
  while (head_seq_ < key && count_ > 0) {
    const Slot& front = slots_[head_];
    if (front.stream != ffmpeg::kVideoStream && front.end_us > key_us) break;
    drop_front_until(head_seq_ + 1);
  }
  while (keys_.front() < key)
    keys_.pop_front();
}

void ReplayRing::clear_locked() {
  drop_front_until(head_seq_ + count_);
  keys_.clear();
  max_pts_ = INT64_MIN;
  bytes_ = 0;
  waiting_for_key_ = true;
}

int64_t ReplayRing::frame_ticks() const {
  if (streams_.empty()) return 0;
  const ffmpeg::StreamInfo& video = streams_.front();
  if (video.frame_rate.num <= 0 || video.frame_rate.den <= 0) return 0;
  return av_rescale_q(1, av_inv_q(video.frame_rate), video.time_base);
}

int64_t ReplayRing::end_pts_locked() const {
  return max_pts_ + frame_ticks();
}

double ReplayRing::seconds_from(uint64_t key_seq) const {
  const int64_t start = slot_at(key_seq).packet->pts;
  return static_cast<double>(end_pts_locked() - start) * av_q2d(streams_.front().time_base);
}

Result<void> ReplayRing::begin(const ffmpeg::StreamList& streams) {
  std::lock_guard lock(mutex_);
  if (!streams_.empty() && ffmpeg::generation_of(streams_) == ffmpeg::generation_of(streams)) {
    streams_ = streams;
    return {};
  }
  if (count_ > 0)
    zc::log::info("output: replay buffer starts over with stream generation {}", ffmpeg::generation_of(streams));
  clear_locked();
  streams_ = streams;
  return {};
}

Result<void> ReplayRing::write(const ffmpeg::EncodedPacket& packet) {
  assert(packet.packet && "write() without a packet");
  std::lock_guard lock(mutex_);
  if (streams_.empty() || packet.generation != ffmpeg::generation_of(streams_) || packet.stream >= streams_.size() ||
      packet.packet->pts == AV_NOPTS_VALUE || (waiting_for_key_ && packet.video() && !packet.keyframe())) {
    ++dropped_;
    return {};
  }
  if (packet.video()) waiting_for_key_ = false;
  ended_ = false;
  if (count_ == slots_.size()) grow();
  Slot& slot = slots_[(head_ + count_) % slots_.size()];
  if (av_packet_ref(slot.packet.get(), packet.packet.get()) < 0) {
    ++dropped_;
    return {};
  }
  const AVRational tb = streams_[packet.stream].time_base;
  slot.capture_ns = packet.capture_ns;
  slot.stream = packet.stream;
  slot.key = packet.video_keyframe();
  slot.start_us = av_rescale_q(packet.packet->pts, tb, AV_TIME_BASE_Q);
  slot.end_us = av_rescale_q(packet.packet->pts + packet.packet->duration, tb, AV_TIME_BASE_Q);
  const uint64_t seq = head_seq_ + count_;
  ++count_;
  if (slot.key) keys_.push_back(seq);
  bytes_ += static_cast<size_t>(packet.packet->size);
  if (packet.video()) max_pts_ = std::max(max_pts_, packet.packet->pts);
  ++written_;
  written_bytes_ += static_cast<uint64_t>(packet.packet->size);
  if (keys_.empty() && count_ > kMaxAudioBeforeKey) drop_front_until(head_seq_ + 1);

  // Whole GOPs go from the front while the GOP after them still covers the duration.
  const double want = static_cast<double>(options_.duration.count()) / 1000.0;
  while (keys_.size() > 1 && seconds_from(keys_[1]) >= want)
    drop_gop();
  while (keys_.size() > 1 && bytes_ > options_.max_bytes)
    drop_gop();
  if (bytes_ > options_.max_bytes) {
    // One GOP is larger than the whole budget: nothing valid can be held within it.
    if (!warned_bytes_) {
      zc::log::warn("output: one GOP is larger than the replay buffer's {} bytes; raise replay.max_megabytes",
                    options_.max_bytes);
      warned_bytes_ = true;
    }
    dropped_ += count_;
    clear_locked();
  }
  return {};
}

Result<void> ReplayRing::close() {
  std::lock_guard lock(mutex_);
  ended_ = true;  // the encoder was drained: the newest packets are complete
  return {};
}

SinkStats ReplayRing::stats() const {
  std::lock_guard lock(mutex_);
  return {written_, written_bytes_, dropped_, 0};
}

void ReplayRing::set_options(ReplayOptions options) {
  std::lock_guard lock(mutex_);
  options_ = options;
}

ReplayOptions ReplayRing::options() const {
  std::lock_guard lock(mutex_);
  return options_;
}

double ReplayRing::held_seconds() const {
  // What a save now would get: up to the clip's complete end, not the newest packet.
  std::lock_guard lock(mutex_);
  if (keys_.empty()) return 0.0;
  const uint64_t end = complete_end_locked();
  if (end <= keys_.front()) return 0.0;
  return static_cast<double>(complete_end_pts_locked(end) - slot_at(keys_.front()).packet->pts) *
         av_q2d(streams_.front().time_base);
}

size_t ReplayRing::held_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t ReplayRing::held_packets() const {
  std::lock_guard lock(mutex_);
  return count_;
}

uint64_t ReplayRing::complete_end_locked() const {
  // Packets are held in decode order; with B-frames the newest ones may show frames whose
  // neighbours in presentation order are not encoded yet (a P frame waits for the B frames shown
  // before it). A packet that is shown after everything before it (a new highest pts) starts a
  // new run: everything before it is complete. The newest packet completes the clip itself only
  // when it is not reordered (pts == dts) and is shown last.
  const uint64_t end = head_seq_ + count_;
  if (ended_) return end;
  uint64_t complete = keys_.front();
  int64_t max_pts = INT64_MIN;
  // Only video packets count; the clip's audio is chosen by time.
  uint64_t last_video = keys_.front();
  bool last_completes = false;
  for (uint64_t seq = keys_.front(); seq < end; ++seq) {
    const Slot& slot = slot_at(seq);
    if (slot.stream != ffmpeg::kVideoStream) continue;
    const AVPacket& p = *slot.packet;
    const bool newest_shown = p.pts > max_pts;
    if (newest_shown && seq > keys_.front()) complete = seq;
    max_pts = std::max(max_pts, p.pts);
    last_video = seq;
    last_completes = newest_shown && (p.dts == AV_NOPTS_VALUE || p.dts == p.pts);
  }
  return last_completes ? last_video + 1 : complete;
}

int64_t ReplayRing::complete_end_pts_locked(uint64_t end) const {
  int64_t max_pts = INT64_MIN;
  for (uint64_t seq = keys_.front(); seq < end; ++seq) {
    if (slot_at(seq).stream == ffmpeg::kVideoStream) max_pts = std::max(max_pts, slot_at(seq).packet->pts);
  }
  return max_pts + frame_ticks();
}

Result<ReplayClip> ReplayRing::clip(double seconds) const {
  std::lock_guard lock(mutex_);
  if (keys_.empty()) return fail(Errc::not_found, "replay", "the replay buffer holds nothing yet");
  const uint64_t end = complete_end_locked();
  if (end <= keys_.front()) return fail(Errc::not_found, "replay", "the replay buffer holds no complete frame yet");
  const AVRational video_tb = streams_.front().time_base;
  const int64_t end_pts = complete_end_pts_locked(end);
  auto covered = [&](uint64_t key) {
    return static_cast<double>(end_pts - slot_at(key).packet->pts) * av_q2d(video_tb);
  };
  uint64_t start = keys_.front();
  if (seconds > 0) {
    // The latest keyframe that still gives at least `seconds`.
    for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
      if (*it < end && covered(*it) >= seconds) {
        start = *it;
        break;
      }
    }
  }
  // Video: decode order from the keyframe to the complete end. Audio: what plays from the
  // keyframe's instant to the video's end, wherever the encoders' delays put it in the ring.
  const int64_t start_us = slot_at(start).start_us;
  const int64_t end_us = av_rescale_q(end_pts, video_tb, AV_TIME_BASE_Q);
  auto wanted = [&](uint64_t seq) {
    const Slot& s = slot_at(seq);
    if (s.stream == ffmpeg::kVideoStream) return seq >= start && seq < end;
    return s.end_us > start_us && s.start_us < end_us;
  };
  ReplayClip clip;
  clip.streams = streams_;
  clip.seconds = covered(start);
  for (uint64_t seq = head_seq_; seq < head_seq_ + count_; ++seq) {
    if (!wanted(seq)) continue;
    const Slot& s = slot_at(seq);
    ffmpeg::EncodedPacket p;
    p.packet.reset(av_packet_clone(s.packet.get()));
    if (!p.packet) return fail(Errc::internal, "replay", "out of memory copying the replay buffer");
    p.capture_ns = s.capture_ns;
    p.generation = ffmpeg::generation_of(streams_);
    p.stream = s.stream;
    clip.bytes += static_cast<size_t>(s.packet->size);
    clip.packets.push_back(std::move(p));
  }
  return clip;
}

Result<void> write_clip(const ReplayClip& clip, const std::string& path) {
  if (clip.packets.empty()) return fail(Errc::not_found, "replay", "nothing to save");
  auto target = parse_target(path);
  if (!target) return tl::unexpected(target.error());
  if (target->network()) return fail(Errc::invalid_argument, "replay", "a replay is saved to a file, not to a URL");
  SinkOptions options;
  // Written in one go: FFmpeg's own buffering is fastest, and the file is closed cleanly at the end.
  options.format.flush = Flush::none;
  auto sink = open_sink(path, clip.streams.front().params->codec_id, options);
  if (!sink) return tl::unexpected(sink.error());
  if (auto ok = (*sink)->begin(clip.streams); !ok) return ok;
  for (const auto& p : clip.packets) {
    if (auto ok = (*sink)->write(p); !ok) return ok;
  }
  return (*sink)->close();
}

}  // namespace zc::output
