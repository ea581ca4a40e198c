#pragma once
// A PipeWire driver's wait for its own graph cycle. A driver that starts a cycle while its last
// one still runs (a follower late, as on a loaded machine) has PipeWire 0.3.65 overwrite the frame
// that follower has not taken yet (src/testsrc/README.md). The test source and the tests'
// consumer, when they drive, start a cycle only when check() says so and mark it with started();
// trigger_done (or a pause, a new format: a cycle cut short never reports done) calls done().
#include <atomic>
#include <cstdint>

namespace zc::testsrc {

class CycleGate {
 public:
  enum class State { free, busy, timed_out };  // timed_out: the last cycle never reported done
  static constexpr int64_t kTimeoutNs = 1'000'000'000;

  // Before starting a cycle at `now_ns`. timed_out reopens the gate, like free.
  State check(int64_t now_ns) {
    const int64_t started = started_ns_.load();
    if (started == 0) return State::free;
    if (now_ns - started < kTimeoutNs) return State::busy;
    started_ns_.store(0);
    return State::timed_out;
  }
  void started(int64_t now_ns) { started_ns_.store(now_ns); }
  void done() { started_ns_.store(0); }  // any thread (PipeWire's callbacks)

 private:
  std::atomic<int64_t> started_ns_{0};  // 0: no cycle pending
};

}  // namespace zc::testsrc
