#pragma once
// Buffers dequeued on PipeWire's realtime data thread, handed to the consumer's own loop thread:
// a single-producer, single-consumer ring without locks (the data thread must not wait).
//
// Why (PipeWire 1.2+): a stream without PW_STREAM_FLAG_RT_PROCESS is an async node; the driver
// does not wait for it, and a consumer whose loop is a cycle late finds only the newest buffer
// (frames lost). With RT_PROCESS the graph runs the process callback in its cycle; that callback
// only calls dequeue_all() and wakes the loop thread, which takes them with next() and does the
// work as before. Used by capture::Stream and the tests' consumer.
#include <array>
#include <atomic>
#include <cstdint>

#include <pipewire/stream.h>

namespace zc::capture {

class BufferHandover {
 public:
  // PipeWire gives a stream at most 64 buffers, so the ring cannot fill.
  static constexpr uint32_t kCapacity = 64;

  // Data thread: every buffer the stream has for us. True when there was any (wake the loop).
  bool dequeue_all(pw_stream* stream) {
    bool any = false;
    while (pw_buffer* b = pw_stream_dequeue_buffer(stream)) {
      if (push(b)) {
        any = true;
      } else {
        pw_stream_queue_buffer(stream, b);  // cannot happen (see kCapacity): never stuck
      }
    }
    return any;
  }

  // Loop thread: the next buffer in the order they came, nullptr when there is none.
  pw_buffer* next() {
    take_ring();
    if (pending_count_ == 0) return nullptr;
    pw_buffer* b = pending_[pending_head_ % kCapacity];
    ++pending_head_;
    --pending_count_;
    return b;
  }

  // Loop thread (remove_buffer): a buffer PipeWire takes away before we took it goes unread.
  // True when it was waiting here (its frame is lost: the caller counts it).
  bool forget(pw_buffer* b) {
    take_ring();
    uint32_t kept = 0;
    for (uint32_t i = 0; i < pending_count_; ++i) {
      pw_buffer* p = pending_[(pending_head_ + i) % kCapacity];
      if (p != b) pending_[(pending_head_ + kept++) % kCapacity] = p;
    }
    const bool found = kept != pending_count_;
    pending_count_ = kept;
    return found;
  }

  // Data thread: one buffer into the ring; false when it is full (dequeue_all's step, and tests').
  bool push(pw_buffer* b) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) >= kCapacity) return false;
    slots_[tail % kCapacity] = b;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

 private:
  void take_ring() {
    uint32_t head = head_.load(std::memory_order_relaxed);
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    // Every buffer is in one place at a time (ring, pending or queued back), so pending cannot
    // hold more than kCapacity either.
    for (; head != tail && pending_count_ < kCapacity; ++head)
      pending_[(pending_head_ + pending_count_++) % kCapacity] = slots_[head % kCapacity];
    head_.store(head, std::memory_order_release);
  }

  std::array<pw_buffer*, kCapacity> slots_{};
  std::atomic<uint32_t> head_{0};  // loop thread writes
  std::atomic<uint32_t> tail_{0};  // data thread writes
  // Loop thread only: out of the ring, not yet taken (fixed: no allocation on the per-frame path).
  std::array<pw_buffer*, kCapacity> pending_{};
  uint32_t pending_head_ = 0;
  uint32_t pending_count_ = 0;
};

}  // namespace zc::capture
