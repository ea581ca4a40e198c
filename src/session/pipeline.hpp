#pragma once
// One capture run, the thin part that starts, stops and reports it: the outputs and the encoder
// chosen before anything opens, then the source opened (session/source_opener), the video track
// (capture → import → encode, session/video_track) and the audio track beside it
// (session/audio_track), both writing into the run's streams (session/stream_writer). `zerocast
// record` runs one; the daemon runs one per capture, and a new one after PipeWire restarts.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "encode/selector.hpp"
#include "output/output_set.hpp"
#include "output/sink.hpp"
#include "session/audio/audio_track.hpp"
#include "session/counters.hpp"
#include "session/pause_clock.hpp"
#include "session/record_options.hpp"
#include "session/snapshot.hpp"
#include "session/source_opener.hpp"
#include "session/stream_writer.hpp"
#include "session/video_track.hpp"
#include "zerocopy/importer.hpp"

namespace zc::testsrc {
struct Options;
}  // namespace zc::testsrc

namespace zc::session {

struct PipelineHooks {
  // The importer tried before the CPU importer (a GPU bridge; fakes in tests). Default: none.
  std::function<std::unique_ptr<zerocopy::Importer>()> make_importer;
  // The one tried instead when the chosen encoder takes VA surfaces (the VA-API importer on the
  // encoder's display). Default: none (the CPU path's host frames are uploaded).
  std::function<std::unique_ptr<zerocopy::Importer>()> make_vaapi_importer;
  // The CPU importer behind it (zerocopy_mode.hpp names it after why the CPU path runs).
  // Default: a plain CpuImporter.
  std::function<std::unique_ptr<zerocopy::Importer>()> make_cpu_importer;
  // Tests adjust the built-in test source (--source test) before it starts, e.g. its dmabuf mode.
  std::function<void(testsrc::Options&)> adjust_test_source;
  // Tests inject an encoder catalog; default: encode::default_catalog().
  std::optional<encode::Catalog> catalog;
  // How network outputs retry (the [network] settings); the keyframe callback is the pipeline's.
  output::ReconnectOptions reconnect;

  // The daemon's additions: one capture outlives its pipelines (PipeWire restarts), so its
  // outputs do too.
  // Builds the outputs instead of an OutputSet of options.outputs; the pipeline closes what it
  // gets when it ends. With it, options.outputs may be empty (a capture that feeds a replay
  // buffer only).
  std::function<Result<std::unique_ptr<output::Sink>>()> make_sinks;
  // Capture time that maps to pts 0 for every encoder (default: this pipeline's first frame), so
  // that successive pipelines feeding the same outputs keep their timestamps increasing.
  std::optional<int64_t> time_origin_ns;
  // Pause and resume spans shared by successive pipelines of one capture (a pause outlasts a
  // PipeWire restart). Default: the pipeline's own.
  std::shared_ptr<PauseClock> pauses;
};

class Pipeline final : private VideoTrack::Listener {
 public:
  // Validates everything that can be checked before anything opens (options, codec/container
  // pairs, output paths), then selects the encoder.
  static Result<std::unique_ptr<Pipeline>> create(RecordOptions options, PipelineHooks hooks = {});
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Opens the source, starts the sound, then the video track (the encoder thread and capture).
  Result<void> start();
  // Asks for a clean end. Thread-safe.
  void request_stop(std::string reason);
  // Blocks until the run ends, or `timeout` passes (nullopt then). Once it returns an Outcome,
  // every output is closed.
  // Also ends a run whose --duration passed without a frame to end it (kDurationGraceNs).
  std::optional<Outcome> wait(std::chrono::milliseconds timeout);

  Snapshot snapshot() const;
  void request_keyframe();
  // Mutes or unmutes an audio source of this run by its name ("output"); false: none such.
  bool set_audio_muted(const std::string& name, bool muted);
  // Asks for a new target bitrate; the encoder thread applies it within ~100 ms (between frames)
  // and calls `done` there with the outcome: Errc::unsupported from an encoder that cannot change
  // its rate while running (it keeps its rate), Errc::cancelled if the run ends first. Later
  // encoders start at the new rate. Thread-safe; a newer request replaces a pending one.
  void set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done);
  // Pause: from now nothing is encoded, the capture streams stay connected (no renegotiation).
  // Resume: what comes next continues the recording without the paused time, starting with a
  // keyframe. False when already paused (or not paused). Thread-safe.
  bool pause();
  bool resume();
  bool paused() const { return hooks_.pauses->paused(); }

 private:
  Pipeline(RecordOptions options, PipelineHooks hooks);

  // VideoTrack::Listener
  void first_frame(int64_t pts_ns) override;
  void picture_until(int64_t end_ns) override;
  void picture_queued(int64_t pts_ns) override;
  void streaming() override;
  void stop(std::string reason) override { request_stop(std::move(reason)); }
  void fail(Error error) override;
  void ended() override;

  void set_state(RunState state);
  void end_if_duration_passed();  // wait(): --duration by the clock

  RecordOptions options_;
  PipelineHooks hooks_;
  encode::Selection selection_;
  std::optional<encode::AudioCodec> audio_codec_;
  std::unique_ptr<output::OutputSet> outputs_;  // ours unless hooks.make_sinks gave the sinks
  std::unique_ptr<StreamWriter> writer_;
  std::unique_ptr<zerocopy::ImportChain> importers_;  // until the video track takes them
  AtomicCounters counters_;
  OpenedSource source_;
  std::unique_ptr<AudioTrack> audio_;
  std::unique_ptr<VideoTrack> video_;
  // video_ for the calls that come from other threads (an output's writer asks for a keyframe
  // while start() may still be making the track): set once the track exists.
  std::atomic<VideoTrack*> video_live_{nullptr};
  std::atomic<int64_t> start_ns_{0};

  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  std::optional<std::string> stop_reason_;
  std::optional<Error> fatal_;
  std::optional<Outcome> outcome_;
  RunState state_ = RunState::starting;
};

}  // namespace zc::session
