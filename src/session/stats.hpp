#pragma once
// The capture→packet latency of a run (a histogram, no allocation per sample) and rates from
// counters (the status line's and the daemon's frames per second). Counters are in counters.hpp.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <string>

namespace zc::session {

// Log-linear buckets over microseconds: exact below 64 µs, then 64 buckets per power of two, so
// a quantile is reported at most 1/64 (1.6 %) above the true value, from microseconds to hours
// (x264's look-ahead alone holds frames for ~300 ms). No allocation per sample.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;  // 64 buckets per power of two
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) << kSubBits;

  void add(int64_t ns) {
    std::lock_guard lock(mutex_);
    ++buckets_[bucket(ns <= 0 ? 0 : static_cast<uint64_t>(ns) / 1000)];
    ++count_;
    if (ns > max_ns_) max_ns_ = ns;
  }
  // Upper edge of the bucket holding the q-quantile (0..1), never above the largest sample.
  int64_t quantile_ns(double q) const {
    std::lock_guard lock(mutex_);
    if (count_ == 0) return 0;
    const auto target = static_cast<uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= target) {
        return std::min(static_cast<int64_t>(upper_edge_us(i) * 1000), max_ns_);
      }
    }
    return max_ns_;
  }
  uint64_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

  static size_t bucket(uint64_t us) {
    if (us < kSub) return static_cast<size_t>(us);
    const int shift = std::bit_width(us) - 1 - kSubBits;  // bits below the top kSubBits + 1
    return static_cast<size_t>(((static_cast<uint64_t>(shift) + 1) << kSubBits) + ((us >> shift) & (kSub - 1)));
  }
  // The smallest value (µs) of the next bucket: every value in bucket i is below it.
  static uint64_t upper_edge_us(size_t i) {
    if (i < kSub) return i + 1;
    const uint64_t shift = (i >> kSubBits) - 1;
    return (kSub + (i & (kSub - 1)) + 1) << shift;
  }

 private:
  mutable std::mutex mutex_;
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
};

// Frames per second over the last second or so, from a monotonically increasing counter.
class RateMeter {
 public:
  // Call periodically with the counter's current value; returns the rate since the last call.
  double update(uint64_t count, int64_t now_ns) {
    double rate = last_rate_;
    if (last_ns_ != 0 && now_ns > last_ns_) {
      rate = static_cast<double>(count - last_count_) * 1e9 / static_cast<double>(now_ns - last_ns_);
    }
    last_ns_ = now_ns;
    last_count_ = count;
    last_rate_ = rate;
    return rate;
  }

 private:
  int64_t last_ns_ = 0;
  uint64_t last_count_ = 0;
  double last_rate_ = 0;
};

}  // namespace zc::session
