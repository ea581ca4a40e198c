// The implicit-fence wait on fds without DMA_BUF_IOCTL_EXPORT_SYNC_FILE: reported, never a hang.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>

#include "drm/implicit_fence.hpp"

using namespace zc;

TEST_CASE("a memfd (the test source's fake dmabuf) has no implicit fence to wait on") {
  const int fd = memfd_create("zc-fence-test", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, 4096) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(drm::wait_dmabuf_write_fence(fd, 1000) == drm::FenceWait::Unsupported);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  close(fd);
}

TEST_CASE("a closed fd is unsupported too") {
  CHECK(drm::wait_dmabuf_write_fence(-1, 10) == drm::FenceWait::Unsupported);
}
