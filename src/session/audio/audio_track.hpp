#pragma once
// The run's sound: the test source's audio node when `--audio test` asks for it (clicking at the
// test video's marked frames), the audio capture (session/audio_capture: sources, clock lock, mix,
// encoders) and its packets into the run's streams. Starts with the first picture, ends with the
// last.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "encode/audio_encoder.hpp"
#include "session/audio/audio_capture.hpp"
#include "session/counters.hpp"
#include "session/record_options.hpp"
#include "session/stream_writer.hpp"

namespace zc::testsrc {
class AudioTestSource;
class TestSource;
}  // namespace zc::testsrc

namespace zc::session {

class AudioTrack {
 public:
  using FailFn = std::function<void(Error)>;

  // Starts the sources and the audio thread. `video_source` is the test source for `--audio test`
  // (an error without it); `pauses` the run's (AudioSettings::pauses). Its packets go to `writer`
  // (counted in `counters`); a failed write goes to `fail`.
  static Result<std::unique_ptr<AudioTrack>> start(const RecordOptions& options, encode::AudioCodec codec,
                                                   testsrc::TestSource* video_source,
                                                   std::shared_ptr<const PauseClock> pauses, StreamWriter& writer,
                                                   AtomicCounters& counters, FailFn fail);
  ~AudioTrack();
  AudioTrack(const AudioTrack&) = delete;
  AudioTrack& operator=(const AudioTrack&) = delete;

  const ffmpeg::StreamList& streams() const { return capture_->streams(); }
  // The first picture: tracks start at `start_ns`, packet time 0 is `origin_ns`. Any thread.
  void begin(int64_t start_ns, int64_t origin_ns) { capture_->begin(start_ns, origin_ns); }
  // The picture reaches `end_ns` (AudioCapture::video_until). Any thread.
  void video_until(int64_t end_ns) { capture_->video_until(end_ns); }
  // A frame captured at `pts_ns` waits for the encoder (AudioCapture::video_queued). Any thread.
  void video_queued(int64_t pts_ns) { capture_->video_queued(pts_ns); }
  // The recording is ending (AudioCapture::video_closing). Any thread.
  void video_closing() { capture_->video_closing(); }
  // The run ends at `end_ns` (0: before any picture): every track completed and drained up to
  // there, the sources stopped. Idempotent.
  void finish(int64_t end_ns);

  std::vector<AudioInputStats> stats() const { return capture_->stats(); }
  uint32_t tracks() const { return static_cast<uint32_t>(capture_->streams().size()); }
  Result<void> set_muted(const std::string& name, bool muted) { return capture_->set_muted(name, muted); }

 private:
  AudioTrack(StreamWriter& writer, AtomicCounters& counters, FailFn fail);
  void write(std::vector<ffmpeg::EncodedPacket>& packets);  // the audio thread

  StreamWriter& writer_;
  AtomicCounters& counters_;
  FailFn fail_;
  std::unique_ptr<testsrc::AudioTestSource> test_audio_;
  std::unique_ptr<AudioCapture> capture_;
};

}  // namespace zc::session
