#pragma once
// One audio source of a capture run: its PipeWire stream (reconnected when the device or the
// daemon goes away), the blocks it captured waiting for the audio thread, and its clock lock,
// which turns them into a track on the video's timeline. While the source sends nothing (gone,
// suspended, not linked yet) the track goes on in silence.
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "audio/clock_lock.hpp"
#include "capture/audio/audio_stream.hpp"

namespace zc::session {

struct AudioInputStats {
  std::string name;   // as asked for: "output", "node:57", "app:firefox"
  std::string state;  // "waiting", "capturing", "gone (silence)"
  bool muted = false;
  double volume_db = 0;
  double peak_dbfs = -120;  // over the last second of its track
  uint64_t reconnects = 0;
  uint64_t dropped_blocks = 0;  // captured while the audio thread fell 2 s behind
  audio::ClockStats clock;
};

class AudioInput final : private capture::AudioObserver {
 public:
  // `relink`: capture::AudioStreamOptions::relink.
  AudioInput(std::string name, capture::AudioTarget target, double volume_db, bool muted, bool relink = true);
  ~AudioInput() override;
  AudioInput(const AudioInput&) = delete;
  AudioInput& operator=(const AudioInput&) = delete;

  // Connects. A source that cannot connect now is retried (the track is silent meanwhile).
  void start();
  // Disconnects for good (not from the stream's own thread).
  void stop();
  // Audio thread. The track starts at `start_ns`.
  Result<void> begin(int64_t start_ns);
  // Audio thread: what was captured goes through the clock lock onto `track`; a source quiet past
  // what its blocks allow is filled with silence up to `now_ns` less that allowance. A source
  // that went away is reconnected once a second.
  Result<void> pump(int64_t now_ns, std::vector<float>& track);
  // Audio thread: silence up to `until_ns` (the end of the recording), whatever was not captured.
  void fill_until(int64_t until_ns, std::vector<float>& track);
  // Applies the gain (volume, mute) to samples of this input's track and takes their peak.
  void apply_gain(std::span<float> samples);
  float gain() const;

  void set_muted(bool muted);
  const std::string& name() const { return name_; }
  AudioInputStats stats() const;  // any thread

 private:
  struct Block {
    int64_t first_ns = 0;
    bool clocked = true;  // stamped by the graph's clock
    std::vector<float> samples;
  };
  void on_audio_state(capture::StreamState state, std::string_view message) override;
  void on_samples(std::span<const float> interleaved, int64_t first_ns, bool graph_clock) override;
  void on_app_stream(const capture::AppStreamEvent& event) override;
  void connect();

  const std::string name_;
  const bool relink_;
  const capture::AudioTarget target_;
  std::unique_ptr<capture::AudioStream> stream_;  // audio thread (and start())
  std::unique_ptr<audio::ClockLock> lock_;        // audio thread
  int64_t next_attempt_ns_ = 0;
  int64_t start_ns_ = 0;               // the track's start (begin())
  int64_t allowance_ns_ = 80'000'000;  // how long the source may stay quiet before silence fills in
  std::vector<Block> taken_;           // audio thread: blocks being pushed (their memory reused)

  mutable std::mutex mutex_;
  std::deque<Block> blocks_;  // from the PipeWire thread
  std::vector<Block> spare_;  // their memory, for reuse
  std::string state_ = "waiting";
  bool gone_ = false;
  bool warned_ = false;      // this outage was logged
  bool app_warned_ = false;  // app:NAME: "no stream matches yet" was said (once a run)
  bool app_absent_ = false;  // app:NAME: no matching stream plays (nothing is on its way)
  uint64_t reconnects_ = 0;
  uint64_t dropped_blocks_ = 0;
  int stamping_ = -1;  // the last block's stamp: 1 the graph clock, 0 a callback's time, -1 none yet
  double volume_db_ = 0;
  bool muted_ = false;
  float peak_ = 0;           // of the current second
  double peak_dbfs_ = -120;  // of the last whole second
  int64_t peak_window_ns_ = 0;
  audio::ClockStats clock_;  // copied after each pump
};

}  // namespace zc::session
