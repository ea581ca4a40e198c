#pragma once
// The bounded hand-off between the capture thread and the encoder thread. When the encoder falls
// behind, the oldest frame is dropped (and counted): the newest picture is what a viewer wants,
// and a full queue must never block the PipeWire thread. The queue is bounded in bytes as well as
// in frames (queue_capacity_for): eight 4K frames would hold 100 MB and a quarter of a second.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "core/device_frame.hpp"

namespace zc::session {

// The frames the queue holds at most: kQueueFrames, fewer where they would pass kQueueBudgetBytes,
// never fewer than kQueueMinFrames (a keyframe's longer encode must not drop the next frame).
inline constexpr size_t kQueueFrames = 8;
inline constexpr size_t kQueueMinFrames = 3;
inline constexpr uint64_t kQueueBudgetBytes = uint64_t{32} << 20;
constexpr size_t queue_capacity_for(uint64_t frame_bytes) {
  if (frame_bytes == 0) return kQueueFrames;
  const uint64_t fit = kQueueBudgetBytes / frame_bytes;
  return static_cast<size_t>(std::clamp<uint64_t>(fit, kQueueMinFrames, kQueueFrames));
}

class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

  enum class Pushed : uint8_t {
    queued,
    queued_dropping_oldest,  // the queue was full: the oldest frame made room (counted)
    refused,                 // closed: the frame was not taken
  };

  // Never blocks.
  Pushed push(DeviceFrame frame) {
    Pushed result = Pushed::queued;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return Pushed::refused;
      if (frames_.size() >= capacity_) {
        frames_.pop_front();
        ++dropped_;
        result = Pushed::queued_dropping_oldest;
      }
      frames_.push_back(std::move(frame));
      if (frames_.size() > high_water_) high_water_ = frames_.size();
    }
    cv_.notify_one();
    return result;
  }

  // Waits up to `timeout` for a frame. nullopt on timeout, after a wake() or once closed and empty.
  std::optional<DeviceFrame> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || closed_ || woken_; });
    woken_ = false;
    if (frames_.empty()) return std::nullopt;
    DeviceFrame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  // A new bound for later pushes (at least 1). Frames over it are dropped now, oldest first, and
  // counted; returns how many.
  size_t set_capacity(size_t capacity) {
    std::lock_guard lock(mutex_);
    capacity_ = std::max<size_t>(capacity, 1);
    size_t over = 0;
    while (frames_.size() > capacity_) {
      frames_.pop_front();
      ++over;
    }
    dropped_ += over;
    return over;
  }
  size_t capacity() const {
    std::lock_guard lock(mutex_);
    return capacity_;
  }

  // Ends the consumer's current (or next) pop() wait without a frame, to look at other work.
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    cv_.notify_all();
  }

  // Wakes the consumer; later pushes are refused, frames already queued can still be popped.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  size_t depth() const {
    std::lock_guard lock(mutex_);
    return frames_.size();
  }
  uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  size_t high_water() const {
    std::lock_guard lock(mutex_);
    return high_water_;
  }

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<DeviceFrame> frames_;
  bool closed_ = false;
  bool woken_ = false;
  uint64_t dropped_ = 0;
  size_t high_water_ = 0;
};

}  // namespace zc::session
