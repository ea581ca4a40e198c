#include "drm/dmabuf_map.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/log.hpp"

#include "core/image_layout.hpp"

namespace zc::drm {
namespace {
constexpr const char* kStage = "zerocopy:cpu";
}

Result<std::unique_ptr<DmaBufMapping>> DmaBufMapping::create(int fd, uint64_t reported_size) {
  // A dmabuf's inode carries its size, as does a memfd's; PipeWire's maxsize is the fallback.
  struct stat st {};
  uint64_t size = 0;
  if (fstat(fd, &st) == 0 && st.st_size > 0) size = static_cast<uint64_t>(st.st_size);
  if (size == 0) size = reported_size;
  if (size == 0) return fail(Errc::invalid_argument, kStage, "dmabuf of unknown size (fd " + std::to_string(fd) + ")");
  Mapping map(fd, size, PROT_READ);
  if (!map.valid()) {
    return fail(Errc::rejected, kStage,
                "cannot mmap dmabuf fd " + std::to_string(fd) + " (" + std::to_string(size) +
                    " bytes): " + std::strerror(errno));
  }
  return std::unique_ptr<DmaBufMapping>(new DmaBufMapping(fd, std::move(map)));
}

void DmaBufMapping::sync(bool start) {
  if (!sync_supported_) return;
  dma_buf_sync arg{};
  arg.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) | DMA_BUF_SYNC_READ;
  int rc;
  do {
    rc = ioctl(fd_, DMA_BUF_IOCTL_SYNC, &arg);
  } while (rc != 0 && (errno == EINTR || errno == EAGAIN));
  if (rc == 0) return;
  const int err = errno;
  if (err == ENOTTY) {
    // A memfd standing in for a dmabuf: nothing to synchronise, and never will be on this fd.
    sync_supported_ = false;
    zc::log::debug("{}: fd {} is not a dmabuf (DMA_BUF_IOCTL_SYNC: ENOTTY), reading it unsynchronised", kStage, fd_);
    return;
  }
  if (!sync_failure_logged_) {
    sync_failure_logged_ = true;
    zc::log::warn("{}: DMA_BUF_IOCTL_SYNC on fd {} failed: {}; reading anyway", kStage, fd_, std::strerror(err));
  }
}

Result<MappedPlane> DmaBufCache::map(const Frame& frame) {
  if (frame.modifier != kModifierLinear && frame.modifier != kModifierInvalid) {
    return fail(Errc::rejected, kStage,
                "cannot read a tiled dmabuf on the CPU (modifier 0x" + fmt::format("{:x}", frame.modifier) + ")");
  }
  if (frame.plane_count == 0 || frame.planes[0].fd < 0) {
    return fail(Errc::invalid_argument, kStage, "dmabuf frame without a plane fd");
  }
  const DmaBufPlane& plane = frame.planes[0];

  auto it = mappings_.find(frame.buffer_id);
  // Same buffer id with another fd: the stream was renegotiated without a forget(); remap.
  if (it != mappings_.end() && it->second->fd() != plane.fd) {
    mappings_.erase(it);
    ++dropped_;
    it = mappings_.end();
  }
  if (it == mappings_.end()) {
    auto created = DmaBufMapping::create(plane.fd, plane.size);
    if (!created) return tl::unexpected(created.error());
    it = mappings_.emplace(frame.buffer_id, std::move(*created)).first;
    ++created_;
  }
  DmaBufMapping& m = *it->second;

  const uint64_t row_bytes = plane_row_bytes(frame.format, frame.width, 0);
  const uint64_t end = uint64_t{plane.offset} + uint64_t{plane.stride} * frame.height;
  if (plane.stride < row_bytes || end > m.size()) {
    return fail(Errc::invalid_argument, kStage,
                fmt::format("dmabuf plane does not fit its mapping (offset {}, stride {}, {}x{}, mapping {} bytes)",
                            plane.offset, plane.stride, frame.width, frame.height, m.size()));
  }
  return MappedPlane{&m, m.data() + plane.offset, plane.stride};
}

}  // namespace zc::drm
