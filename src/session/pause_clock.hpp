#pragma once
// Pause and resume of one capture, as spans of the capture clock (CLOCK_MONOTONIC). While a span
// is open nothing is encoded: frames captured in it are dropped, sound in it is discarded. What
// comes after is moved back by every span before it, so the file plays on without the paused time
// and picture and sound stay together (both shift by the same spans). Shared by the video and
// audio threads of a run, and by the daemon across the pipelines of one capture (a PipeWire
// restart keeps the pause). Thread-safe.
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace zc::session {

class PauseClock {
 public:
  // Opens a span at `now_ns`; false when one is open already.
  bool pause(int64_t now_ns);
  // Closes the open span at `now_ns`; false when none is open.
  bool resume(int64_t now_ns);
  bool paused() const;
  // Whether a moment falls inside a span (an open one reaches on for ever).
  bool paused_at(int64_t t_ns) const;
  // The capture time `t_ns` on the paused-free timeline: minus every span (or its part) before
  // it. A moment inside a span maps to where that span began.
  int64_t shift(int64_t t_ns) const;
  // As shift(), but a moment inside a span moves only by the spans before that one: where a
  // picture shown from before the span ends (a run that ends paused).
  int64_t shift_end(int64_t t_ns) const;
  // The inverse for a moment that is not inside a span: the capture time of a shifted time.
  int64_t unshift(int64_t shifted_ns) const;
  // `t_ns` outside spans; inside a closed span its end; inside the open span nullopt.
  std::optional<int64_t> next_unpaused(int64_t t_ns) const;
  // From `t_ns` on: paused or not, and until when (INT64_MAX: for as far as is known).
  struct Stretch {
    bool paused = false;
    int64_t until_ns = 0;
  };
  Stretch stretch_at(int64_t t_ns) const;
  // The paused time up to `now_ns`, and the number of spans begun.
  int64_t paused_ns(int64_t now_ns) const;
  uint64_t pauses() const;

 private:
  struct Span {
    int64_t begin_ns = 0;
    int64_t end_ns = 0;  // 0 while open
  };
  mutable std::mutex mutex_;
  std::vector<Span> spans_;  // in order, only the last may be open
};

}  // namespace zc::session
