// The CPU importer and a real pending implicit fence: a vgem write fence on a udmabuf (both in the
// vm tests' guest; skipped where either is missing). The importer must not read before the fence
// signals, must read what was written before the signal, and must drop a frame whose fence never
// signals within its timeout, then read the next one.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <chrono>
#include <cstring>
#include <latch>
#include <thread>

#include "cpu_test_image.hpp"
#include "drm/dmabuf_alloc.hpp"
#include "drm/implicit_fence.hpp"
#include "drm/vgem_fence.hpp"
#include "support/skip.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using namespace std::chrono_literals;
using zc::PixelFormat;
using zc::drm::FenceWait;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::CpuImportOptions;
using zc::zerocopy::ImportTarget;

namespace {

constexpr uint32_t kWidth = 64, kHeight = 32, kStride = kWidth * 4;

struct Rig {
  zc::UniqueFd udmabuf_device;
  zc::drm::Udmabuf buffer;
  zc::drm::VgemFencer fencer;
};

// A udmabuf and the vgem node, or a skip naming what is missing.
Rig make_rig() {
  zc::UniqueFd dev(::open(std::string(zc::drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
  if (!dev) ZC_SKIP("no /dev/udmabuf here (modprobe udmabuf)");
  auto fencer = zc::drm::VgemFencer::open();
  if (!fencer) ZC_SKIP("no vgem fences here: " + fencer.error().message);
  auto buffer = zc::drm::allocate_udmabuf(dev.get(), size_t{kStride} * kHeight);
  REQUIRE(buffer);
  return Rig{std::move(dev), std::move(*buffer), std::move(*fencer)};
}

// The whole picture in one colour.
void paint(Rig& rig, zc::test::Rgba colour) {
  zc::test::PackedImage img(PixelFormat::BGRx, kWidth, kHeight, kStride);
  img.fill_rect(0, 0, kWidth, kHeight, colour);
  std::memcpy(rig.buffer.map.data(), img.data(), img.size());
}

zc::Frame frame_of(const Rig& rig, uint64_t buffer_id) {
  zc::Frame f;
  f.buffer_id = buffer_id;
  f.width = kWidth;
  f.height = kHeight;
  f.format = PixelFormat::BGRx;
  f.memory = zc::MemoryKind::DmaBuf;
  f.modifier = zc::kModifierLinear;
  f.plane_count = 1;
  f.planes[0] = zc::DmaBufPlane{rig.buffer.dmabuf.get(), 0, kStride, rig.buffer.map.size()};
  return f;
}

ImportTarget target() {
  ImportTarget t;
  t.width = kWidth;
  t.height = kHeight;
  return t;
}

double luma(const zc::DeviceFrame& f) {
  return zc::test::Planes(f).y(kWidth / 2, kHeight / 2);
}

}  // namespace

TEST_CASE("a vgem write fence on a dmabuf is seen pending until signalled", "[fence][vm]") {
  Rig rig = make_rig();
  const int fd = rig.buffer.dmabuf.get();
  CHECK(zc::drm::wait_dmabuf_write_fence(fd, 0) == zc::drm::FenceWait::Ready);
  auto fence = rig.fencer.attach_write_fence(fd);
  REQUIRE(fence);
  CHECK(zc::drm::wait_dmabuf_write_fence(fd, 20) == zc::drm::FenceWait::TimedOut);
  REQUIRE(rig.fencer.signal(*fence));
  CHECK(zc::drm::wait_dmabuf_write_fence(fd, 0) == zc::drm::FenceWait::Ready);
  // A second signal of the same fence is refused: the test source relies on it being one-shot.
  CHECK_FALSE(rig.fencer.signal(*fence));
}

TEST_CASE("the CPU importer waits for a pending write fence and reads what was written before the signal",
          "[fence][vm]") {
  Rig rig = make_rig();
  const zc::test::Rgba black{0, 0, 0, 255}, white{255, 255, 255, 255};
  paint(rig, black);
  CpuImportOptions o;
  o.fence_timeout_ms = 5000;
  CpuImporter importer(o);
  // The buffer's first frame, with no fence: it maps the buffer, so the fenced import below goes
  // straight to the wait (in the guest under ASan a first mapping took longer than the writer's delay
  // once, and the fence was already signalled when it was looked at).
  auto first = importer.import(frame_of(rig, 1), target());
  REQUIRE(first);
  CHECK(luma(*first) < 20);
  CHECK(importer.counters().fence_waited == 0);
  auto fence = rig.fencer.attach_write_fence(rig.buffer.dmabuf.get());
  REQUIRE(fence);
  // The "GPU" finishes 300 ms after the import starts: only then is the picture white.
  std::latch importing(1);
  std::thread writer([&] {
    importing.wait();
    std::this_thread::sleep_for(300ms);
    paint(rig, white);
    REQUIRE(rig.fencer.signal(*fence));
  });
  const auto t0 = std::chrono::steady_clock::now();
  importing.count_down();
  auto f = importer.import(frame_of(rig, 1), target());
  const auto waited = std::chrono::steady_clock::now() - t0;
  writer.join();
  REQUIRE(f);
  CHECK(waited >= 250ms);
  CHECK(luma(*f) > 200);  // white (235 in limited range), never the black left before the signal
  CHECK(importer.counters().fence_waited == 1);
  CHECK(importer.counters().fence_timeouts == 0);
}

TEST_CASE("a write fence that never signals: the frame is dropped after the timeout, the next one is read",
          "[fence][vm]") {
  Rig rig = make_rig();
  paint(rig, {255, 255, 255, 255});
  auto fence = rig.fencer.attach_write_fence(rig.buffer.dmabuf.get());
  REQUIRE(fence);
  CpuImportOptions o;
  o.fence_timeout_ms = 60;
  CpuImporter importer(o);
  const auto t0 = std::chrono::steady_clock::now();
  auto dropped = importer.import(frame_of(rig, 1), target());
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().code == zc::Errc::timeout);
  CHECK_THAT(dropped.error().message, Catch::Matchers::Contains("did not signal within 60 ms"));
  CHECK(took >= 50ms);
  CHECK(took < 2s);  // not the kernel's own 10 s vgem timeout (a SYNC ioctl would have waited for it)
  CHECK(importer.counters().fence_timeouts == 1);
  CHECK(importer.counters().imported == 0);
  // The producer signals it late; the buffer's next frame goes through.
  REQUIRE(rig.fencer.signal(*fence));
  auto next = importer.import(frame_of(rig, 1), target());
  REQUIRE(next);
  CHECK(luma(*next) > 200);
  CHECK(importer.counters().imported == 1);
}
