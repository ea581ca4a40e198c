#pragma once
#include <cstdint>
#include <ctime>

namespace zc {

// CLOCK_MONOTONIC in nanoseconds: the clock PipeWire stamps buffers with and every stage uses.
inline int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace zc
