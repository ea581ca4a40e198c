#pragma once
// One capture, wired: source → capture::Stream → Importer → FrameQueue → Encoder → sinks.
// The capture thread (PipeWire's) imports each frame and queues it; the encoder thread encodes
// and writes. `zerocast record` runs one; the daemon will run several.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "capture/portal.hpp"
#include "capture/stream.hpp"
#include "core/error.hpp"
#include "encode/selector.hpp"
#include "output/output_set.hpp"
#include "output/sink.hpp"
#include "session/audio_capture.hpp"
#include "session/frame_queue.hpp"
#include "session/record_options.hpp"
#include "session/stats.hpp"
#include "zerocopy/import_chain.hpp"
#include "zerocopy/importer.hpp"

namespace zc::testsrc {
class TestSource;
class AudioTestSource;
struct Options;
}  // namespace zc::testsrc

namespace zc::session {

// A live view for status lines and summaries.
struct Snapshot {
  std::string state;  // "starting", "waiting for frames", "recording", "finished", "failed"
  std::string encoder;
  std::string import_path;  // "cpu (libyuv)", ...
  std::string source;       // what we captured, e.g. "test source 1920x1080@60 (serial 42)"
  double elapsed_s = 0;
  uint64_t frames_captured = 0;
  uint64_t frames_missed = 0;   // the producer numbered them, the graph never delivered them
  uint64_t cursor_only = 0;     // buffers with only a cursor update: the pointer moved, the picture did not
  uint64_t pointer_frames = 0;  // ... drawn as a frame (the last picture, the pointer where it is now)
  uint64_t frames_encoded = 0;
  uint64_t frames_repeated = 0;
  uint64_t dropped_queue = 0;
  uint64_t dropped_defect = 0;
  uint64_t dropped_import = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t generations = 0;
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
  std::vector<std::string> outputs;    // redacted, with a failure note when detached
  size_t queue_depth = 0;              // frames waiting for the encoder
  uint32_t bitrate_kbps = 0;           // the target (0: the tuning's default)
  std::string audio_codec;             // "opus", "aac"; empty without sound
  std::vector<AudioInputStats> audio;  // per audio source
  uint64_t audio_packets = 0;
  uint32_t audio_tracks = 0;  // encoded tracks: 1 mixed, or one per source
  uint64_t dropped_total() const { return dropped_queue + dropped_defect + dropped_import; }
};

// Where the steady state starts for Snapshot::latency_settled_p99_ns (as record_bench's CPU window).
inline constexpr int64_t kSettledAfterNs = 2'000'000'000;
// --duration ends by the clock this long after its time when no frame has ended it.
inline constexpr int64_t kDurationGraceNs = 1'000'000'000;

// How a run ended.
struct Outcome {
  std::optional<Error> error;  // set when it failed
  std::string reason;          // "duration reached", "interrupted", "producer ended: ...", ...
};

struct PipelineHooks {
  // The importer tried before the CPU importer (a GPU bridge; fakes in tests). Default: none.
  std::function<std::unique_ptr<zerocopy::Importer>()> make_importer;
  // The CPU importer behind it (zerocopy_mode.hpp names it after why the CPU path runs).
  // Default: a plain CpuImporter.
  std::function<std::unique_ptr<zerocopy::Importer>()> make_cpu_importer;
  // Tests adjust the built-in test source (--source test) before it starts, e.g. its dmabuf mode.
  std::function<void(testsrc::Options&)> adjust_test_source;
  // Tests inject an encoder catalog; default: encode::default_catalog().
  std::optional<encode::Catalog> catalog;

  // The daemon's additions: one capture outlives its pipelines (PipeWire restarts), so its
  // outputs do too.
  // Builds the outputs instead of an OutputSet of options.outputs; the pipeline closes what it
  // gets when it ends. With it, options.outputs may be empty (a capture that feeds a replay
  // buffer only).
  std::function<Result<std::unique_ptr<output::Sink>>()> make_sinks;
  // Capture time that maps to pts 0 for every encoder (default: this pipeline's first frame), so
  // that successive pipelines feeding the same outputs keep their timestamps increasing.
  std::optional<int64_t> time_origin_ns;
};

class Pipeline final : private capture::StreamObserver, private capture::ModifierSource {
 public:
  // Validates everything that can be checked before anything opens (options, codec/container
  // pairs, output paths), then selects the encoder.
  static Result<std::unique_ptr<Pipeline>> create(RecordOptions options, PipelineHooks hooks = {});
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Starts the source (test) or resolves it, connects capture and starts the encoder thread.
  Result<void> start();
  // Asks for a clean end. Thread-safe.
  void request_stop(std::string reason);
  // Blocks until the run ends, or `timeout` passes (nullopt then). Once it returns an Outcome,
  // every output is closed.
  // Also ends a run whose --duration passed without a frame to end it (kDurationGraceNs).
  std::optional<Outcome> wait(std::chrono::milliseconds timeout);

  Snapshot snapshot() const;
  const std::vector<std::string>& selection_log() const { return selection_log_; }
  void request_keyframe();
  // Mutes or unmutes an audio source of this run by its name ("output"); false: none such.
  bool set_audio_muted(const std::string& name, bool muted);
  // Asks for a new target bitrate; the encoder thread applies it within ~100 ms (between frames)
  // and calls `done` there with the outcome: Errc::unsupported from an encoder that cannot change
  // its rate while running (it keeps its rate), Errc::cancelled if the run ends first. Later
  // encoders start at the new rate. Thread-safe; a newer request replaces a pending one.
  void set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done);

 private:
  Pipeline(RecordOptions options, PipelineHooks hooks);

  // capture::StreamObserver — on the PipeWire thread.
  void on_state(capture::StreamState state, std::string_view message) override;
  void on_format(const capture::VideoFormat& format) override;
  void on_frame(const Frame& frame) override;
  void on_defect(const capture::Defect& defect) override;
  void on_cursor_only(const Cursor& cursor, int64_t pts_ns, uint64_t sequence) override;
  void on_buffer_removed(uint64_t buffer_id) override;
  bool reads_done(uint64_t buffer_id, bool wait) override;
  // --duration reached by a frame captured at `pts_ns`: asks the stop and says true.
  bool ended_by_duration(int64_t pts_ns);
  // An imported frame (or a pointer move drawn as one) to the encoder's queue, counted; the
  // capture thread's CPU since `cpu_start` is added to its time.
  void queue_frame(DeviceFrame df, int64_t cpu_start);
  // capture::ModifierSource — on the PipeWire thread.
  std::vector<uint64_t> modifiers(PixelFormat format) override;

  encode::EncoderConfig encoder_config(uint32_t width, uint32_t height, uint32_t depth) const;
  // The nominal frame rate: --fps, else the test source's, else the rate the producer announced
  // (its maximum for a variable rate), else 60. Rate control, the default GOP and the sound's
  // end follow it.
  uint32_t frame_rate() const;
  // --cfr: the longest a picture stands before it is sent again, 1 s / frame_rate() (at most
  // kMaxFps: a variable-rate producer may announce a maximum of 1000); 0 without --cfr.
  int64_t cfr_interval_ns() const;
  // The importer's target layout for a source (logged when `log`).
  encode::InputSpec input_for(PixelFormat source, bool log = true) const;
  // What a source frame of this visible size and format is imported into.
  zerocopy::ImportTarget target_for(uint32_t visible_width, uint32_t visible_height, PixelFormat source,
                                    bool log) const;
  void set_state(std::string state);
  void fail(Error error);
  void end_if_duration_passed();  // wait(): --duration by the clock

  // Encoder thread (pipeline_encode.cpp). Each step returns false once the run has failed.
  struct VideoEncoding {
    encode::EncoderPtr encoder;
    uint32_t width = 0, height = 0;
    uint32_t depth = 8;  // bits per sample of the frames it takes
    uint32_t next_generation = 0;
    bool begun = false;  // the sinks have this generation's streams
    bool fed = false;    // it has had a frame (else it was opened ahead of one: open_ahead())
    int64_t last_pts_ns = 0;
    std::vector<EncodedPacket> packets;  // reused between frames
  };
  void encoder_loop();
  bool open_ahead(VideoEncoding& v);
  bool ensure_encoder(VideoEncoding& v, uint32_t width, uint32_t height, uint32_t depth);
  bool encode_frame(VideoEncoding& v, DeviceFrame frame);
  bool repeat_if_due(VideoEncoding& v, int64_t interval_ns);
  bool begin_streams(VideoEncoding& v);
  bool write_packets(VideoEncoding& v);
  void note_encoded(VideoEncoding& v, int64_t pts_ns);
  void finish_encoder(VideoEncoding& v);
  void end_run();

  // Sound (pipeline_audio.cpp): the test source's audio, the capture, packets into the sinks.
  Result<void> start_audio();
  void write_audio(std::vector<EncodedPacket>& packets);  // the audio thread
  void end_audio();

  RecordOptions options_;
  PipelineHooks hooks_;
  encode::Selection selection_;
  std::vector<std::string> selection_log_;
  std::unique_ptr<output::OutputSet> outputs_;  // ours unless hooks.make_sinks gave the sinks
  std::unique_ptr<output::Sink> sinks_;
  // The encoder thread (video) and the audio thread both write to the sinks: one at a time, and
  // audio only once the video has begun the streams (what comes before waits in audio_pending_).
  std::mutex sinks_mutex_;
  bool streams_begun_ = false;
  uint32_t generation_ = 0;  // of the streams begun last
  std::vector<EncodedPacket> audio_pending_;
  std::optional<encode::AudioCodec> audio_codec_;
  std::unique_ptr<AudioCapture> audio_;
  std::unique_ptr<testsrc::AudioTestSource> test_audio_;
  std::atomic<uint64_t> audio_packets_{0};
  std::unique_ptr<zerocopy::ImportChain> importers_;
  std::unique_ptr<testsrc::TestSource> test_source_;
  // --source portal: the portal's stream lives as long as this session (closed after stream_).
  std::unique_ptr<capture::PortalSession> portal_;
  std::unique_ptr<capture::Stream> stream_;
  // The capture thread's view of stream_: set once Stream::start returned (frames may arrive
  // before that), cleared before the stream is destroyed.
  std::atomic<capture::Stream*> stream_ptr_{nullptr};
  FrameQueue queue_{kQueueFrames};  // bounded by the frame size once it is known
  std::thread encoder_thread_;

  // Capture-thread state.
  std::optional<zerocopy::ImportTarget> target_;  // of the current generation
  uint64_t frames_accepted_ = 0;
  bool ahead_asked_ = false;  // the first format asked the encoder thread to open the encoder

  // What the first format announced, for the encoder thread to open the encoder before the first
  // frame comes (on_format -> open_ahead()).
  std::mutex ahead_mutex_;
  std::optional<zerocopy::ImportTarget> ahead_;

  PipelineCounters counters_;
  LatencyHistogram latency_;
  LatencyHistogram latency_settled_;  // from kSettledAfterNs after the first frame
  std::atomic<int64_t> first_frame_ns_{0};
  std::atomic<int64_t> start_ns_{0};
  std::atomic<uint32_t> width_{0}, height_{0};
  std::atomic<uint32_t> source_fps_{0};  // announced by the producer's format (0: none)
  std::atomic<bool> keyframe_requested_{false};
  std::atomic<uint32_t> bitrate_kbps_{0};
  uint32_t encoder_threads_ = 0;  // ZEROCAST_ENCODER_THREADS (0: the encoder's own choice)
  struct BitrateRequest {
    uint32_t kbps = 0;
    std::function<void(Result<void>)> done;
  };
  std::mutex bitrate_mutex_;
  std::optional<BitrateRequest> bitrate_request_;
  bool bitrate_closed_ = false;  // the encoder thread is done: requests are cancelled at once
  void apply_bitrate_request(encode::Encoder* encoder);
  std::atomic<int64_t> first_encoded_pts_ns_{0};
  std::atomic<int64_t> last_encoded_pts_ns_{0};

  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  std::optional<std::string> stop_reason_;
  std::optional<Error> fatal_;
  std::optional<Outcome> outcome_;
  std::string source_description_;
  std::string state_ = "starting";
};

}  // namespace zc::session
