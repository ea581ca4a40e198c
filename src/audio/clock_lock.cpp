#include "audio/clock_lock.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "ffmpeg/error.hpp"

namespace zc::audio {
namespace {

constexpr const char* kStage = "audio:clock";
// A step up in the held blocks' phase bigger than this (drift moves it by microseconds a block;
// a missed block by its span, 5-21 ms) is a hole once at least this many blocks keep it (fewer,
// at the end of the hold, may be one late cycle's).
constexpr int64_t kHeldStepNs = 1'000'000;
constexpr size_t kHeldStepConfirm = 3;

int64_t samples_to_ns(int64_t samples) {
  return samples * 1'000'000'000 / kRate;
}

uint64_t ns_to_samples(int64_t ns) {
  return ns <= 0 ? 0 : static_cast<uint64_t>((static_cast<__int128>(ns) * kRate + 500'000'000) / 1'000'000'000);
}

}  // namespace

Result<std::unique_ptr<ClockLock>> ClockLock::create(int64_t start_ns, ClockLockOptions options) {
  SwrContext* raw = nullptr;
  AVChannelLayout layout;
  av_channel_layout_default(&layout, static_cast<int>(kChannels));
  int err = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLT, static_cast<int>(kRate), &layout, AV_SAMPLE_FMT_FLT,
                                static_cast<int>(kRate), 0, nullptr);
  ffmpeg::SwrPtr swr(raw);
  av_channel_layout_uninit(&layout);
  if (err >= 0) {
    // The same rate in and out: the resampler runs only to stretch or squeeze (compensation).
    av_opt_set_int(swr.get(), "flags", SWR_FLAG_RESAMPLE, 0);
    err = swr_init(swr.get());
  }
  if (err < 0) {
    swr.reset();
    return fail(Errc::internal, kStage, "cannot set up the resampler: " + ffmpeg::error_text(err));
  }
  return std::unique_ptr<ClockLock>(new ClockLock(start_ns, options, std::move(swr)));
}

ClockLock::ClockLock(int64_t start_ns, ClockLockOptions options, ffmpeg::SwrPtr swr)
    : start_ns_(start_ns), options_(options), swr_(std::move(swr)) {}

ClockLock::~ClockLock() = default;

int64_t ClockLock::next_ns() const {
  const int64_t pending = swr_get_delay(swr_.get(), kRate);
  return start_ns_ + samples_to_ns(static_cast<int64_t>(position_) + pending);
}

void ClockLock::silence(uint64_t samples, std::vector<float>& out, bool lead_in) {
  if (samples == 0) return;
  // What the resampler still holds goes out first (its filter's tail), then the silence.
  if (swr_get_delay(swr_.get(), kRate) > 0) {
    std::vector<float> tail(static_cast<size_t>(swr_get_out_samples(swr_.get(), 0) + 16) * kChannels);
    auto* dst = reinterpret_cast<uint8_t*>(tail.data());
    const int got = swr_convert(swr_.get(), &dst, static_cast<int>(tail.size() / kChannels), nullptr, 0);
    if (got > 0) {
      out.insert(out.end(), tail.begin(), tail.begin() + static_cast<ptrdiff_t>(got) * kChannels);
      position_ += static_cast<uint64_t>(got);
      stats_.samples_out += static_cast<uint64_t>(got);
      samples = samples > static_cast<uint64_t>(got) ? samples - static_cast<uint64_t>(got) : 0;
    }
  }
  out.insert(out.end(), samples * kChannels, 0.0f);
  position_ += samples;
  stats_.samples_out += samples;
  (lead_in ? stats_.lead_in_samples : stats_.gap_samples) += samples;
}

void ClockLock::fill_until(int64_t until_ns, std::vector<float>& out) {
  if (!held_.empty()) {
    const Held& last = held_.back();
    // The held blocks cover up to their end: quiet past it, they go out first.
    if (until_ns <= last.first_ns + samples_to_ns(static_cast<int64_t>(last.samples.size() / kChannels))) return;
    (void)flush(out);
  }
  const int64_t hole = until_ns - next_ns();
  if (hole <= 0) return;
  if (!in_gap_) ++stats_.gaps_filled;
  in_gap_ = true;
  silence(ns_to_samples(hole), out);
}

Result<void> ClockLock::push(std::span<const float> interleaved, int64_t first_sample_ns, std::vector<float>& out,
                             bool clocked) {
  if (interleaved.size() < kChannels) return {};
  if (!acquired_) {
    held_.push_back(Held{{interleaved.begin(), interleaved.end()}, first_sample_ns, clocked});
    const int64_t hold = holds_clocked() ? options_.acquire_ns : options_.untrusted_acquire_ns;
    if (first_sample_ns - held_.front().first_ns < hold) return {};
    // A step in the last blocks held is a hole or one late cycle; the blocks after it tell which
    // (see flush): held a block or two longer until they can.
    if (held_past_hold_ + 1 < kHeldStepConfirm && step_in_tail()) {
      ++held_past_hold_;
      return {};
    }
    return flush(out);
  }
  return place(interleaved, first_sample_ns, out, clocked);
}

bool ClockLock::holds_clocked() const {
  return std::any_of(held_.begin(), held_.end(), [](const Held& h) { return h.clocked; });
}

ClockLock::HeldPhases ClockLock::held_phases() const {
  // The phase the held blocks agree on: each block's time less the samples before it. A cycle
  // that ran late stamps late, never early (two blocks taken in one late cycle: the first carries
  // the next one's time), so a block's phase is the earliest of its own and every later block's.
  // Blocks stamped by the graph clock, where there are any, set it alone: a callback's time
  // (before the driver's clock is there) is late by however busy the start is.
  const bool any_clocked = holds_clocked();
  const size_t n = held_.size();
  HeldPhases p{std::vector<int64_t>(n, INT64_MAX), {}};  // callback times: none, where clocked ones are
  int64_t before = 0;
  for (size_t i = 0; i < n; ++i) {
    const Held& h = held_[i];
    if (h.clocked || !any_clocked) p.own[i] = h.first_ns - samples_to_ns(before);
    before += static_cast<int64_t>(h.samples.size() / kChannels);
  }
  p.earliest = p.own;
  for (size_t i = n - 1; n > 0 && i-- > 0;)
    p.earliest[i] = std::min(p.earliest[i], p.earliest[i + 1]);
  // Callback times only: all at their earliest (a hole shows as a jump only).
  if (!any_clocked) std::fill(p.earliest.begin(), p.earliest.end(), p.earliest.front());
  return p;
}

bool ClockLock::step_in_tail() const {
  const HeldPhases p = held_phases();
  const size_t n = p.earliest.size();
  for (size_t i = n > kHeldStepConfirm ? n - kHeldStepConfirm + 1 : 1; i < n; ++i) {
    if (p.earliest[i] != INT64_MAX && p.earliest[i] - p.earliest[i - 1] > kHeldStepNs) return true;
  }
  return false;
}

Result<void> ClockLock::flush(std::vector<float>& out) {
  acquired_ = true;
  if (held_.empty()) return {};
  // A step up that the blocks after it keep (a block the consumer missed in a start's burst) is a
  // hole: what came before it stays at its own time and the hole becomes silence. Laid end to end
  // instead, every later block went a quantum early, steered back over seconds.
  const size_t n = held_.size();
  const HeldPhases phases = held_phases();
  const std::vector<int64_t>& own = phases.own;
  const std::vector<int64_t>& phase = phases.earliest;
  // A hole: the phase steps up at block i and most blocks from there on agree on the new one
  // (jittery stamps, late by random amounts, make the earliest of the last few rise too).
  const auto hole_at = [&](size_t i) {
    if (i == 0 || phase[i] == INT64_MAX || phase[i] - phase[i - 1] <= kHeldStepNs || n - i < kHeldStepConfirm) {
      return false;
    }
    const auto agree = std::count_if(own.begin() + static_cast<ptrdiff_t>(i), own.end(),
                                     [&](int64_t p) { return p - phase[i] <= kHeldStepNs; });
    return static_cast<size_t>(agree) * 2 > n - i;
  };
  // Each block goes where the phase in force puts it: end to end with the blocks before, or after
  // a hole (a step, or a block a jump past that place) at its own phase.
  int64_t anchor = phase.front();
  int64_t before = 0;
  Result<void> ok;
  for (size_t i = 0; i < n; ++i) {
    const Held& h = held_[i];
    const int64_t own_phase = h.first_ns - samples_to_ns(before);
    const bool step = hole_at(i);
    const bool jump = own_phase - anchor > (h.clocked ? options_.jump_ns : options_.untrusted_jump_ns);
    if (step || jump) anchor = jump ? own_phase : phase[i];
    if (ok) ok = place(h.samples, anchor + samples_to_ns(before), out, h.clocked, step || jump);
    before += static_cast<int64_t>(h.samples.size() / kChannels);
  }
  held_.clear();
  return ok;
}

Result<void> ClockLock::place(std::span<const float> interleaved, int64_t first_sample_ns, std::vector<float>& out,
                              bool clocked, bool after_hole) {
  const auto frames = static_cast<int64_t>(interleaved.size() / kChannels);
  stats_.samples_in += static_cast<uint64_t>(frames);
  // Before the track's start: dropped (video and audio begin together).
  if (first_sample_ns < start_ns_) {
    const auto early = std::min<uint64_t>(static_cast<uint64_t>(frames), ns_to_samples(start_ns_ - first_sample_ns));
    stats_.samples_early += early;
    if (early == static_cast<uint64_t>(frames)) return {};
    interleaved = interleaved.subspan(early * kChannels);
    first_sample_ns = start_ns_;
  }
  const int64_t error_ns = first_sample_ns - next_ns();
  stats_.phase_error_ms = static_cast<double>(error_ns) / 1e6;
  const bool was_gap = in_gap_;
  in_gap_ = false;
  // Back after a hole (a device returned, an application's stream joined): the track holds
  // silence up to here, so there is no continuity to keep, and the block lands where its time
  // says. Steered instead, the tens of milliseconds between the silence and the block (the
  // source was quiet for the allowance before silence filled in) would take seconds at the
  // loop's 1 % limit, the sound off pitch all that time.
  // The same for the first block stamped by the graph clock after callback-stamped ones (the
  // driver's clock came after the start): its time is the truth the others only bounded.
  const bool relock = (was_gap || !clocked_seen_) && clocked;
  clocked_seen_ = clocked_seen_ || clocked;
  // A callback-stamped block early for the track soon after the start: the start was late.
  const bool late_start = !clocked_seen_ && locked_ && first_sample_ns - locked_ns_ < options_.settle_ns &&
                          error_ns < -options_.settle_trim_ns;
  // The first block lands where its time says: after silence up to it, or trimmed where the
  // track already has silence for its stretch (the source was slow to deliver and the quiet
  // allowance ran out first); appended there, the sound would stay late until steered back.
  const bool first = !locked_;
  if (first) locked_ns_ = first_sample_ns;
  locked_ = true;
  if ((first && error_ns >= 0) || ((relock || after_hole) && error_ns > 0) ||
      error_ns > (clocked ? options_.jump_ns : options_.untrusted_jump_ns)) {
    // A hole (or audio that starts after the track: a lead-in, not a hole): silence up to this
    // block, which then lands exactly where its time says.
    if (error_ns > 0) {
      if (!was_gap && !first) ++stats_.gaps_filled;
      silence(ns_to_samples(error_ns), out, first && !was_gap);
    }
    errors_.clear();
    return resample(interleaved, out);
  }
  if (error_ns < -options_.jump_ns || ((trimming_ || relock || late_start || first) && error_ns < 0)) {
    // Audio for a stretch the track already has (a late block, or a source that jumped back):
    // it goes, block after block, until the source is back where the track is.
    const auto overlap = std::min<uint64_t>(interleaved.size() / kChannels, ns_to_samples(-error_ns));
    stats_.samples_trimmed += overlap;
    interleaved = interleaved.subspan(overlap * kChannels);
    trimming_ = interleaved.empty();
    errors_.clear();
    return resample(interleaved, out);
  }
  trimming_ = false;
  // Steer: a block later than the track wants more samples out of it, an earlier one fewer. The
  // integral learns the source's rate against the monotonic clock; the proportional part pulls
  // the phase back over about loop_seconds.
  // The error steered by is the window's smallest: late stamps are the cycle's delay, not the
  // source's.
  errors_.emplace_back(first_sample_ns, error_ns);
  while (errors_.front().first < first_sample_ns - options_.jitter_window_ns)
    errors_.pop_front();
  int64_t steer_ns = error_ns;
  for (const auto& e : errors_)
    steer_ns = std::min(steer_ns, e.second);
  const auto left = static_cast<int64_t>(interleaved.size() / kChannels);
  const double error_s = static_cast<double>(steer_ns) / 1e9;
  const double block_s = static_cast<double>(left) / kRate;
  const double kp = 1.0 / options_.loop_seconds;
  const double ki = kp * kp / 4.0;  // critically damped
  const double limit = options_.max_correction_ppm / 1e6;
  // While the correction is at its limit the integral learns nothing (anti-windup): a phase step
  // bigger than the loop can take at once (a busy start stamped every held block late) is steered
  // off at the limit, not learned as a rate that then carries the sound past its place.
  const double wanted = integral_ + kp * error_s;
  if (std::fabs(wanted) < limit || (wanted > 0) != (error_s > 0)) {
    integral_ = std::clamp(integral_ + ki * error_s * block_s, -limit, limit);
  }
  const double correction = std::clamp(integral_ + kp * error_s, -limit, limit);
  stats_.drift_ppm = -integral_ * 1e6;
  const double delta = static_cast<double>(left) * correction + carry_;
  const auto whole = static_cast<int>(std::lround(delta));
  carry_ = delta - whole;
  if (whole != 0) {
    if (int err = swr_set_compensation(swr_.get(), whole, static_cast<int>(left)); err < 0) {
      return fail(Errc::internal, kStage, "the resampler refused a correction");
    }
  }
  return resample(interleaved, out);
}

Result<void> ClockLock::resample(std::span<const float> interleaved, std::vector<float>& out) {
  const auto frames = static_cast<int>(interleaved.size() / kChannels);
  if (frames == 0) return {};
  const int room = swr_get_out_samples(swr_.get(), frames) + frames / 50 + 64;
  const size_t at = out.size();
  out.resize(at + static_cast<size_t>(room) * kChannels);
  auto* dst = reinterpret_cast<uint8_t*>(out.data() + at);
  const auto* src = reinterpret_cast<const uint8_t*>(interleaved.data());
  const int got = swr_convert(swr_.get(), &dst, room, &src, frames);
  if (got < 0) {
    out.resize(at);
    return fail(Errc::internal, kStage, "the resampler failed");
  }
  out.resize(at + static_cast<size_t>(got) * kChannels);
  position_ += static_cast<uint64_t>(got);
  stats_.samples_out += static_cast<uint64_t>(got);
  return {};
}

}  // namespace zc::audio
