#pragma once
// The outputs of a capture, the one place they are built for `zerocast record` and the daemon:
// files, network outputs that reconnect, and the replay buffer, behind one tee. They outlive the
// pipelines that feed them (the daemon restarts a pipeline after a PipeWire restart): each
// pipeline gets a handle (attach()) that writes through to them and keeps the streams continuous
// across pipelines: a new pipeline whose encoders have the same parameters as the last one's
// continues the same streams (same file), one with other parameters starts a new generation (a
// file rolls over to NAME-001.ext).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "output/reconnecting_sink.hpp"
#include "output/replay_ring.hpp"
#include "output/tee_sink.hpp"

namespace zc::output {

struct OutputSetOptions {
  std::vector<std::string> specs;  // files (absolute paths) and URLs
  AVCodecID codec = AV_CODEC_ID_H264;
  std::optional<AVCodecID> audio_codec;         // the sound's codec, when there is sound
  std::optional<output::ReplayOptions> replay;  // a replay buffer when set
  output::ReconnectOptions reconnect;           // for network outputs (its keyframe callback too)
};

struct OutputStatus {
  std::string description;  // redacted; with "(failed: ...)" or "(reconnecting: ...)"
  std::string name;         // redacted, without the note
  bool failed = false;      // detached: a file's write failed, a network output gave up
  uint64_t packets = 0;     // written (files) or sent (network outputs)
  std::string last_error;   // why it failed, or why a network output was last lost
  // Network outputs (they reconnect, then give up): whether a peer takes packets now, how often
  // it was lost and found again.
  bool network = false;
  bool connected = false;
  uint64_t failures = 0;
  uint64_t reconnects = 0;
};

class OutputSet {
 public:
  // Refuses what can be refused before anything opens (see output::open_sink); opens nothing.
  static Result<std::unique_ptr<OutputSet>> open(OutputSetOptions options);
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // A sink for one pipeline: forwards to every output; close() on it does not close them.
  std::unique_ptr<output::Sink> attach();

  output::ReplayRing* replay() const { return replay_; }  // null without a replay buffer
  // Every output but the replay buffer, in the order given. Thread-safe.
  std::vector<OutputStatus> status() const;
  // Outputs that failed since the last call ("PATH: why"), for Error signals. Thread-safe.
  std::vector<std::string> take_new_failures();
  uint64_t reconnects() const;  // network outputs reconnected, in total
  output::SinkStats stats() const;
  // Finalizes every output (trailers written, peers closed); the replay buffer keeps its packets.
  // Idempotent; bounded (network outputs give up after their close timeout).
  Result<void> close();

 private:
  class Handle;
  OutputSet() = default;
  std::optional<uint32_t> generation_for(const ffmpeg::StreamList& streams);

  std::unique_ptr<output::TeeSink> tee_;
  output::ReplayRing* replay_ = nullptr;  // owned by tee_, its last member
  // One per output before the replay buffer, in the tee's order: the network outputs'
  // reconnecting sinks (owned by tee_, inside QueuedSinks), null for files.
  std::vector<output::ReconnectingSink*> reconnecting_;

  mutable std::mutex mutex_;
  bool closed_ = false;
  std::vector<std::string> reported_;  // failures already taken by take_new_failures()
  // Generation continuity across pipelines.
  ffmpeg::StreamList last_streams_;
  uint32_t generation_ = 0;
  bool begun_ = false;
};

// True when two streams' parameters are interchangeable for a muxer already running (codec,
// size, format, extradata).
bool same_stream_parameters(const AVCodecParameters& a, const AVCodecParameters& b);
// The same for every stream of two lists, in order.
bool same_streams(const ffmpeg::StreamList& a, const ffmpeg::StreamList& b);

}  // namespace zc::output
