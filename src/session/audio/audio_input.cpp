#include "session/audio/audio_input.hpp"

#include <algorithm>
#include <cmath>

#include "audio/mix.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace zc::session {
namespace {

constexpr int64_t kRetryNs = 1'000'000'000;
constexpr int64_t kMaxQueuedNs = 2'000'000'000;  // blocks the audio thread has not taken yet
constexpr int64_t kMinAllowanceNs = 80'000'000;
constexpr int64_t kUnclockedAllowanceNs = 500'000'000;
// Before the first block of a source on its way (streaming, or still linking in the track's first
// second): its graph starts while the picture already runs, slower on a busy machine. Silence
// filled in sooner would cover the stretch its first blocks belong to, and they would be trimmed
// away (the start's sound lost). Not for a source that is gone (no sink) or an app:NAME with no
// stream playing: nothing is on its way, and a live output's muxer would hold the picture back
// for the sound meanwhile.
constexpr int64_t kFirstBlockAllowanceNs = 1'000'000'000;

int64_t block_ns(size_t samples) {
  return static_cast<int64_t>(samples / audio::kChannels) * 1'000'000'000 / audio::kRate;
}

}  // namespace

AudioInput::AudioInput(std::string name, capture::AudioTarget target, double volume_db, bool muted, bool relink)
    : name_(std::move(name)), relink_(relink), target_(std::move(target)), volume_db_(volume_db), muted_(muted) {}

AudioInput::~AudioInput() {
  stream_.reset();  // its thread calls us: it goes first
}

void AudioInput::start() {
  connect();
}

void AudioInput::stop() {
  stream_.reset();
  std::lock_guard lock(mutex_);
  state_ = "stopped";
}

void AudioInput::connect() {
  stream_.reset();
  capture::AudioStreamOptions o;
  o.target = target_;
  o.rate = audio::kRate;
  o.channels = audio::kChannels;
  o.node_name = "zerocast-audio";
  o.relink = relink_;
  {
    std::lock_guard lock(mutex_);
    gone_ = false;
    state_ = "waiting";
  }
  auto stream = capture::AudioStream::start(o, *this);
  if (!stream) {
    std::lock_guard lock(mutex_);
    if (!warned_) zc::log::warn("audio: {}: cannot connect: {}; retrying", name_, stream.error().describe());
    warned_ = true;
    gone_ = true;
    state_ = "gone (silence)";
    return;
  }
  stream_ = std::move(*stream);
}

Result<void> AudioInput::begin(int64_t start_ns) {
  auto lock = audio::ClockLock::create(start_ns);
  if (!lock) return tl::unexpected(lock.error());
  lock_ = std::move(*lock);
  start_ns_ = start_ns;
  return {};
}

void AudioInput::on_audio_state(capture::StreamState state, std::string_view message) {
  std::lock_guard lock(mutex_);
  if (state == capture::StreamState::streaming) {
    if (state_ != "capturing") zc::log::info("audio: {}: capturing ({})", name_, message);
    state_ = "capturing";
    warned_ = false;
  } else if (capture::is_final(state)) {
    // Once per outage: retries that fail the same way stay quiet.
    if (!warned_) zc::log::warn("audio: {}: {}; the track goes on in silence until it is back", name_, message);
    warned_ = true;
    gone_ = true;
    state_ = "gone (silence)";
  }
}

void AudioInput::on_app_stream(const capture::AppStreamEvent& event) {
  using Kind = capture::AppStreamEvent::Kind;
  std::lock_guard lock(mutex_);
  switch (event.kind) {
    case Kind::none_yet:
      // Not an error: the application may start later (or never); the track is silent meanwhile.
      if (!app_warned_) {
        zc::log::warn("audio: {}: no application stream matches yet; the track is silent until one plays", name_);
      }
      app_warned_ = true;
      app_absent_ = true;
      state_ = "waiting";
      break;
    case Kind::joined:
      zc::log::info("audio: {}: {} joined ({} stream{} linked)", name_, event.stream, event.streams,
                    event.streams == 1 ? "" : "s");
      app_absent_ = false;
      state_ = "capturing";
      break;
    case Kind::left:
      zc::log::info("audio: {}: {} left ({} stream{} linked{})", name_, event.stream, event.streams,
                    event.streams == 1 ? "" : "s", event.streams == 0 ? ": silence until one plays" : "");
      if (event.streams == 0) {
        app_absent_ = true;
        state_ = "waiting";
      }
      break;
    case Kind::link_failed:
      zc::log::warn("audio: {}: cannot link {}", name_, event.stream);
      break;
  }
}

void AudioInput::on_samples(std::span<const float> interleaved, int64_t first_ns, bool graph_clock) {
  std::lock_guard lock(mutex_);
  Block b;
  if (!spare_.empty()) {
    b = std::move(spare_.back());
    spare_.pop_back();
  }
  b.first_ns = first_ns;
  b.clocked = graph_clock;
  if (stamping_ != static_cast<int>(graph_clock)) {
    stamping_ = graph_clock ? 1 : 0;
    zc::log::info("audio: {}: blocks stamped by {}", name_,
                  graph_clock ? "the graph clock" : "their callback (the graph's driver sets no clock)");
  }
  b.samples.assign(interleaved.begin(), interleaved.end());
  blocks_.push_back(std::move(b));
  // A source quiet for long hands over big blocks now and then: silence must not fill in ahead
  // of them, so the allowance grows with the largest block seen.
  allowance_ns_ = std::max(allowance_ns_, 3 * block_ns(interleaved.size()));
  // Stamped by a callback that a busy machine delays (no graph clock): a late block is not a
  // missing one, so silence waits longer before it fills in.
  if (!graph_clock) allowance_ns_ = std::max(allowance_ns_, kUnclockedAllowanceNs);
  while (!blocks_.empty() && first_ns - blocks_.front().first_ns > kMaxQueuedNs) {
    spare_.push_back(std::move(blocks_.front()));
    blocks_.pop_front();
    ++dropped_blocks_;
  }
}

Result<void> AudioInput::pump(int64_t now_ns, std::vector<float>& track) {
  bool gone = false;
  bool on_its_way = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& b : blocks_)
      taken_.push_back(std::move(b));
    blocks_.clear();
    gone = gone_;
    on_its_way = state_ == "capturing" || (!gone && !app_absent_ && now_ns - start_ns_ < kFirstBlockAllowanceNs);
  }
  if (gone && now_ns >= next_attempt_ns_) {
    next_attempt_ns_ = now_ns + kRetryNs;
    connect();
    std::lock_guard lock(mutex_);
    ++reconnects_;
  }
  for (auto& b : taken_) {
    if (lock_) {
      if (auto ok = lock_->push(b.samples, b.first_ns, track, b.clocked); !ok) return ok;
    }
  }
  // Blocks before the track's start (or before begin()) do not count: its first one is awaited.
  const bool none_yet = on_its_way && !(lock_ && lock_->placed());
  const int64_t allowance = std::max(allowance_ns_, none_yet ? kFirstBlockAllowanceNs : kMinAllowanceNs);
  if (lock_) lock_->fill_until(now_ns - allowance, track);
  {
    std::lock_guard lock(mutex_);
    for (auto& b : taken_)
      spare_.push_back(std::move(b));
    if (lock_) clock_ = lock_->stats();
  }
  taken_.clear();
  return {};
}

void AudioInput::fill_until(int64_t until_ns, std::vector<float>& track) {
  if (lock_) {
    if (auto ok = lock_->flush(track); !ok) zc::log::warn("audio: {}", ok.error().describe());
    lock_->fill_until(until_ns, track);
  }
  std::lock_guard lock(mutex_);
  if (lock_) clock_ = lock_->stats();
}

float AudioInput::gain() const {
  std::lock_guard lock(mutex_);
  return muted_ ? 0.0f : audio::gain_from_db(volume_db_);
}

void AudioInput::apply_gain(std::span<float> samples) {
  const float g = gain();
  float peak = 0;
  for (float& s : samples) {
    s *= g;
    peak = std::max(peak, std::fabs(s));
  }
  const int64_t now = monotonic_ns();
  std::lock_guard lock(mutex_);
  peak_ = std::max(peak_, peak);
  if (now - peak_window_ns_ >= 1'000'000'000) {
    peak_dbfs_ = peak_ > 1e-6f ? 20.0 * std::log10(static_cast<double>(peak_)) : -120.0;
    peak_ = 0;
    peak_window_ns_ = now;
  }
}

void AudioInput::set_muted(bool muted) {
  std::lock_guard lock(mutex_);
  muted_ = muted;
}

AudioInputStats AudioInput::stats() const {
  std::lock_guard lock(mutex_);
  AudioInputStats s;
  s.name = name_;
  s.state = state_;
  s.muted = muted_;
  s.volume_db = volume_db_;
  s.peak_dbfs = peak_dbfs_;
  s.reconnects = reconnects_;
  s.dropped_blocks = dropped_blocks_;
  s.clock = clock_;
  return s;
}

}  // namespace zc::session
