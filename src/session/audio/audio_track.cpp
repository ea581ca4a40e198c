#include "session/audio/audio_track.hpp"

#include <algorithm>
#include <chrono>

#include "core/log.hpp"
#include "testsrc/audio_source.hpp"
#include "testsrc/test_source.hpp"

namespace zc::session {

Result<std::unique_ptr<AudioTrack>> AudioTrack::start(const RecordOptions& options, encode::AudioCodec codec,
                                                      testsrc::TestSource* video_source,
                                                      std::shared_ptr<const PauseClock> pauses, StreamWriter& writer,
                                                      AtomicCounters& counters, FailFn fail) {
  std::unique_ptr<AudioTrack> track(new AudioTrack(writer, counters, std::move(fail)));
  AudioSettings settings;
  settings.sources = options.audio;
  settings.tracks = options.audio_tracks;
  settings.codec = codec;
  settings.bitrate_kbps = options.audio_bitrate_kbps;
  settings.relink = options.toggles.relink;
  settings.pauses = std::move(pauses);
  const bool wants_test = std::any_of(settings.sources.begin(), settings.sources.end(), [](const auto& s) {
    return s.spec.kind == capture::AudioSourceSpec::Kind::test;
  });
  if (wants_test) {
    if (!video_source) {
      return zc::fail(Errc::invalid_argument, "capture:audio",
                      "--audio test goes with --source test (its clicks mark its frames)");
    }
    testsrc::AudioOptions ao;
    ao.ppm = options.test_audio_ppm;
    ao.marks = [video_source](int64_t from, int64_t to, std::vector<int64_t>& out) {
      video_source->marks_between(from, to, out);
    };
    track->test_audio_ = std::make_unique<testsrc::AudioTestSource>(ao);
    if (auto ok = track->test_audio_->start(); !ok) return tl::unexpected(ok.error());
    auto node = track->test_audio_->wait_for_node(std::chrono::seconds(5));
    if (!node) return tl::unexpected(node.error());
    settings.test_target = std::to_string(node->serial);
  }
  auto capture = AudioCapture::create(settings, [raw = track.get()](auto& packets) { raw->write(packets); });
  if (!capture) return tl::unexpected(capture.error());
  track->capture_ = std::move(*capture);
  writer.set_audio_streams(track->capture_->streams());
  track->capture_->start();
  zc::log::info("record: sound from {} source(s), {} as {}", settings.sources.size(),
                settings.tracks == AudioTracks::mix ? "mixed" : "one track each", encode::to_string(settings.codec));
  return track;
}

AudioTrack::AudioTrack(StreamWriter& writer, AtomicCounters& counters, FailFn fail)
    : writer_(writer), counters_(counters), fail_(std::move(fail)) {}

AudioTrack::~AudioTrack() {
  finish(0);
}

void AudioTrack::write(std::vector<ffmpeg::EncodedPacket>& packets) {
  counters_.add(Counter::audio_packets, packets.size());
  if (auto ok = writer_.write_audio(packets); !ok) fail_(ok.error());
}

void AudioTrack::finish(int64_t end_ns) {
  if (capture_) capture_->finish(end_ns);
  if (test_audio_) test_audio_->stop();
}

}  // namespace zc::session
