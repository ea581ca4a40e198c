#pragma once
// The replay buffer: a Sink that holds the encoded packets of the last N seconds of every stream
// (bounded by bytes too), always starting at a video keyframe, so that "save the last 30 seconds"
// can write a playable file, with its sound, at any moment while the capture goes on. Whole GOPs
// are trimmed from the front; audio stays as long as it plays at or after the front keyframe.
//
// write() runs on the encoder thread and never allocates in the steady state (the slots and
// their AVPackets are reused; the ring only grows when it holds more packets than ever before);
// clip() and the held_*() figures may be called from any thread.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "output/sink.hpp"

namespace zc::output {

struct ReplayOptions {
  std::chrono::milliseconds duration{30000};  // at least this much is held once it has been seen
  size_t max_bytes = 256u * 1024 * 1024;      // a memory bound: whole GOPs go when it is passed
};

// A copy of held packets (new references to the same data), ready to be written out.
struct ReplayClip {
  ffmpeg::StreamList streams;
  // In the order they were written; the first video packet is a keyframe, audio starts where it
  // plays (within one audio frame of the first video frame) and ends with the video.
  std::vector<ffmpeg::EncodedPacket> packets;
  double seconds = 0;  // video time covered: first pts to the end of the last frame
  size_t bytes = 0;
};

class ReplayRing final : public Sink {
 public:
  explicit ReplayRing(ReplayOptions options);
  ~ReplayRing() override;
  ReplayRing(const ReplayRing&) = delete;
  ReplayRing& operator=(const ReplayRing&) = delete;

  std::string describe() const override;
  // A new generation (new encoder, new parameters) starts over: its packets cannot be muxed
  // behind the old ones in one file.
  Result<void> begin(const ffmpeg::StreamList& streams) override;
  Result<void> write(const ffmpeg::EncodedPacket& packet) override;
  // Keeps what is held: a capture that ended can still be saved, up to its last frame.
  Result<void> close() override;
  SinkStats stats() const override;
  std::optional<Error> failure() const override { return std::nullopt; }

  // Takes effect at the next write.
  void set_options(ReplayOptions options);
  ReplayOptions options() const;

  // The length a save of everything would get now (clip(0)'s seconds; 0 with nothing complete).
  double held_seconds() const;
  size_t held_bytes() const;
  size_t held_packets() const;

  // The packets covering at least the last `seconds` of video (0: everything held), starting
  // at the latest keyframe that gives that much; less when less is held. It ends where every
  // frame shown so far is in it (with B-frames the newest few packets wait for the next save).
  // Errc::not_found when nothing is held yet.
  Result<ReplayClip> clip(double seconds) const;

 private:
  struct Slot {
    ffmpeg::PacketPtr packet;  // allocated once, holds a reference while the slot is in use
    int64_t capture_ns = 0;
    int64_t start_us = 0;  // pts on the session's timeline (AV_TIME_BASE_Q)
    int64_t end_us = 0;    // pts + duration, likewise
    uint32_t stream = ffmpeg::kVideoStream;
    bool key = false;  // a video keyframe
  };

  Slot& slot_at(uint64_t seq);
  const Slot& slot_at(uint64_t seq) const;
  void grow();
  void drop_front_until(uint64_t seq);
  void drop_gop();
  void clear_locked();
  int64_t frame_ticks() const;  // one frame interval in the stream's time base (0: unknown)
  int64_t end_pts_locked() const;
  double seconds_from(uint64_t key_seq) const;
  uint64_t complete_end_locked() const;                 // end (exclusive) of the longest presentation-complete prefix
  int64_t complete_end_pts_locked(uint64_t end) const;  // where frames [front, end) stop being shown

  mutable std::mutex mutex_;
  ReplayOptions options_;
  ffmpeg::StreamList streams_;  // empty before the first begin()
  std::vector<Slot> slots_;
  size_t head_ = 0;              // index in slots_ of the oldest held packet
  size_t count_ = 0;             // packets held
  uint64_t head_seq_ = 0;        // sequence number of the oldest held packet
  std::deque<uint64_t> keys_;    // sequence numbers of the held keyframes, oldest first
  int64_t max_pts_ = INT64_MIN;  // newest video presentation time held
  size_t bytes_ = 0;
  bool waiting_for_key_ = true;
  bool ended_ = false;  // closed after the last write: nothing more will complete the tail
  bool warned_bytes_ = false;
  uint64_t written_ = 0, written_bytes_ = 0, dropped_ = 0;
};

// Writes a clip to a file (.mkv, .mp4, .ts) through a FormatSink and closes it. Refuses a path
// that is not a file, a container that cannot carry the codec, and a missing directory.
Result<void> write_clip(const ReplayClip& clip, const std::string& path);

}  // namespace zc::output
