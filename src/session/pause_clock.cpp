#include "session/pause_clock.hpp"

#include <algorithm>
#include <limits>

namespace zc::session {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

}  // namespace

bool PauseClock::pause(int64_t now_ns) {
  std::lock_guard lock(mutex_);
  if (!spans_.empty() && spans_.back().end_ns == 0) return false;
  // A resume and a pause at the same moment (or a clock read twice) never make spans overlap.
  if (!spans_.empty()) now_ns = std::max(now_ns, spans_.back().end_ns);
  spans_.push_back({now_ns, 0});
  return true;
}

bool PauseClock::resume(int64_t now_ns) {
  std::lock_guard lock(mutex_);
  if (spans_.empty() || spans_.back().end_ns != 0) return false;
  spans_.back().end_ns = std::max(now_ns, spans_.back().begin_ns + 1);
  return true;
}

bool PauseClock::paused() const {
  std::lock_guard lock(mutex_);
  return !spans_.empty() && spans_.back().end_ns == 0;
}

bool PauseClock::paused_at(int64_t t_ns) const {
  const std::optional<int64_t> next = next_unpaused(t_ns);
  return !next || *next != t_ns;
}

std::optional<int64_t> PauseClock::next_unpaused(int64_t t_ns) const {
  std::lock_guard lock(mutex_);
  for (const Span& s : spans_) {
    const int64_t end = s.end_ns ? s.end_ns : kForever;
    if (t_ns < s.begin_ns) break;
    if (t_ns < end) return s.end_ns ? std::optional<int64_t>(s.end_ns) : std::nullopt;
  }
  return t_ns;
}

PauseClock::Stretch PauseClock::stretch_at(int64_t t_ns) const {
  std::lock_guard lock(mutex_);
  for (const Span& s : spans_) {
    const int64_t end = s.end_ns ? s.end_ns : kForever;
    if (t_ns < s.begin_ns) return {false, s.begin_ns};
    if (t_ns < end) return {true, end};
  }
  return {false, kForever};
}

int64_t PauseClock::shift(int64_t t_ns) const {
  std::lock_guard lock(mutex_);
  int64_t before = 0;
  for (const Span& s : spans_) {
    if (t_ns <= s.begin_ns) break;
    const int64_t end = s.end_ns ? s.end_ns : kForever;
    before += std::min(t_ns, end) - s.begin_ns;
  }
  return t_ns - before;
}

int64_t PauseClock::shift_end(int64_t t_ns) const {
  std::lock_guard lock(mutex_);
  int64_t before = 0;
  for (const Span& s : spans_) {
    if (s.end_ns == 0 || t_ns < s.end_ns) break;
    before += s.end_ns - s.begin_ns;
  }
  return t_ns - before;
}

int64_t PauseClock::unshift(int64_t shifted_ns) const {
  std::lock_guard lock(mutex_);
  // Walk the spans on the shifted timeline: each begins at its capture time less the spans
  // before it; a moment at or after that lies after the span.
  int64_t before = 0;
  for (const Span& s : spans_) {
    if (s.end_ns == 0 || shifted_ns < s.begin_ns - before) break;
    before += s.end_ns - s.begin_ns;
  }
  return shifted_ns + before;
}

int64_t PauseClock::paused_ns(int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  int64_t total = 0;
  for (const Span& s : spans_)
    total += std::max<int64_t>(0, (s.end_ns ? s.end_ns : std::max(now_ns, s.begin_ns)) - s.begin_ns);
  return total;
}

uint64_t PauseClock::pauses() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

}  // namespace zc::session
