#include <catch2/catch.hpp>

#include <array>
#include <thread>

#include "capture/pw/handover.hpp"

using zc::capture::BufferHandover;

namespace {
// Only their addresses are handed over.
std::array<pw_buffer, BufferHandover::kCapacity> g_buffers{};
pw_buffer* buf(uint32_t i) {
  return &g_buffers[i % BufferHandover::kCapacity];
}
}  // namespace

TEST_CASE("handover: buffers come out in the order they went in, across many wraps of the ring") {
  BufferHandover h;
  uint32_t in = 0, out = 0;
  for (int round = 0; round < 50; ++round) {
    const uint32_t n = 1 + round % 7;
    for (uint32_t i = 0; i < n; ++i)
      REQUIRE(h.push(buf(in++)));
    if (round % 3 == 0) continue;  // some rounds leave buffers for later
    while (pw_buffer* b = h.next())
      REQUIRE(b == buf(out++));
  }
  while (pw_buffer* b = h.next())
    REQUIRE(b == buf(out++));
  CHECK(out == in);
  CHECK(h.next() == nullptr);
}

TEST_CASE("handover: the ring holds kCapacity buffers and refuses one more") {
  BufferHandover h;
  for (uint32_t i = 0; i < BufferHandover::kCapacity; ++i)
    REQUIRE(h.push(buf(i)));
  CHECK_FALSE(h.push(buf(0)));
  CHECK(h.next() == buf(0));  // the loop thread took them all out of the ring: room again
  CHECK(h.push(buf(0)));
}

TEST_CASE("handover: a forgotten buffer is never handed out, the others keep their order") {
  BufferHandover h;
  for (uint32_t i = 0; i < 5; ++i)
    REQUIRE(h.push(buf(i)));
  CHECK(h.next() == buf(0));
  CHECK(h.forget(buf(2)));  // still in the ring when PipeWire removed it: its frame is lost
  REQUIRE(h.push(buf(5)));
  CHECK(h.forget(buf(5)));
  CHECK_FALSE(h.forget(buf(0)));  // already handed out: nothing lost here
  CHECK_FALSE(h.forget(buf(2)));  // forgotten once
  CHECK(h.next() == buf(1));
  CHECK(h.next() == buf(3));
  CHECK(h.next() == buf(4));
  CHECK(h.next() == nullptr);
}

TEST_CASE("handover: a producer thread and a consumer thread lose and repeat nothing") {
  BufferHandover h;
  constexpr uint32_t kCount = 200'000;
  std::thread producer([&] {
    for (uint32_t i = 0; i < kCount;) {
      if (h.push(buf(i))) ++i;
    }
  });
  uint32_t out = 0;
  while (out < kCount) {
    if (pw_buffer* b = h.next()) {
      REQUIRE(b == buf(out));
      ++out;
    }
  }
  producer.join();
  CHECK(h.next() == nullptr);
}
