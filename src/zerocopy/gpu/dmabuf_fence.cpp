#include "zerocopy/gpu/dmabuf_fence.hpp"

#include <linux/dma-buf.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "core/log.hpp"
#include "core/unique_fd.hpp"

#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
  __u32 flags;
  __s32 fd;
};
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE _IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#endif

namespace zc::zerocopy::gpu {

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
  do {
    r = poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0 ? FenceWait::Signalled : FenceWait::TimedOut;
}

void ImplicitFence::wait(int dmabuf_fd, int timeout_ms, FenceCounters& counters) {
  if (!supported_) return;
  switch (wait_dmabuf_write_fence(dmabuf_fd, timeout_ms)) {
    case FenceWait::Signalled:
      ++counters.waits;
      break;
    case FenceWait::Unsupported:
      ++counters.unsupported;
      supported_ = false;
      spdlog::info("zerocopy: dmabuf has no exportable implicit fence; reading without waiting");
      break;
    case FenceWait::TimedOut:
      ++counters.timeouts;
      break;
  }
}

}  // namespace zc::zerocopy::gpu
