#pragma once
// SIGINT/SIGTERM taken synchronously: blocked in the calling thread (block them before starting
// other threads, which inherit the mask) and collected with sigtimedwait, so a foreground command
// can finish its files cleanly instead of dying in a handler.
#include <signal.h>

#include <chrono>
#include <initializer_list>

namespace zc {

class BlockedSignals {
 public:
  explicit BlockedSignals(std::initializer_list<int> signals = {SIGINT, SIGTERM}) {
    sigemptyset(&set_);
    for (int s : signals)
      sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  // The signal that arrived within `timeout`, or 0.
  int wait(std::chrono::milliseconds timeout) const {
    const auto ms = timeout.count();
    const timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000L)};
    const int sig = sigtimedwait(&set_, nullptr, &ts);
    return sig > 0 ? sig : 0;
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

}  // namespace zc
