#include "session/audio/audio_capture.hpp"

#include <algorithm>

#include "audio/mix.hpp"
#include "capture/graph/source.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace zc::session {
namespace {

constexpr const char* kStage = "capture:audio";
constexpr auto kPumpEvery = std::chrono::milliseconds(10);
constexpr int64_t kMaxHoldNs = 1'000'000'000;  // sound waits for a stalled picture this long at most
// ... and for an encoder that is behind (frames in its queue) this long: 10 s of sound held is
// about 4 MB per source.
constexpr int64_t kMaxBehindNs = 10'000'000'000;

bool needs_lookup(const AudioSettings& s) {
  return std::any_of(s.sources.begin(), s.sources.end(), [](const AudioSourceSetting& src) {
    using Kind = capture::AudioSourceSpec::Kind;
    return src.spec.kind != Kind::test && src.spec.kind != Kind::app;
  });
}

Result<capture::AudioTarget> target_for(const AudioSourceSetting& source, const AudioSettings& settings,
                                        const std::vector<capture::NodeInfo>& nodes) {
  using Kind = capture::AudioSourceSpec::Kind;
  if (source.spec.kind == Kind::test) {
    if (settings.test_target.empty()) {
      return fail(Errc::invalid_argument, kStage,
                  "the test audio source goes with the test video source (--source test)");
    }
    return capture::AudioTarget{settings.test_target, false, false, "the test source's sound", {}, false};
  }
  auto target = capture::find_audio_target(source.spec, nodes);
  if (!target) return target;
  if (source.spec.kind == Kind::output || source.spec.kind == Kind::input) {
    const bool want_sink = source.spec.kind == Kind::output;
    const bool any = std::any_of(nodes.begin(), nodes.end(), [&](const capture::NodeInfo& n) {
      return want_sink ? capture::is_audio_sink(n) : n.media_class.rfind("Audio/Source", 0) == 0;
    });
    if (!any) {
      zc::log::warn("audio: there is no {} here: the '{}' track is silent until one appears",
                    want_sink ? "sound output (sink)" : "microphone (source)", capture::to_string(source.spec));
    }
  }
  return target;
}

}  // namespace

AudioCapture::AudioCapture(AudioSettings settings, Emit emit)
    : settings_(std::move(settings)), emit_(std::move(emit)) {}

AudioCapture::~AudioCapture() {
  finish(0);
}

Result<std::unique_ptr<AudioCapture>> AudioCapture::create(const AudioSettings& settings, Emit emit) {
  std::unique_ptr<AudioCapture> c(new AudioCapture(settings, std::move(emit)));
  std::vector<capture::NodeInfo> nodes;
  if (needs_lookup(settings)) {
    auto listed = capture::list_nodes();
    if (!listed) return tl::unexpected(listed.error());
    nodes = std::move(*listed);
  }
  for (const auto& source : settings.sources) {
    auto target = target_for(source, settings, nodes);
    if (!target) return tl::unexpected(target.error());
    c->inputs_.push_back(std::make_unique<AudioInput>(capture::to_string(source.spec), std::move(*target),
                                                      source.volume_db, source.muted, settings.relink));
  }
  const size_t encoders = settings.tracks == AudioTracks::mix ? 1 : settings.sources.size();
  for (size_t i = 0; i < encoders; ++i) {
    encode::AudioEncoderConfig config;
    config.codec = settings.codec;
    config.bitrate_kbps = settings.bitrate_kbps;
    config.index = static_cast<uint32_t>(i + 1);
    auto encoder = encode::make_audio_encoder(config);
    if (!encoder) return tl::unexpected(encoder.error());
    c->streams_.push_back((*encoder)->stream_info());
    c->encoders_.push_back(std::move(*encoder));
  }
  c->tracks_.resize(c->inputs_.size());
  return c;
}

void AudioCapture::start() {
  for (auto& input : inputs_)
    input->start();
  thread_ = std::thread([this] { run(); });
}

void AudioCapture::begin(int64_t start_ns, int64_t origin_ns) {
  std::lock_guard lock(mutex_);
  if (begun_ || stopping_) return;
  start_ns_ = start_ns;
  for (auto& e : encoders_)
    e->set_time_origin(settings_.pauses ? settings_.pauses->shift(origin_ns) : origin_ns);
  begun_ = true;
  wake_.notify_all();
}

void AudioCapture::finish(int64_t end_ns) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    stopping_ = true;
    end_ns_ = end_ns;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  for (auto& input : inputs_)
    input->stop();  // their streams (and PipeWire threads) go; their figures stay readable
}

void AudioCapture::run() {
  name_this_thread("zc-audio-enc");
  {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return begun_ || stopping_; });
    if (!begun_) return;  // ended before any video frame: no sound either
  }
  for (auto& input : inputs_) {
    if (auto ok = input->begin(start_ns_); !ok) {
      zc::log::error("audio: {}", ok.error().describe());
      return;
    }
  }
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, kPumpEvery, [&] { return stopping_; })) break;
    }
    if (auto ok = pump(monotonic_ns()); !ok) {
      zc::log::error("audio: {}; the recording goes on without sound", ok.error().describe());
      return;
    }
  }
  // The end: what came in, then silence up to the video's end, then the encoders' tails.
  (void)pump(monotonic_ns());
  for (size_t i = 0; i < inputs_.size(); ++i)
    inputs_[i]->fill_until(end_ns_, tracks_[i]);
  (void)advance(end_ns_);
  pad_to_end();
  drain();
}

Result<void> AudioCapture::pump(int64_t now_ns) {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (auto ok = inputs_[i]->pump(now_ns, tracks_[i]); !ok) return ok;
  }
  // A stalled picture (a still screen, a lost link) lets the sound go on a second behind the
  // clock. An encoder that is behind does not: its queued frames will reach the picture later,
  // and sound encoded past them would outlast the picture at the end (the PipeWire 1.4 guest beside
  // a busy host: 2.35 s when the encoder ran 0.6-2.8 s behind).
  // Nor while the recording ends: the encoder's drain (its last frames, its lookahead) can take
  // longer than a second.
  const int64_t video_end = video_end_ns_.load(std::memory_order_relaxed);
  if (video_closing_.load(std::memory_order_relaxed)) return advance(video_end);
  const bool behind = video_queued_ns_.load(std::memory_order_relaxed) >= video_end;
  return advance(std::max(video_end, now_ns - (behind ? kMaxBehindNs : kMaxHoldNs)));
}

Result<void> AudioCapture::advance(int64_t until_ns) {
  const int64_t target = samples_before(until_ns, false);
  while (static_cast<int64_t>(consumed_frames_) < target) {
    // The next sample's capture time (floored: a span's integer bounds classify it exactly).
    const int64_t at =
        start_ns_ + static_cast<int64_t>(consumed_frames_) * 1'000'000'000 / static_cast<int64_t>(audio::kRate);
    const PauseClock::Stretch stretch =
        settings_.pauses ? settings_.pauses->stretch_at(at) : PauseClock::Stretch{false, until_ns};
    const int64_t stop = stretch.until_ns >= until_ns ? target : samples_before(stretch.until_ns, true);
    const auto want = static_cast<size_t>(std::max<int64_t>(1, stop - static_cast<int64_t>(consumed_frames_)));
    auto done = stretch.paused ? Result<size_t>(discard_tracks(want)) : encode_tracks(want);
    if (!done) return tl::unexpected(done.error());
    if (*done < want) break;  // the sources have not delivered that far yet
  }
  return {};
}

int64_t AudioCapture::samples_before(int64_t t_ns, bool round_up) const {
  const int64_t span = t_ns - start_ns_;
  if (span <= 0) return 0;
  const int64_t scaled = span * static_cast<int64_t>(audio::kRate);
  return scaled / 1'000'000'000 + (round_up && scaled % 1'000'000'000 != 0 ? 1 : 0);
}

size_t AudioCapture::available_frames(size_t limit) const {
  // Every track advances together: by what the shortest has (a quiet source is filled with
  // silence, so none holds the others back for long).
  size_t frames = tracks_.empty() ? 0 : limit;
  for (const auto& t : tracks_)
    frames = std::min(frames, t.size() / audio::kChannels);
  return frames;
}

size_t AudioCapture::discard_tracks(size_t limit) {
  const size_t frames = available_frames(limit);
  for (auto& t : tracks_)
    t.erase(t.begin(), t.begin() + static_cast<ptrdiff_t>(frames * audio::kChannels));
  consumed_frames_ += frames;
  return frames;
}

Result<size_t> AudioCapture::encode_tracks(size_t limit) {
  constexpr size_t ch = audio::kChannels;
  const size_t frames = available_frames(limit);
  if (frames == 0) return size_t{0};
  // The encoders' first packet is at the first sample's time on the timeline without pauses.
  const int64_t start = settings_.pauses ? settings_.pauses->shift(start_ns_) : start_ns_;
  const auto n = static_cast<ptrdiff_t>(frames * ch);
  for (size_t i = 0; i < tracks_.size(); ++i)
    inputs_[i]->apply_gain(std::span<float>(tracks_[i].data(), frames * ch));
  if (settings_.tracks == AudioTracks::mix) {
    mixed_.assign(frames * ch, 0.0f);
    for (const auto& t : tracks_)
      audio::mix_into(mixed_, std::span<const float>(t.data(), frames * ch), 1.0f);
    audio::soft_limit(mixed_);
    if (auto ok = encoders_[0]->submit(mixed_, start); !ok) return tl::unexpected(ok.error());
  } else {
    for (size_t i = 0; i < tracks_.size(); ++i) {
      if (auto ok = encoders_[i]->submit(std::span<const float>(tracks_[i].data(), frames * ch), start); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  for (auto& t : tracks_)
    t.erase(t.begin(), t.begin() + n);
  consumed_frames_ += frames;
  encoded_frames_ += frames;
  for (auto& e : encoders_) {
    if (auto ok = e->receive(packets_); !ok) return tl::unexpected(ok.error());
  }
  if (!packets_.empty()) emit_(packets_);
  packets_.clear();
  return frames;
}

void AudioCapture::pad_to_end() {
  // A recording that ends while paused: its last picture still shows for a frame after the
  // pause began, and the sound it discarded there is that frame's. Silence fills it, so every
  // track still ends with the picture.
  if (!settings_.pauses || end_ns_ <= start_ns_) return;
  const int64_t span = settings_.pauses->shift_end(end_ns_) - settings_.pauses->shift(start_ns_);
  const int64_t expected = span * static_cast<int64_t>(audio::kRate) / 1'000'000'000;
  const int64_t missing = expected - static_cast<int64_t>(encoded_frames_);
  if (missing <= 0) return;
  for (auto& t : tracks_)
    t.assign(static_cast<size_t>(missing) * audio::kChannels, 0.0f);
  (void)encode_tracks(static_cast<size_t>(missing));
}

void AudioCapture::drain() {
  for (auto& e : encoders_) {
    if (auto ok = e->finish(packets_); !ok) zc::log::warn("audio: drain: {}", ok.error().describe());
  }
  if (!packets_.empty()) emit_(packets_);
  packets_.clear();
}

std::vector<AudioInputStats> AudioCapture::stats() const {
  std::vector<AudioInputStats> out;
  out.reserve(inputs_.size());
  for (const auto& input : inputs_)
    out.push_back(input->stats());
  return out;
}

Result<void> AudioCapture::set_muted(const std::string& source, bool muted) {
  for (auto& input : inputs_) {
    if (input->name() != source) continue;
    input->set_muted(muted);
    return {};
  }
  return fail(Errc::not_found, kStage, "no audio source named '" + source + "'");
}

}  // namespace zc::session
