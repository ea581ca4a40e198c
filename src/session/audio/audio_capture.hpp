#pragma once
// The sound of a capture run: its audio sources (session/audio_input), mixed into one track or
// kept as one track each, encoded (Opus or AAC) beside the video. Every track starts at the first
// video frame's capture time and ends with the last one, on the video's clock; packets go to
// `emit` from the audio thread, with their stream index (1, 2, ... after the video's 0).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/audio/audio_source.hpp"
#include "core/error.hpp"
#include "encode/audio_encoder.hpp"
#include "ffmpeg/packet.hpp"
#include "session/audio/audio_input.hpp"
#include "session/audio/audio_options.hpp"

namespace zc::session {

class AudioCapture {
 public:
  using Emit = std::function<void(std::vector<ffmpeg::EncodedPacket>& packets)>;

  // Finds every source (node:, serial:, name: must exist: Errc::not_found, stage "capture:audio";
  // output/input on a machine without a sink/source is a warning and a silent track; app:NAME is
  // not looked up: its streams join whenever they play) and opens the encoders. Nothing is
  // captured yet.
  static Result<std::unique_ptr<AudioCapture>> create(const AudioSettings& settings, Emit emit);
  ~AudioCapture();
  AudioCapture(const AudioCapture&) = delete;
  AudioCapture& operator=(const AudioCapture&) = delete;

  // The audio streams, index 1.. in order (known from create()).
  const ffmpeg::StreamList& streams() const { return streams_; }
  // Connects the sources; their sound is held until begin().
  void start();
  // The first video frame: tracks start at `start_ns`, packet time 0 is `origin_ns`. Any thread.
  void begin(int64_t start_ns, int64_t origin_ns);
  // The recording ends at `end_ns` (the end of its last video frame): every track is completed up
  // to there (silence where nothing came), the encoders drained and their packets emitted. Stops
  // the sources. Idempotent.
  void finish(int64_t end_ns);
  // The picture reaches `end_ns` (the end of the frame just sent to the video encoder). Sound is
  // encoded no further than the picture (played sound is stamped ahead of the moment it arrives,
  // and what went to the encoder cannot be taken back at the end). While frames wait for a video
  // encoder that is behind (video_queued), it waits for them, up to kMaxBehindNs; a picture that
  // stalls (no frame comes) holds it back a second at most. Any thread.
  void video_until(int64_t end_ns) { video_end_ns_.store(end_ns, std::memory_order_relaxed); }
  // A frame captured at `pts_ns` is in the video encoder's queue. Any thread.
  void video_queued(int64_t pts_ns) { video_queued_ns_.store(pts_ns, std::memory_order_relaxed); }
  // The recording is ending: no new frame comes, the encoder drains what it has. From now on the
  // sound goes no further than the picture until finish() says where the picture ends. Any thread.
  void video_closing() { video_closing_.store(true, std::memory_order_relaxed); }

  std::vector<AudioInputStats> stats() const;
  // Errc::not_found when no source has that name.
  Result<void> set_muted(const std::string& source, bool muted);

 private:
  AudioCapture(AudioSettings settings, Emit emit);
  void run();
  Result<void> pump(int64_t now_ns);
  // The tracks from where they stand up to `until_ns` (capture time), as far as the sources have
  // delivered: sound in a paused span discarded, the rest encoded.
  Result<void> advance(int64_t until_ns);
  // Track samples since start_ns_ before `t_ns` (rounded down, or up).
  int64_t samples_before(int64_t t_ns, bool round_up) const;
  // What every track holds, at most `limit` frames.
  size_t available_frames(size_t limit) const;
  // Each returns the frames it took from every track (at most `limit`).
  size_t discard_tracks(size_t limit);
  Result<size_t> encode_tracks(size_t limit);
  // Silence up to the picture's end on the timeline without pauses, where a pause took it.
  void pad_to_end();
  void drain();

  const AudioSettings settings_;
  const Emit emit_;
  ffmpeg::StreamList streams_;
  std::vector<std::unique_ptr<AudioInput>> inputs_;
  std::vector<std::unique_ptr<encode::AudioEncoder>> encoders_;  // one (mix) or one per input
  std::vector<std::vector<float>> tracks_;      // per input: track samples not encoded yet (audio thread)
  std::vector<float> mixed_;                    // reused
  std::vector<ffmpeg::EncodedPacket> packets_;  // reused
  int64_t start_ns_ = 0;
  uint64_t consumed_frames_ = 0;  // per channel, since start_ns_: encoded, or discarded while paused
  uint64_t encoded_frames_ = 0;   // per channel: encoded
  std::atomic<int64_t> video_end_ns_{0};
  std::atomic<int64_t> video_queued_ns_{0};
  std::atomic<bool> video_closing_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool begun_ = false;
  bool stopping_ = false;
  int64_t end_ns_ = 0;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace zc::session
