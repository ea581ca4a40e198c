#pragma once
// One audio source's samples made into a continuous track on the CLOCK_MONOTONIC timeline, at
// exactly kRate samples per second of that clock: the video's clock. A sound card's sample clock
// runs tens to hundreds of ppm off the system clock, so counting samples drifts (hundreds of ms in
// half an hour); instead every block carries the capture time PipeWire's graph clock gives it,
// and a phase-locked loop resamples the source (libswresample's compensation) so that each block
// lands where its time says. Holes (a suspended sink sends nothing) become silence, audio that
// comes too late for where the track already is gets trimmed, and audio before the track's start
// (the first video frame) is dropped.
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "ffmpeg/handles.hpp"

namespace zc::audio {

inline constexpr uint32_t kRate = 48000;  // every track: 48 kHz
inline constexpr uint32_t kChannels = 2;  // stereo, interleaved floats

struct ClockLockOptions {
  // A block whose time is this far from where the track is jumps instead of being steered to:
  // later (a hole) is filled with silence, earlier is trimmed. Below it, the loop steers.
  int64_t jump_ns = 100'000'000;
  // A block's time is when its cycle ran, and a cycle that runs late (a starved thread, a busy
  // machine) stamps its block late, never early: the loop follows the earliest stamp of this
  // window, not each one.
  int64_t jitter_window_ns = 500'000'000;
  // The same for a block stamped without the graph clock (a callback's time, late when its
  // thread was starved): a hole only past this.
  int64_t untrusted_jump_ns = 500'000'000;
  // The first blocks are held this long, and the track starts at the earliest phase they agree
  // on: a first block stamped late (a busy start) would otherwise put the sound late until the
  // loop steers it back, a second later.
  int64_t acquire_ns = 250'000'000;
  // The same when every held block carries its callback's time (no graph clock: a client
  // driver on PipeWire 0.3): a busy start delays every callback of its first few hundred ms.
  int64_t untrusted_acquire_ns = 1'000'000'000;
  // For this long after the phase is set, a callback-stamped block earlier than the track by
  // more than settle_trim_ns puts the track back at once (trimmed): a callback's time is late,
  // never early, so the start was later than the truth. Later on, an early block is the source's
  // rate, which the loop steers.
  int64_t settle_ns = 3'000'000'000;
  int64_t settle_trim_ns = 3'000'000;
  // The loop's time constant: how fast a phase error is steered away. Longer rides out more
  // timestamp jitter, shorter follows a changing clock faster.
  double loop_seconds = 1.0;
  double max_correction_ppm = 10'000;  // the most the loop stretches or squeezes
};

struct ClockStats {
  uint64_t samples_in = 0;       // per channel, as the source sent them
  uint64_t samples_out = 0;      // per channel, into the track (silence included)
  uint64_t gaps_filled = 0;      // holes filled with silence
  uint64_t gap_samples = 0;      // samples of silence they took
  uint64_t lead_in_samples = 0;  // silence before the first block: the source started after the track
  uint64_t samples_trimmed = 0;  // dropped: overlapping what the track already had
  uint64_t samples_early = 0;    // dropped: before the track's start
  double drift_ppm = 0;          // the source's clock against CLOCK_MONOTONIC (+: it runs fast)
  double phase_error_ms = 0;     // the last block's distance from where the track was
};

class ClockLock {
 public:
  // The track starts at `start_ns` (capture time of its first sample).
  static Result<std::unique_ptr<ClockLock>> create(int64_t start_ns, ClockLockOptions options = {});
  ~ClockLock();
  ClockLock(const ClockLock&) = delete;
  ClockLock& operator=(const ClockLock&) = delete;

  // A block from the source: interleaved kChannels floats at kRate (PipeWire converts), the first
  // sample captured at `first_sample_ns`. Appends to `out` what the track gains. A time that is
  // not the graph clock's (`clocked` false: a callback's, late when its thread was starved) is
  // not taken for a hole below untrusted_jump_ns.
  Result<void> push(std::span<const float> interleaved, int64_t first_sample_ns, std::vector<float>& out,
                    bool clocked = true);
  // The source sent nothing up to `until_ns`: the track gets silence up to there. For a quiet
  // source (a suspended sink) so the track, and a mix it is part of, goes on.
  void fill_until(int64_t until_ns, std::vector<float>& out);
  // The end: blocks still held for the start's phase go out.
  Result<void> flush(std::vector<float>& out);

  // Capture time of the track's next sample.
  int64_t next_ns() const;
  const ClockStats& stats() const { return stats_; }
  // A block of the source has landed in the track (blocks before its start do not count).
  bool placed() const { return locked_; }

 private:
  ClockLock(int64_t start_ns, ClockLockOptions options, ffmpeg::SwrPtr swr);
  // `lead_in`: before the first block (the source started after the track), not a hole.
  void silence(uint64_t samples, std::vector<float>& out, bool lead_in = false);
  bool holds_clocked() const;  // a held block was stamped by the graph clock
  struct HeldPhases {
    std::vector<int64_t> own;       // each held block's phase (INT64_MAX: none of its own)
    std::vector<int64_t> earliest;  // the earliest phase from that block on
  };
  HeldPhases held_phases() const;
  bool step_in_tail() const;  // the phase steps up in the last blocks held, too few to confirm it
  // `after_hole`: the held blocks before this one ended a hole before it (silence, not steering).
  Result<void> place(std::span<const float> interleaved, int64_t first_sample_ns, std::vector<float>& out, bool clocked,
                     bool after_hole = false);
  Result<void> resample(std::span<const float> interleaved, std::vector<float>& out);

  const int64_t start_ns_;
  const ClockLockOptions options_;
  ffmpeg::SwrPtr swr_;
  uint64_t position_ = 0;                           // samples in the track so far
  bool locked_ = false;                             // a block has set the phase
  double integral_ = 0;                             // the loop's learned rate correction (output per input, minus 1)
  double carry_ = 0;                                // fraction of a sample of correction not applied yet
  bool in_gap_ = false;                             // silence went out since the last block (one hole, counted once)
  bool trimming_ = false;                           // a jump back is being trimmed away
  bool clocked_seen_ = false;                       // a block stamped by the graph clock has been placed
  int64_t locked_ns_ = 0;                           // the time of the block that set the phase
  std::deque<std::pair<int64_t, int64_t>> errors_;  // (block time, its error) within the jitter window
  struct Held {
    std::vector<float> samples;
    int64_t first_ns = 0;
    bool clocked = true;
  };
  std::vector<Held> held_;  // the first blocks, until acquire_ns of them set the phase
  bool acquired_ = false;
  size_t held_past_hold_ = 0;  // blocks held past acquire_ns for a step at the end to be confirmed
  ClockStats stats_;
};

}  // namespace zc::audio
