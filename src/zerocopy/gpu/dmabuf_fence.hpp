#pragma once
// The implicit fence of a dmabuf: some compositors render straight into the buffer they hand us
// and give no other sync, so before reading we export the buffer's write fence as a sync file
// (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, Linux 6.0+) and poll it. Kernels and fds without the ioctl
// (older kernels, memfd-backed test buffers) report Unsupported and are read at once.
#include <cstdint>

namespace zc::zerocopy::gpu {

enum class FenceWait : uint8_t {
  Signalled,    // nothing pending, or it signalled within the timeout
  Unsupported,  // no DMA_BUF_IOCTL_EXPORT_SYNC_FILE for this fd (ENOTTY/EINVAL/EBADF...)
  TimedOut,     // still pending after the timeout: read anyway (the frame may tear), count it
};

FenceWait wait_dmabuf_write_fence(int dmabuf_fd, int timeout_ms);

struct FenceCounters {
  uint64_t waits = 0;        // waited (or found nothing pending)
  uint64_t unsupported = 0;  // found out once that the ioctl is not there
  uint64_t timeouts = 0;     // still pending at the timeout: read anyway
};

// The wait as every importer does it: bounded, counted, and given up for good once this kernel
// or buffer type shows it has no exportable fence (no ioctl per frame after that).
class ImplicitFence {
 public:
  void wait(int dmabuf_fd, int timeout_ms, FenceCounters& counters);

 private:
  bool supported_ = true;
};

}  // namespace zc::zerocopy::gpu
