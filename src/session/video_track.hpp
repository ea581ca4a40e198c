#pragma once
// The run's picture: capture → import → queue → encode → the run's streams. The capture thread
// (PipeWire's) imports each frame into the encoder's layout and queues it; the encoder thread
// (video_encoding.cpp) encodes it, re-creating the encoder as a new generation when the size
// changes, repeats the last picture to hold a constant rate (--cfr), applies bitrate and keyframe
// requests, and writes the packets. The run around it (Pipeline) hears of the first frame, the
// picture's progress, the end conditions and the track's end through Listener.
#include <atomic>
#include <chrono>
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

#include "capture/video/stream.hpp"
#include "core/error.hpp"
#include "encode/selector.hpp"
#include "session/counters.hpp"
#include "session/frame_queue.hpp"
#include "session/pause_clock.hpp"
#include "session/record_options.hpp"
#include "session/stats.hpp"
#include "session/stream_writer.hpp"
#include "zerocopy/import_chain.hpp"

namespace zc::session {

class VideoTrack final : private capture::StreamObserver, private capture::ModifierSource {
 public:
  // What the track tells the run around it.
  class Listener {
   public:
    virtual ~Listener() = default;
    // The first frame arrived (capture thread): the run's time starts here.
    virtual void first_frame(int64_t pts_ns) = 0;
    // The picture now reaches `end_ns` (encoder thread).
    virtual void picture_until(int64_t end_ns) = 0;
    // A frame captured at `pts_ns` waits in the encoder's queue (capture thread): the picture
    // will reach at least there, however far behind the encoder is.
    virtual void picture_queued(int64_t pts_ns) = 0;
    // The stream is connected and negotiated: frames come (capture thread).
    virtual void streaming() = 0;
    // A clean end is due: duration or frame count reached, the producer ended (any thread).
    virtual void stop(std::string reason) = 0;
    virtual void fail(Error error) = 0;
    // The encoder thread is done: the encoder drained, its packets written. On the encoder thread.
    virtual void ended() = 0;
  };

  struct Settings {
    RecordOptions options;
    encode::Selection selection;
    std::optional<int64_t> time_origin_ns;  // pts 0 for every encoder (default: the first frame)
    uint32_t encoder_threads = 0;           // 0: the encoder's own choice
    // Pause and resume (never null): frames in a paused span are left out, later ones encoded at
    // their time less the spans before them (the time origin too).
    std::shared_ptr<const PauseClock> pauses = std::make_shared<PauseClock>();
    // Where the portal's stream sits in the compositor's layout, for a --region chosen there.
    std::optional<StreamPlacement> placement;
  };

  VideoTrack(Settings settings, std::unique_ptr<zerocopy::ImportChain> importers, StreamWriter& writer,
             AtomicCounters& counters, Listener& listener);
  ~VideoTrack() override;
  VideoTrack(const VideoTrack&) = delete;
  VideoTrack& operator=(const VideoTrack&) = delete;

  // Starts the encoder thread, then the capture stream (the track's own format offer, modifiers
  // and observer go into `stream`).
  Result<void> start(capture::StreamOptions stream);
  // No more frames: the encoder drains and the thread ends (Listener::ended). Thread-safe.
  void close() { queue_.close(); }
  bool closed() const { return queue_.closed(); }
  // Disconnects the capture stream; never from the PipeWire thread. Idempotent.
  void stop_capture();
  // Waits for the encoder thread.
  void join();
  // The source went away (the producer's node, the portal's session): a clean end once frames
  // came, a failure before any. Any thread.
  void source_ended(std::string_view why);

  void request_keyframe() { keyframe_requested_ = true; }
  // Pipeline::set_bitrate.
  void set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done);

  // The nominal frame rate: --fps, else the test source's, else the rate the producer announced
  // (its maximum for a variable rate), else 60. Rate control, the default GOP and the sound's end
  // follow it.
  uint32_t frame_rate() const;
  // Where the picture ends: the last encoded frame's capture time plus one frame (0: none
  // encoded). Capture time, paused spans included: the sound's end is on the same clock.
  int64_t picture_end_ns() const;
  int64_t first_frame_ns() const { return first_frame_ns_.load(); }

  // What a snapshot shows of the picture.
  struct View {
    std::string import_path;
    uint32_t width = 0, height = 0;
    size_t queue_depth = 0;
    uint32_t bitrate_kbps = 0;
    int64_t latency_p50_ns = 0, latency_p99_ns = 0, latency_settled_p99_ns = 0;
    uint64_t latency_settled_count = 0;
    double capture_cpu_ms_per_frame = 0;
    double capture_gpu_ms_per_frame = -1;
    double converted_share = -1;
    double encoded_span_s = 0;
  };
  View view() const;

 private:
  // capture::StreamObserver — on the PipeWire thread.
  void on_state(capture::StreamState state, std::string_view message) override;
  void on_format(const capture::VideoFormat& format) override;
  void on_frame(const Frame& frame) override;
  void on_defect(const capture::Defect& defect) override;
  void on_cursor_only(const Cursor& cursor, int64_t pts_ns, uint64_t sequence) override;
  void on_buffer_removed(uint64_t buffer_id) override;
  bool reads_done(uint64_t buffer_id, bool wait) override;
  // capture::ModifierSource — on the PipeWire thread.
  std::vector<uint64_t> modifiers(PixelFormat format) override;

  // --duration reached by a frame captured at `pts_ns`: asks the stop and says true.
  bool ended_by_duration(int64_t pts_ns);
  // An imported frame (or a pointer move drawn as one) to the encoder's queue, counted; the
  // capture thread's CPU since `cpu_start` is added to its time.
  void queue_frame(DeviceFrame df, int64_t cpu_start);
  // The importer's target layout for a source (logged when `log`).
  encode::InputSpec input_for(PixelFormat source, bool log) const;
  // What a source frame of this visible size and format is imported into: its layout, memory
  // and colour (by the producer's announced colour and the options: core/colour.hpp).
  zerocopy::ImportTarget target_for(uint32_t visible_width, uint32_t visible_height, PixelFormat source,
                                    bool log) const;
  // Says which HDR10 metadata the stream carries, or that an SDR stream leaves it out.
  void log_hdr_metadata(bool hdr) const;

  // The part of `visible` that is imported: the --region's crop, else all of it; nullopt (and the
  // run failed, once) when the region misses the picture.
  std::optional<Rect> imported_rect(const Rect& visible);
  // Left out while paused (counted); true when the frame at `pts_ns` is.
  bool paused_at(int64_t pts_ns);

  // The encoder thread (video_encoding.cpp). Each step returns false once the run has failed.
  struct Encoding {
    encode::EncoderPtr encoder;
    uint32_t width = 0, height = 0;
    uint32_t depth = 8;  // bits per sample of the frames it takes
    Colour colour;       // what the frames' samples mean (the stream's tags)
    uint32_t next_generation = 0;
    bool begun = false;                          // the run's streams have this generation
    bool fed = false;                            // it has had a frame (else it was opened ahead of one: open_ahead())
    int64_t last_pts_ns = 0;                     // capture time (the encoder gets it less the paused spans)
    std::vector<ffmpeg::EncodedPacket> packets;  // reused between frames
  };
  encode::EncoderConfig encoder_config(uint32_t width, uint32_t height, uint32_t depth, const Colour& colour) const;
  // The capture time the encoders' pts 0 stands for, on the timeline without paused spans.
  int64_t encoder_origin_ns() const;
  // --cfr: the longest a picture stands before it is sent again, 1 s / frame_rate() (at most
  // kMaxFps: a variable-rate producer may announce a maximum of 1000); 0 without --cfr.
  int64_t cfr_interval_ns() const;
  void encoder_loop();
  bool open_ahead(Encoding& e);
  bool ensure_encoder(Encoding& e, uint32_t width, uint32_t height, uint32_t depth, const Colour& colour);
  bool encode_frame(Encoding& e, DeviceFrame frame);
  bool repeat_if_due(Encoding& e, int64_t interval_ns);
  bool begin_streams(Encoding& e);
  bool write_packets(Encoding& e);
  void note_encoded(Encoding& e, int64_t pts_ns);
  void finish_encoder(Encoding& e);
  void apply_bitrate_request(encode::Encoder* encoder);
  bool failed(const Error& error);  // tells the listener; false

  const Settings settings_;
  std::unique_ptr<zerocopy::ImportChain> importers_;
  StreamWriter& writer_;
  AtomicCounters& counters_;
  Listener& listener_;

  std::unique_ptr<capture::Stream> stream_;
  // The capture thread's view of stream_: set once Stream::start returned (frames may arrive
  // before that), cleared before the stream is destroyed.
  std::atomic<capture::Stream*> stream_ptr_{nullptr};
  FrameQueue queue_{kQueueFrames};  // bounded by the frame size once it is known
  std::thread encoder_thread_;

  // Capture-thread state.
  std::optional<zerocopy::ImportTarget> target_;  // of the current generation
  uint64_t frames_accepted_ = 0;
  bool skipped_paused_ = false;
  bool region_missed_ = false;     // the run was failed for a region outside the picture    // the last frame fell in a
                                   // pause: the next one taken is a keyframe
  bool ahead_asked_ = false;       // the first format asked the encoder thread to open the encoder
  AnnouncedColour source_colour_;  // the current format's colorimetry, as the producer announced it
  uint32_t source_height_ = 0;     // and its height (what an unannounced YUV colour is assumed by)
  // What the first format announced, for the encoder thread to open the encoder before the first
  // frame comes (on_format -> open_ahead()).
  std::mutex ahead_mutex_;
  std::optional<zerocopy::ImportTarget> ahead_;

  LatencyHistogram latency_;
  LatencyHistogram latency_settled_;               // from kSettledAfterNs after the first frame
  std::atomic<uint64_t> frames_imported_{0};       // imported and queued (frames_accepted_, for readers)
  std::atomic<int64_t> cpu_ns_capture_thread_{0};  // CPU time spent in on_frame (import included)
  std::atomic<uint64_t> gpu_frames_timed_{0};      // frames the GPU importer measured
  std::atomic<uint64_t> gpu_ns_{0};                // their GPU time, summed
  std::atomic<int64_t> first_frame_ns_{0};
  std::atomic<uint32_t> width_{0}, height_{0};
  std::atomic<uint32_t> source_fps_{0};  // announced by the producer's format (0: none)
  std::atomic<bool> keyframe_requested_{false};
  std::atomic<uint32_t> bitrate_kbps_{0};
  std::atomic<int64_t> first_encoded_pts_ns_{0};
  std::atomic<int64_t> last_encoded_pts_ns_{0};

  struct BitrateRequest {
    uint32_t kbps = 0;
    std::function<void(Result<void>)> done;
  };
  std::mutex bitrate_mutex_;
  std::optional<BitrateRequest> bitrate_request_;
  bool bitrate_closed_ = false;  // the encoder thread is done: requests are cancelled at once
};

}  // namespace zc::session
