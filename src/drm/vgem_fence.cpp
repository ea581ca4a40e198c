#include "drm/vgem_fence.hpp"

#include <drm.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "drm/gbm.hpp"

// include/uapi/drm/vgem_drm.h (not in libdrm's headers): the ABI since Linux 4.10.
namespace {
struct drm_vgem_fence_attach {
  __u32 handle;
  __u32 flags;
  __u32 out_fence;
  __u32 pad;
};
struct drm_vgem_fence_signal {
  __u32 fence;
  __u32 flags;
};
constexpr __u32 kVgemFenceWrite = 0x1;
constexpr unsigned long kIoctlVgemFenceAttach =
    DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach);  // NOLINT(hicpp-signed-bitwise)
constexpr unsigned long kIoctlVgemFenceSignal =
    DRM_IOW(DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal);  // NOLINT(hicpp-signed-bitwise)
}  // namespace

namespace zc::drm {
namespace {

constexpr const char* kStage = "test-source";

int drm_ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && (errno == EINTR || errno == EAGAIN));
  return r;
}

// The node's kernel driver name ("vgem", "virtio_gpu", ...), empty if it does not answer.
std::string driver_name(int fd) {
  char name[64] = {};
  drm_version v{};
  v.name = name;
  v.name_len = sizeof(name) - 1;
  if (drm_ioctl(fd, DRM_IOCTL_VERSION, &v) != 0) return {};
  return std::string(name, std::min<size_t>(v.name_len, sizeof(name) - 1));
}

}  // namespace

Result<VgemFencer> VgemFencer::open(std::string_view drm_dir) {
  for (const auto& node : drm::gbm::find_drm_nodes(drm_dir)) {
    UniqueFd fd(::open(node.c_str(), O_RDWR | O_CLOEXEC));
    if (fd && driver_name(fd.get()) == "vgem") return VgemFencer(std::move(fd), node);
  }
  return fail(Errc::not_found, kStage, fmt::format("no vgem DRM node in {} (modprobe vgem)", drm_dir));
}

Result<uint32_t> VgemFencer::attach_write_fence(int dmabuf_fd) {
  drm_prime_handle prime{};
  prime.fd = dmabuf_fd;
  if (drm_ioctl(fd_.get(), DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime) != 0) {
    return fail(Errc::unsupported, kStage, fmt::format("vgem cannot import the dmabuf: {}", std::strerror(errno)));
  }
  drm_vgem_fence_attach attach{};
  attach.handle = prime.handle;
  attach.flags = kVgemFenceWrite;
  const int r = drm_ioctl(fd_.get(), kIoctlVgemFenceAttach, &attach);
  const int err = errno;
  // The fence lives in the dmabuf's reservation object and in vgem's fence table, not in the
  // handle: the import can go at once.
  drm_gem_close close{};
  close.handle = prime.handle;
  drm_ioctl(fd_.get(), DRM_IOCTL_GEM_CLOSE, &close);
  if (r != 0) return fail(Errc::unsupported, kStage, fmt::format("VGEM_FENCE_ATTACH failed: {}", std::strerror(err)));
  return attach.out_fence;
}

Result<void> VgemFencer::signal(uint32_t fence) {
  drm_vgem_fence_signal s{};
  s.fence = fence;
  if (drm_ioctl(fd_.get(), kIoctlVgemFenceSignal, &s) != 0)
    return fail(Errc::unsupported, kStage, fmt::format("VGEM_FENCE_SIGNAL {} failed: {}", fence, std::strerror(errno)));
  return {};
}

}  // namespace zc::drm
