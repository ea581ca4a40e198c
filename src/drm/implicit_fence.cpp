#include "drm/implicit_fence.hpp"

#include <linux/dma-buf.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/unique_fd.hpp"

#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
  __u32 flags;
  __s32 fd;
};
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE _IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#endif

namespace zc::drm {

FenceWait wait_dmabuf_write_fence(int dmabuf_fd, int timeout_ms) {
  // READ: we are about to read, so we need the fences of the writers.
  dma_buf_export_sync_file req{DMA_BUF_SYNC_READ, -1};
  int r;
  do {
    r = ioctl(dmabuf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req);
  } while (r < 0 && (errno == EINTR || errno == EAGAIN));
  if (r < 0 || req.fd < 0) return FenceWait::Unsupported;
  UniqueFd sync(req.fd);
  pollfd p{sync.get(), POLLIN, 0};
  if (poll(&p, 1, 0) > 0) return FenceWait::Ready;
  do {
    r = poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0 ? FenceWait::Waited : FenceWait::TimedOut;
}

Result<void> ImplicitFence::wait(int dmabuf_fd, int timeout_ms, FenceCounters& counters) {
  if (!supported_) return {};
  switch (wait_dmabuf_write_fence(dmabuf_fd, timeout_ms)) {
    case FenceWait::Ready:
      ++counters.ready;
      break;
    case FenceWait::Waited:
      ++counters.waited;
      if (!waited_logged_) {
        waited_logged_ = true;
        zc::log::info("zerocopy: waited for a dmabuf's implicit write fence before reading it (first time)");
      }
      break;
    case FenceWait::Unsupported:
      ++counters.unsupported;
      supported_ = false;
      zc::log::info("zerocopy: dmabuf has no exportable implicit fence; reading without waiting");
      break;
    case FenceWait::TimedOut:
      ++counters.timeouts;
      return fail(
          Errc::timeout, "zerocopy",
          fmt::format("the dmabuf's implicit write fence did not signal within {} ms; frame dropped", timeout_ms));
  }
  return {};
}

}  // namespace zc::drm
