// The pipeline's sound: the test source's audio node (beside the test video source, clicking at
// its marked frames), the audio capture, and its packets into the same sinks as the video's.
#include <algorithm>

#include "core/log.hpp"
#include "session/pipeline.hpp"
#include "testsrc/audio_source.hpp"
#include "testsrc/test_source.hpp"

namespace zc::session {

Result<void> Pipeline::start_audio() {
  AudioSettings settings;
  settings.sources = options_.audio;
  settings.tracks = options_.audio_tracks;
  settings.codec = audio_codec_.value_or(encode::AudioCodec::Opus);
  settings.bitrate_kbps = options_.audio_bitrate_kbps;
  const bool wants_test = std::any_of(settings.sources.begin(), settings.sources.end(), [](const auto& s) {
    return s.spec.kind == capture::AudioSourceSpec::Kind::test;
  });
  if (wants_test) {
    if (!test_source_) {
      return zc::fail(Errc::invalid_argument, "capture:audio",
                      "--audio test goes with --source test (its clicks mark its frames)");
    }
    testsrc::AudioOptions ao;
    ao.ppm = options_.test_audio_ppm;
    ao.marks = [src = test_source_.get()](int64_t from, int64_t to, std::vector<int64_t>& out) {
      src->marks_between(from, to, out);
    };
    test_audio_ = std::make_unique<testsrc::AudioTestSource>(ao);
    if (auto ok = test_audio_->start(); !ok) return ok;
    auto node = test_audio_->wait_for_node(std::chrono::seconds(5));
    if (!node) return tl::unexpected(node.error());
    settings.test_target = std::to_string(node->serial);
  }
  auto capture = AudioCapture::create(settings, [this](std::vector<EncodedPacket>& p) { write_audio(p); });
  if (!capture) return tl::unexpected(capture.error());
  audio_ = std::move(*capture);
  audio_->start();
  spdlog::info("record: sound from {} source(s), {} as {}", settings.sources.size(),
               settings.tracks == AudioTracks::mix ? "mixed" : "one track each", encode::to_string(settings.codec));
  return {};
}

void Pipeline::write_audio(std::vector<EncodedPacket>& packets) {
  std::lock_guard lock(sinks_mutex_);
  for (auto& p : packets) {
    ++audio_packets_;
    if (!streams_begun_) {
      // Held until the video encoder's first frame begins the streams (a few packets at most).
      if (audio_pending_.size() < 512) audio_pending_.push_back(std::move(p));
      continue;
    }
    p.generation = generation_;
    if (auto ok = sinks_->write(p); !ok) {
      fail(ok.error());
      return;
    }
  }
}

void Pipeline::end_audio() {
  if (!audio_) return;
  // The tracks end where the last picture stops being shown.
  const int64_t last = last_encoded_pts_ns_.load();
  const int64_t end = last ? last + 1'000'000'000LL / frame_rate() : 0;
  audio_->finish(end);
  if (test_audio_) test_audio_->stop();
}

bool Pipeline::set_audio_muted(const std::string& name, bool muted) {
  return audio_ && audio_->set_muted(name, muted).has_value();
}

}  // namespace zc::session
