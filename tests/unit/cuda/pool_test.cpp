// cuda::FramePool semantics on host memory (the CUDA memory behind it is the only difference).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <set>

#include "cuda/frame_pool.hpp"

using namespace zc;
using namespace zc::cuda;

namespace {

class HostMemory final : public cuda::BufferMemory {
 public:
  Result<cuda::PitchedAllocation> allocate(size_t row_bytes, size_t rows) override {
    if (fail_next) {
      fail_next = false;
      return fail(Errc::gpu, "test", "out of memory");
    }
    const size_t pitch = (row_bytes + 255) / 256 * 256;
    void* p = std::aligned_alloc(256, pitch * rows);
    ++allocations;
    live.insert(p);
    return cuda::PitchedAllocation{reinterpret_cast<uint64_t>(p), pitch};
  }
  void release(const cuda::PitchedAllocation& a) noexcept override {
    void* p = reinterpret_cast<void*>(a.base);
    live.erase(p);
    std::free(p);
  }
  Result<void*> create_event() override { return static_cast<void*>(new int(0)); }
  void destroy_event(void* e) noexcept override { delete static_cast<int*>(e); }
  zc::FrameMemory kind() const override { return zc::FrameMemory::Cpu; }

  int allocations = 0;
  bool fail_next = false;
  std::set<void*> live;
};

}  // namespace

TEST_CASE("steady state reuses buffers: no allocation after warm-up") {
  auto mem = std::make_shared<HostMemory>();
  cuda::FramePool pool(mem);
  auto layout = cuda::frame_layout(640, 360, PixelFormat::NV12);
  REQUIRE(layout);
  // Three frames in flight, as an encoder queue would hold them.
  std::vector<DeviceFrame> in_flight;
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.acquire(*layout);
    REQUIRE(lease);
    in_flight.push_back(cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu));
  }
  CHECK(mem->allocations == 3);
  for (int i = 0; i < 100; ++i) {
    in_flight.erase(in_flight.begin());  // the oldest frame is encoded and dropped
    auto lease = pool.acquire(*layout);
    REQUIRE(lease);
    in_flight.push_back(cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu));
  }
  CHECK(mem->allocations == 3);
  const auto c = pool.counters();
  CHECK(c.created == 3);
  CHECK(c.acquired == 103);
  CHECK(c.reused == 100);
  CHECK(c.outstanding == 3);
}

TEST_CASE("device frames carry planes, pitches and the buffer's event") {
  auto mem = std::make_shared<HostMemory>();
  cuda::FramePool pool(mem);
  auto layout = cuda::frame_layout(1000, 600, PixelFormat::I420);
  REQUIRE(layout);
  auto lease = pool.acquire(*layout);
  REQUIRE(lease);
  const uint64_t base = (*lease)->base();
  const size_t pitch = (*lease)->pitch();
  void* event = (*lease)->event();
  DeviceFrame f = cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu);
  CHECK(f.width == 1000);
  CHECK(f.format == PixelFormat::I420);
  CHECK(f.planes[0] == base);
  CHECK(f.planes[1] == base + pitch * 600);
  CHECK(f.planes[2] == base + pitch * 600 + pitch / 2 * 300);
  CHECK(f.pitches[0] == pitch);
  CHECK(f.pitches[1] == pitch / 2);
  CHECK(f.ready_event == event);
  CHECK(f.storage);
  // Writing every byte of every plane stays inside the allocation (ASan checks it).
  for (uint32_t p = 0; p < 3; ++p)
    for (uint32_t y = 0; y < layout->rows[p]; ++y)
      std::memset(f.cpu_plane(p) + size_t{y} * f.pitches[p], 0x5a, layout->words[p].w * 4);
}

TEST_CASE("each shape has its own pool and buffers go back to theirs") {
  auto mem = std::make_shared<HostMemory>();
  cuda::FramePool pool(mem);
  auto a = cuda::frame_layout(320, 240, PixelFormat::BGRx);
  auto b = cuda::frame_layout(640, 480, PixelFormat::BGRx);
  REQUIRE((a && b));
  { auto l = pool.acquire(*a); }
  { auto l = pool.acquire(*b); }
  { auto l = pool.acquire(*a); }
  CHECK(pool.shapes() == 2);
  CHECK(pool.counters(320, 240, PixelFormat::BGRx).created == 1);
  CHECK(pool.counters(320, 240, PixelFormat::BGRx).reused == 1);
  CHECK(pool.counters(640, 480, PixelFormat::BGRx).reused == 0);
  CHECK(mem->allocations == 2);
}

TEST_CASE("a failed allocation is an error, and the pool recovers") {
  auto mem = std::make_shared<HostMemory>();
  cuda::FramePool pool(mem);
  auto l = cuda::frame_layout(64, 64, PixelFormat::RGBA);
  REQUIRE(l);
  mem->fail_next = true;
  auto bad = pool.acquire(*l);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::gpu);
  CHECK(bad.error().message == "out of memory");
  auto good = pool.acquire(*l);
  CHECK(good);
}

TEST_CASE("frames outliving the pool free their memory") {
  auto mem = std::make_shared<HostMemory>();
  DeviceFrame survivor;
  {
    cuda::FramePool pool(mem);
    auto l = cuda::frame_layout(64, 64, PixelFormat::RGBA);
    REQUIRE(l);
    { auto first = pool.acquire(*l); }  // one buffer on the free list
    auto lease = pool.acquire(*l);
    REQUIRE(lease);
    survivor = cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cpu);
  }
  CHECK(mem->live.size() == 1);
  survivor = DeviceFrame{};
  CHECK(mem->live.empty());
}
