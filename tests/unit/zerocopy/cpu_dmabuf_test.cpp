// DmaBuf frames: memfd stand-ins (our test source's "dmabuf"), udmabuf where the kernel has it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu_test_image.hpp"
#include "support/skip.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using zc::PixelFormat;
using zc::test::Planes;
using zc::test::Rgba;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::ImportTarget;

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr const char* kMemfdName = "zc-cpu-import-test";
constexpr uint32_t kOffset = 4096 + 256;  // plane data after a header page, not page aligned
constexpr uint32_t kWidth = 64, kHeight = 32, kStride = kWidth * 4 + 128;
constexpr size_t kFdSize = kOffset + size_t{kStride} * kHeight;

// A memfd holding a BGRx picture (top half red, bottom half blue) at kOffset.
int make_memfd(size_t size = kFdSize, unsigned flags = 0) {
  const int fd = memfd_create(kMemfdName, MFD_CLOEXEC | flags);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, static_cast<off_t>(size)) == 0);
  zc::test::PackedImage img(PixelFormat::BGRx, kWidth, kHeight, kStride);
  img.fill_rect(0, 0, kWidth, kHeight / 2, {255, 0, 0, 255});
  img.fill_rect(0, kHeight / 2, kWidth, kHeight / 2, {0, 0, 255, 255});
  REQUIRE(pwrite(fd, img.data(), img.size(), kOffset) == static_cast<ssize_t>(img.size()));
  return fd;
}

zc::Frame dmabuf_frame(int fd, uint64_t buffer_id, uint64_t modifier = zc::kModifierLinear) {
  zc::Frame f;
  f.buffer_id = buffer_id;
  f.width = kWidth;
  f.height = kHeight;
  f.format = PixelFormat::BGRx;
  f.memory = zc::MemoryKind::DmaBuf;
  f.modifier = modifier;
  f.plane_count = 1;
  f.planes[0] = zc::DmaBufPlane{fd, kOffset, kStride, kFdSize};
  return f;
}

ImportTarget target() {
  ImportTarget t;
  t.width = kWidth;
  t.height = kHeight;
  return t;
}

// Mappings of our memfd in this process, counted the kernel's way.
int mappings_in_proc() {
  std::ifstream maps("/proc/self/maps");
  int n = 0;
  for (std::string line; std::getline(maps, line);)
    n += line.find(kMemfdName) != std::string::npos;
  return n;
}

void check_picture(const zc::DeviceFrame& f) {
  const Planes p(f);
  const auto red = zc::test::bt601({255, 0, 0, 255});
  const auto blue = zc::test::bt601({0, 0, 255, 255});
  CHECK(std::abs(p.y(5, 3) - red.y) <= 2);
  CHECK(std::abs(p.v(60, 14) - red.v) <= 2);
  CHECK(std::abs(p.y(5, 20) - blue.y) <= 2);
  CHECK(std::abs(p.u(60, 31) - blue.u) <= 2);
}

}  // namespace

TEST_CASE("a memfd dmabuf is mapped once, converted, and unmapped by forget", "[cpu_import][dmabuf]") {
  CpuImporter importer;
  Fd a(make_memfd()), b(make_memfd());
  for (int i = 0; i < 5; ++i) {
    auto fa = importer.import(dmabuf_frame(a.get(), 1), target());
    REQUIRE(fa);  // the ENOTTY from DMA_BUF_IOCTL_SYNC on a memfd is tolerated
    check_picture(*fa);
    auto fb = importer.import(dmabuf_frame(b.get(), 2, zc::kModifierInvalid), target());
    REQUIRE(fb);
    check_picture(*fb);
  }
  CHECK(importer.live_mappings() == 2);
  CHECK(mappings_in_proc() == 2);
  CHECK(importer.counters().dmabuf_mapped == 2);

  importer.forget(1);
  CHECK(importer.live_mappings() == 1);
  CHECK(mappings_in_proc() == 1);
  importer.forget(1);  // twice is harmless
  importer.forget(2);
  CHECK(importer.live_mappings() == 0);
  CHECK(mappings_in_proc() == 0);
  CHECK(importer.counters().dmabuf_unmapped == 2);

  // Renegotiated: the same buffer id now arrives with another fd — the old mapping goes.
  Fd c(make_memfd());
  REQUIRE(importer.import(dmabuf_frame(a.get(), 7), target()));
  REQUIRE(importer.import(dmabuf_frame(c.get(), 7), target()));
  CHECK(importer.live_mappings() == 1);
  CHECK(mappings_in_proc() == 1);
}

TEST_CASE("a tiled dmabuf is rejected so capture renegotiates", "[cpu_import][dmabuf]") {
  CpuImporter importer;
  Fd fd(make_memfd());
  constexpr uint64_t kI915XTiled = (uint64_t{0x01} << 56) | 1;
  constexpr uint64_t kNvidiaBlockLinear = (uint64_t{0x03} << 56) | 0x10;
  for (uint64_t mod : {kI915XTiled, kNvidiaBlockLinear}) {
    auto r = importer.import(dmabuf_frame(fd.get(), 1, mod), target());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == zc::Errc::rejected);
  }
  CHECK(importer.live_mappings() == 0);
}

TEST_CASE("a dmabuf plane that does not fit its fd is refused, not read", "[cpu_import][dmabuf]") {
  CpuImporter importer;
  Fd small(make_memfd());
  auto frame = dmabuf_frame(small.get(), 1);
  frame.planes[0].offset = kOffset + 1;  // one byte too far
  auto r = importer.import(frame, target());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::invalid_argument);

  frame = dmabuf_frame(small.get(), 1);
  frame.planes[0].stride = kWidth * 4 - 4;
  r = importer.import(frame, target());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::invalid_argument);

  frame = dmabuf_frame(-1, 2);
  r = importer.import(frame, target());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::invalid_argument);

  frame = dmabuf_frame(small.get(), 3);
  frame.plane_count = 0;
  r = importer.import(frame, target());
  REQUIRE_FALSE(r);

  // Not mappable at all (a pipe): the CPU cannot read it, so the modifier is rejected.
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  Fd rd(pipe_fds[0]), wr(pipe_fds[1]);
  r = importer.import(dmabuf_frame(rd.get(), 4), target());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == zc::Errc::rejected);
}

TEST_CASE("a real dmabuf (udmabuf) is read between DMA_BUF_IOCTL_SYNC calls", "[cpu_import][dmabuf]") {
  Fd dev(open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
  if (dev.get() < 0) ZC_SKIP("no /dev/udmabuf on this machine (modprobe udmabuf)");
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = (kFdSize + page - 1) / page * page;
  Fd mem(make_memfd(size, MFD_ALLOW_SEALING));
  REQUIRE(fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SHRINK) == 0);
  udmabuf_create create{};
  create.memfd = static_cast<uint32_t>(mem.get());
  create.flags = UDMABUF_FLAGS_CLOEXEC;
  create.size = size;
  Fd buf(ioctl(dev.get(), UDMABUF_CREATE, &create));
  if (buf.get() < 0) ZC_SKIP(std::string("UDMABUF_CREATE failed: ") + std::strerror(errno));

  CpuImporter importer;
  auto f = importer.import(dmabuf_frame(buf.get(), 1), target());
  REQUIRE(f);
  check_picture(*f);
  CHECK(importer.live_mappings() == 1);
}
