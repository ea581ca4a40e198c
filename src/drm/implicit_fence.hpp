#pragma once
// The implicit fence of a dmabuf (DESIGN.md §4): some compositors render straight into the buffer
// they hand us and give no other sync, so before any read of it (the CPU path's mmap, both GPU
// bridges) its write fences are exported as a sync file (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, Linux
// 6.0+) and polled. Kernels and fds without the ioctl (older kernels, memfd-backed test buffers)
// report Unsupported and are read at once. One waiter for every importer.
#include <cstdint>

#include "core/error.hpp"

namespace zc::drm {

enum class FenceWait : uint8_t {
  Ready,        // nothing pending when asked
  Waited,       // a write was pending and finished within the timeout
  Unsupported,  // no DMA_BUF_IOCTL_EXPORT_SYNC_FILE for this fd (ENOTTY/EINVAL/EBADF...)
  TimedOut,     // still pending after the timeout
};

FenceWait wait_dmabuf_write_fence(int dmabuf_fd, int timeout_ms);

struct FenceCounters {
  uint64_t ready = 0;        // nothing pending
  uint64_t waited = 0;       // pending, waited for
  uint64_t unsupported = 0;  // found out once that the ioctl is not there
  uint64_t timeouts = 0;     // still pending at the timeout: the frame was dropped
};

// The wait as every importer does it: bounded, counted, and given up for good once this kernel
// or buffer type shows it has no exportable fence (no ioctl per frame after that).
class ImplicitFence {
 public:
  // Errc::timeout when a write is still pending after `timeout_ms`: the frame must not be read
  // (it would show a picture half drawn) and is dropped; the next buffer is waited for afresh.
  Result<void> wait(int dmabuf_fd, int timeout_ms, FenceCounters& counters);

 private:
  bool supported_ = true;
  bool waited_logged_ = false;
};

}  // namespace zc::drm
