#include <catch2/catch.hpp>

#include <thread>

#include "session/frame_queue.hpp"

using zc::DeviceFrame;
using zc::session::FrameQueue;

namespace {
DeviceFrame frame(uint64_t seq) {
  DeviceFrame f;
  f.sequence = seq;
  return f;
}
}  // namespace

TEST_CASE("the queue drops the oldest frame when full and counts it", "[frame_queue]") {
  FrameQueue q(3);
  for (uint64_t i = 0; i < 5; ++i)
    CHECK(q.push(frame(i)) == (i < 3 ? FrameQueue::Pushed::queued : FrameQueue::Pushed::queued_dropping_oldest));
  CHECK(q.dropped() == 2);
  CHECK(q.depth() == 3);
  for (uint64_t expect = 2; expect < 5; ++expect) {
    auto f = q.pop(std::chrono::milliseconds(0));
    REQUIRE(f);
    CHECK(f->sequence == expect);
  }
  CHECK_FALSE(q.pop(std::chrono::milliseconds(1)));
}

TEST_CASE("close wakes a waiting consumer and refuses new frames", "[frame_queue]") {
  FrameQueue q(2);
  q.push(frame(7));
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    q.close();
  });
  auto first = q.pop(std::chrono::seconds(5));
  REQUIRE(first);
  CHECK(first->sequence == 7);
  const auto start = std::chrono::steady_clock::now();
  auto none = q.pop(std::chrono::seconds(5));
  CHECK_FALSE(none);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  closer.join();
  CHECK(q.push(frame(8)) == FrameQueue::Pushed::refused);
  CHECK(q.depth() == 0);
}

TEST_CASE("wake ends one wait without a frame, before its timeout, and leaves the queue open", "[frame_queue]") {
  FrameQueue q(2);
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    q.wake();
  });
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(q.pop(std::chrono::seconds(10)));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  waker.join();
  CHECK_FALSE(q.closed());
  // A wake before the wait ends that wait at once; it is used up: the next wait times out.
  q.wake();
  CHECK_FALSE(q.pop(std::chrono::seconds(10)));
  const auto second = std::chrono::steady_clock::now();
  CHECK_FALSE(q.pop(std::chrono::milliseconds(100)));
  CHECK(std::chrono::steady_clock::now() - second >= std::chrono::milliseconds(90));
  // Frames still come through, and a queued frame wins over a wake.
  CHECK(q.push(frame(3)) == FrameQueue::Pushed::queued);
  q.wake();
  auto f = q.pop(std::chrono::seconds(1));
  REQUIRE(f);
  CHECK(f->sequence == 3);
}

TEST_CASE("the queue's bound follows the frame size: eight small frames, never fewer than three", "[frame_queue]") {
  using zc::session::queue_capacity_for;
  constexpr uint64_t k1080p = 1920ULL * 1080 * 3 / 2;  // NV12
  constexpr uint64_t k1440p = 2560ULL * 1440 * 3 / 2;
  constexpr uint64_t k4k = 3840ULL * 2160 * 3 / 2;
  CHECK(queue_capacity_for(0) == 8);
  CHECK(queue_capacity_for(640ULL * 360 * 3 / 2) == 8);
  CHECK(queue_capacity_for(k1080p) == 8);
  CHECK(queue_capacity_for(k1440p) == 6);
  CHECK(queue_capacity_for(k4k) == 3);
  CHECK(queue_capacity_for(k4k * 2) == 3);  // 4K P010
  CHECK(queue_capacity_for(k4k * 4) == 3);  // 8K
  CHECK(queue_capacity_for(k1440p) * k1440p <= zc::session::kQueueBudgetBytes);
}

TEST_CASE("a lower bound drops the oldest frames over it at once and counts them", "[frame_queue]") {
  FrameQueue q(8);
  for (uint64_t i = 0; i < 6; ++i)
    REQUIRE(q.push(frame(i)) == FrameQueue::Pushed::queued);
  CHECK(q.set_capacity(3) == 3);
  CHECK(q.capacity() == 3);
  CHECK(q.dropped() == 3);
  CHECK(q.depth() == 3);
  CHECK(q.push(frame(6)) == FrameQueue::Pushed::queued_dropping_oldest);
  for (uint64_t expect = 4; expect < 7; ++expect) {
    auto f = q.pop(std::chrono::milliseconds(0));
    REQUIRE(f);
    CHECK(f->sequence == expect);
  }
  CHECK(q.set_capacity(0) == 0);  // at least one
  CHECK(q.capacity() == 1);
  CHECK(q.push(frame(7)) == FrameQueue::Pushed::queued);
  CHECK(q.push(frame(8)) == FrameQueue::Pushed::queued_dropping_oldest);
}
