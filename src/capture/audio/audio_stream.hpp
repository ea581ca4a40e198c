#pragma once
// A PipeWire audio capture stream: the sound of one source (a sink's monitor, a microphone, the
// playback streams of an application, linked into it by us) as interleaved float samples at a fixed rate and
// channel count (PipeWire's adapter converts: mono is upmixed, other rates resampled), each block
// stamped with the capture time of its first sample from PipeWire's graph clock.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "capture/audio/audio_source.hpp"
#include "capture/graph/app_match.hpp"
#include "capture/video/stream.hpp"
#include "core/error.hpp"

namespace zc::capture {

// All calls come on the stream's PipeWire thread; never destroy the AudioStream from one.
class AudioObserver {
 public:
  virtual ~AudioObserver() = default;
  virtual void on_audio_state(StreamState state, std::string_view message) = 0;
  // `interleaved` holds whole frames of AudioStreamOptions::channels; valid during the call.
  // `graph_clock`: the time comes from the graph's clock; false when the driver set none (a
  // client stream driving, PipeWire 0.3.65) and the callback's own time stands in, which a
  // starved thread makes late.
  virtual void on_samples(std::span<const float> interleaved, int64_t first_sample_ns, bool graph_clock) = 0;
  // app:NAME only: a matching playback stream joined or left, or there is none (yet).
  virtual void on_app_stream(const AppStreamEvent& event) { (void)event; }
};

struct AudioStreamOptions {
  AudioTarget target;
  uint32_t rate = 48000;
  uint32_t channels = 2;
  std::string node_name = "zerocast-audio";
  // Link the stream again when a session manager's restart takes its links (LinkKeeper);
  // false: the session manager alone links it (ZEROCAST_RELINK=0).
  bool relink = true;
};

struct AudioStreamStats {
  uint64_t buffers = 0;
  uint64_t samples = 0;      // per channel
  uint64_t bad_buffers = 0;  // skipped: a chunk outside its memory, no memory, a broken frame size
};

class AudioStream {
 public:
  // Connects and starts the stream's thread. Later failures (the target missing or gone) arrive
  // as on_audio_state().
  static Result<std::unique_ptr<AudioStream>> start(AudioStreamOptions options, AudioObserver& observer);
  ~AudioStream();
  AudioStream(const AudioStream&) = delete;
  AudioStream& operator=(const AudioStream&) = delete;

  AudioStreamStats stats() const;  // any thread
  uint32_t node_id() const;        // ours, 0 until PipeWire assigned it

  struct Impl;

 private:
  explicit AudioStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::capture
