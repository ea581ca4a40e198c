#pragma once
// A real pending implicit fence on any dmabuf, for the test source: vgem (the kernel's virtual GEM
// driver, drivers/gpu/drm/vgem) attaches a write fence to a dmabuf imported into it (its
// reservation object is the dmabuf's own) that stays unsignalled until VGEM_FENCE_SIGNAL (or the
// kernel's own 10 s timeout). Every reader that honours implicit sync (DMA_BUF_IOCTL_EXPORT_SYNC_FILE
// and poll, GPU drivers) waits for it: what a compositor rendering straight into the buffer does.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace zc::drm {

class VgemFencer {
 public:
  // Opens the first DRM node in `drm_dir` whose driver is vgem (render nodes first). Errc::not_found
  // naming the directory when there is none (modprobe vgem).
  static Result<VgemFencer> open(std::string_view drm_dir = "/dev/dri");

  // Attaches a new write fence to `dmabuf_fd` and returns its id. Errc::unsupported with the
  // kernel's reason (EBUSY: a fence of the buffer is still pending).
  Result<uint32_t> attach_write_fence(int dmabuf_fd);
  // Signals the fence: readers waiting on the buffer go on. ENOENT (already signalled, or by the
  // kernel's timeout) is an error too.
  Result<void> signal(uint32_t fence);

  const std::string& node() const { return node_; }

 private:
  VgemFencer(UniqueFd fd, std::string node) : fd_(std::move(fd)), node_(std::move(node)) {}

  UniqueFd fd_;
  std::string node_;
};

}  // namespace zc::drm
