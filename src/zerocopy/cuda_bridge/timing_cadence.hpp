#pragma once
// Which frames a GPU importer times (metrics, bench): while on, one frame in `every`, starting
// with the first after it was turned on.
#include <algorithm>
#include <cstdint>

namespace zc::zerocopy::cuda_bridge {

class TimingCadence {
 public:
  explicit TimingCadence(uint32_t every = 1) { set_every(every); }
  void set(bool on) {
    on_ = on;
    tick_ = 0;
  }
  void set_every(uint32_t every) { every_ = std::max<uint32_t>(every, 1); }
  bool on() const { return on_; }
  // Whether this frame is timed; counts it.
  bool next() { return on_ && tick_++ % every_ == 0; }

 private:
  bool on_ = false;
  uint32_t every_ = 1;
  uint64_t tick_ = 0;
};

}  // namespace zc::zerocopy::cuda_bridge
