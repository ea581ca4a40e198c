#include "capture/audio/audio_stamp.hpp"

namespace zc::capture {

int64_t AudioStamper::stamp(const AudioCycle& cycle, int64_t span_ns) {
  int64_t first = 0;
  if (!cycle.graph_clock) {
    first = cycle.callback_ns - (played_ ? 0 : span_ns);  // late, never early
  } else if (have_last_ && cycle.now_ns == last_now_) {
    first = last_end_;  // a cycle time that did not move on: this block follows the last one
  } else {
    first = played_ ? cycle.now_ns : cycle.now_ns - cycle.delay_ns - span_ns;
  }
  have_last_ = cycle.graph_clock;
  last_now_ = cycle.now_ns;
  last_end_ = first + span_ns;
  return first;
}

}  // namespace zc::capture
