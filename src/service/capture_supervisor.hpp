#pragma once
// One capture of the daemon: its outputs (files, network outputs that reconnect, the replay
// buffer) and the pipelines that feed them. A supervisor thread runs the pipelines: it starts
// one, watches it, reconnects when PipeWire goes away, goes idle when the producer ends, and
// closes the outputs at the end. The D-Bus side (on the event loop's thread) never waits on any
// of that: it reads a published view, and hears back through the loop poster.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "output/output_set.hpp"
#include "service/loop_poster.hpp"
#include "session/pipeline.hpp"
#include "settings/capture_options.hpp"

namespace zc::service {

// Where a capture of the daemon is: its pipeline starting, waiting for frames, capturing; between
// pipelines reconnecting (PipeWire went away) or idle (the producer ended, the replay buffer
// kept); stopping, stopped or failed at the end.
enum class CaptureState : uint8_t { starting, waiting, capturing, reconnecting, idle, stopping, stopped, failed };
// "starting", "waiting", "capturing", ...: the D-Bus State property, StateChanged and the metrics.
std::string_view to_string(CaptureState state);

// What D-Bus properties and metrics show. The counters add up over the capture's pipelines.
struct CaptureView {
  CaptureState state = CaptureState::starting;
  std::string source;
  std::string encoder;
  std::string import_path;
  double fps_in = 0;
  double fps_out = 0;
  session::Counters counters;
  uint32_t bitrate_kbps = 0;  // target; 0: the tuning's default
  double replay_seconds = 0;  // held now
  uint64_t replay_bytes = 0;
  std::vector<std::string> outputs;  // redacted, with their state
  uint64_t queue_depth = 0;
  double cpu_ms_per_frame = 0;                  // capture thread (validation + import), per frame
  double gpu_ms_per_frame = -1;                 // GPU importer, per frame; -1: none measured (CPU path)
  uint64_t output_bytes = 0;                    // written to the outputs, all of them (the video's and the sound's)
  std::string audio_codec;                      // "opus", "aac"; empty without sound
  std::vector<session::AudioInputStats> audio;  // per source, as asked for (their state once running)
  bool paused = false;                          // Pause(): nothing is encoded until Resume()
  double paused_s = 0;                          // paused time so far, left out of the recording
};

struct CaptureEvent {
  enum class Kind { state, error };
  Kind kind;
  std::string text;  // the new state's name, or a human message (redacted)
};

// The daemon side. Every call comes on the event loop's thread (through the poster).
class CaptureHost {
 public:
  virtual ~CaptureHost() = default;
  // The first pipeline started (ok) or could not (the capture then finishes).
  virtual void capture_started(uint32_t id, Result<void> result) = 0;
  // take_events() has something.
  virtual void capture_events(uint32_t id) = 0;
  // The supervisor is done: outputs closed, no thread of the capture left running.
  virtual void capture_finished(uint32_t id) = 0;
};

struct CaptureSettings {
  double reconnect_seconds = 60;                 // 0: forever
  std::chrono::milliseconds reconnect_min{500};  // pipeline restarts: first wait
  output::ReconnectOptions network;              // network outputs (its keyframe callback is ours)
  std::string replay_directory;                  // for SaveReplay with an empty path
  session::PipelineHooks hooks;                  // tests inject an importer or an encoder catalog
};

class CaptureSupervisor {
 public:
  CaptureSupervisor(uint32_t id, settings::CaptureSpec spec, CaptureSettings settings, LoopPoster& poster,
                    CaptureHost& host);
  ~CaptureSupervisor();  // stops, then joins every thread of the capture
  CaptureSupervisor(const CaptureSupervisor&) = delete;
  CaptureSupervisor& operator=(const CaptureSupervisor&) = delete;

  uint32_t id() const { return id_; }
  std::string path() const;
  std::string source() const { return capture::to_string(spec_.record.source); }

  // Starts the supervisor. CaptureHost::capture_started follows.
  void start();
  // Asks for a clean end (idempotent). CaptureHost::capture_finished follows.
  void stop();

  void request_keyframe();
  // `done` runs on the loop's thread: Errc::unsupported when the encoder cannot change its rate
  // while running, Errc::cancelled when no pipeline runs.
  void set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done);
  // Mutes or unmutes an audio source by the name it was asked for ("output", "node:57"), now and
  // in pipelines made after a reconnect. Errc::not_found naming the sources there are.
  Result<void> set_audio_mute(const std::string& source, bool mute);
  // Pause (true) or resume (false) the capture, now and across its pipelines (a PipeWire restart
  // keeps it paused). False when it already was in that state.
  bool set_paused(bool paused);
  // Checks what can be checked at once (a replay buffer exists and holds something, the path
  // is a writable file of a container for the codec); then writes on a thread of its own while
  // the capture goes on, and `done` (on the loop's thread) gets the path and seconds written.
  // An empty path means the replay directory; seconds 0 means everything held.
  Result<void> save_replay(const std::string& path, double seconds,
                           std::function<void(Result<std::pair<std::string, double>>)> done);

  CaptureView view() const;
  std::vector<CaptureEvent> take_events();
  bool has_replay() const { return spec_.replay_seconds > 0; }

 private:
  // The supervisor thread: outputs, then pipelines one after the other (PipeWire restarts and
  // producers that come back), each step below.
  enum class Next : uint8_t { run, retry, failed, stop };
  struct Attempts {
    bool first = true;          // no pipeline ran yet: a failure is StartCapture's
    int64_t lost_since_ns = 0;  // when the last one was lost (0: none lost)
    std::chrono::milliseconds backoff{};
  };
  void run();
  bool open_outputs();
  bool resolve_region();  // --region select, once for the capture
  Next start_pipeline(Attempts& attempts, std::unique_ptr<session::Pipeline>& out);
  session::Outcome supervise(session::Pipeline& pipeline);
  Next after_run(const zc::session::Outcome& outcome, Attempts& attempts);
  bool stopping();
  // The view from `pipeline` (null: between pipelines), in `state` when given, else in the
  // pipeline's.
  void publish(session::Pipeline* pipeline, std::optional<CaptureState> state);
  void set_state(CaptureState state);
  void report_error(const std::string& message);
  bool sleep_unless_stopped(std::chrono::milliseconds duration);
  Result<std::unique_ptr<session::Pipeline>> make_pipeline();
  void finish(CaptureState state);

  const uint32_t id_;
  settings::CaptureSpec spec_;
  const CaptureSettings settings_;
  LoopPoster& poster_;
  CaptureHost& host_;
  const int64_t time_origin_ns_;
  const std::shared_ptr<session::PauseClock> pauses_ = std::make_shared<session::PauseClock>();

  std::unique_ptr<output::OutputSet> outputs_;  // created and closed by the supervisor; kept for replays
  std::thread supervisor_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // stop requested
  bool stop_requested_ = false;
  bool finishing_ = false;                 // no new replay saves
  session::Pipeline* pipeline_ = nullptr;  // the running one (owned by the supervisor), under mutex_
  CaptureView view_;
  session::Counters ended_;  // counters of the pipelines that ended
  std::vector<CaptureEvent> events_;
  std::vector<std::thread> savers_;
  session::RateMeter in_meter_, out_meter_;
  int64_t next_rate_ns_ = 0;
};

}  // namespace zc::service
