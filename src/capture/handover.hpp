#pragma once
// Buffers dequeued on PipeWire's realtime data thread, handed to the consumer's own loop thread:
// a single-producer, single-consumer ring without locks (the data thread must not wait).
//
// Why (PipeWire 1.2+): a stream without PW_STREAM_FLAG_RT_PROCESS is an async node; the driver
// does not wait for it, and a consumer whose loop is a cycle late finds only the newest buffer
// (frames lost). With RT_PROCESS the graph runs the process callback in its cycle; that callback
// only calls dequeue_all() and wakes the loop thread, which takes them with next() and does the
// work as before. Used by capture::Stream and the tests' consumer.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>

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
    if (pending_.empty()) return nullptr;
    pw_buffer* b = pending_.front();
    pending_.pop_front();
    return b;
  }

  // Loop thread (remove_buffer): a buffer PipeWire takes away before we took it goes unread.
  void forget(pw_buffer* b) {
    take_ring();
    pending_.erase(std::remove(pending_.begin(), pending_.end(), b), pending_.end());
  }

 private:
  bool push(pw_buffer* b) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) >= kCapacity) return false;
    slots_[tail % kCapacity] = b;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  void take_ring() {
    uint32_t head = head_.load(std::memory_order_relaxed);
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    for (; head != tail; ++head)
      pending_.push_back(slots_[head % kCapacity]);
    head_.store(head, std::memory_order_release);
  }

  std::array<pw_buffer*, kCapacity> slots_{};
  std::atomic<uint32_t> head_{0};   // loop thread writes
  std::atomic<uint32_t> tail_{0};   // data thread writes
  std::deque<pw_buffer*> pending_;  // loop thread only: out of the ring, not yet taken
};

}  // namespace zc::capture
