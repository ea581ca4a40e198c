#pragma once
// The bounded hand-off between the capture thread and the encoder thread. When the encoder falls
// behind, the oldest frame is dropped (and counted): the newest picture is what a viewer wants,
// and a full queue must never block the PipeWire thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "core/device_frame.hpp"

namespace zc::session {

class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : capacity_(capacity) {}

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
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<DeviceFrame> frames_;
  bool closed_ = false;
  bool woken_ = false;
  uint64_t dropped_ = 0;
  size_t high_water_ = 0;
};

}  // namespace zc::session
