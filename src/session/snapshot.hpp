#pragma once
// What a capture run reports while it runs (Snapshot: the status line, the summary, the daemon's
// D-Bus properties and metrics read it) and how it ended (Outcome).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "session/audio/audio_input.hpp"
#include "session/counters.hpp"

namespace zc::session {

enum class RunState : uint8_t {
  starting,  // the source is being opened
  waiting,   // connected, no frame yet
  recording,
  finished,
  failed,
};
// "starting", "waiting for frames", "recording", "finished", "failed"
std::string_view to_string(RunState state);

// Where the steady state starts for Snapshot::latency_settled_p99_ns (as record_bench's CPU window).
inline constexpr int64_t kSettledAfterNs = 2'000'000'000;
// --duration ends by the clock this long after its time when no frame has ended it.
inline constexpr int64_t kDurationGraceNs = 1'000'000'000;

// An output at a snapshot (output::OutputStatus): what it took, whether it failed; for a network
// output, whether a peer takes packets now, how often it was lost and found again, and why it was
// last lost.
struct OutputState {
  std::string description;  // redacted
  bool network = false;
  bool failed = false;
  bool connected = false;
  uint64_t packets = 0;
  uint64_t failures = 0;
  uint64_t reconnects = 0;
  std::string last_error;
};

struct Snapshot {
  RunState state = RunState::starting;
  std::string encoder;
  std::string import_path;  // "cpu (libyuv)", ...
  std::string source;       // what we captured, e.g. "test source 1920x1080@60 (serial 42)"
  double elapsed_s = 0;
  Counters counters;
  int64_t latency_p50_ns = 0;
  int64_t latency_p99_ns = 0;
  // The same over the frames captured from kSettledAfterNs after the first one: the steady state,
  // without the start-up (encoder open, first-touch page faults), which the whole-run p99 carries.
  int64_t latency_settled_p99_ns = 0;
  uint64_t latency_settled_count = 0;
  double capture_cpu_ms_per_frame = 0;   // on the capture thread: validation + import
  double capture_gpu_ms_per_frame = -1;  // GPU time of the GPU importer per frame; -1: none measured
  double converted_share = -1;           // of the CPU path's output pixels, the part converted (damage); -1: none
  double encoded_span_s = 0;             // video time covered by the encoded frames
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<std::string> outputs;        // redacted, with a failure note when detached
  std::vector<OutputState> output_states;  // the same in figures
  size_t queue_depth = 0;                  // frames waiting for the encoder
  uint32_t bitrate_kbps = 0;               // the target (0: the tuning's default)
  std::string audio_codec;                 // "opus", "aac"; empty without sound
  std::vector<AudioInputStats> audio;      // per audio source
  uint32_t audio_tracks = 0;               // encoded tracks: 1 mixed, or one per source
  bool paused = false;                     // nothing is encoded now (Pipeline::pause)
  double paused_s = 0;                     // the paused time so far, left out of the recording
  uint64_t pauses = 0;                     // pauses begun

  // Encoder generations so far: the first, and one per restart.
  uint64_t generations() const {
    return counters[Counter::encoder_restarts] + (counters[Counter::frames_encoded] > 0 ? 1 : 0);
  }
};

// How a run ended.
struct Outcome {
  std::optional<Error> error;  // set when it failed
  std::string reason;          // "duration reached", "interrupted", "producer ended: ...", ...
};

}  // namespace zc::session
