#include "drm/dmabuf_alloc.hpp"

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace zc::drm {
namespace {
constexpr const char* kStage = "dmabuf";
}  // namespace

Result<gbm::Bo> allocate_gbm_buffer(const gbm::Device& device, uint32_t width, uint32_t height, PixelFormat format,
                                    uint64_t modifier) {
  const uint32_t fourcc = drm_fourcc(format);
  if (fourcc == 0) {
    return fail(Errc::unsupported, kStage, fmt::format("{} has no DRM fourcc for GBM", zc::to_string(format)));
  }
  auto bo = gbm::Bo::create(device, width, height, fourcc, modifier);
  if (!bo) {
    return fail(Errc::unsupported, kStage, "GBM: " + bo.error().message);
  }
  // One modifier asked for, so the driver has no choice; one that reports another is a bug there.
  if (const uint64_t got = bo->modifier(); got != modifier && got != kModifierInvalid) {
    return fail(Errc::internal, kStage,
                fmt::format("GBM allocated modifier {} when asked for {}", gbm::modifier_hex(got),
                            gbm::modifier_hex(modifier)));
  }
  if (bo->stride() < width * 4) {
    return fail(Errc::internal, kStage, fmt::format("GBM buffer stride {} below {}", bo->stride(), width * 4));
  }
  return bo;
}

Result<Udmabuf> allocate_udmabuf(int udmabuf_device, size_t size) {
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size = (size + page - 1) / page * page;
  Udmabuf out;
  out.memfd = UniqueFd(memfd_create("zc-test-source-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!out.memfd || ftruncate(out.memfd.get(), static_cast<off_t>(size)) < 0) {
    return fail(Errc::internal, kStage, std::string("cannot create udmabuf memory: ") + std::strerror(errno));
  }
  // udmabuf takes only memfds that cannot shrink under it.
  if (fcntl(out.memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
    return fail(Errc::internal, kStage, std::string("cannot seal udmabuf memory: ") + std::strerror(errno));
  }
  udmabuf_create create{};
  create.memfd = static_cast<uint32_t>(out.memfd.get());
  create.flags = UDMABUF_FLAGS_CLOEXEC;
  create.offset = 0;
  create.size = size;
  out.dmabuf = UniqueFd(ioctl(udmabuf_device, UDMABUF_CREATE, &create));
  if (!out.dmabuf) {
    return fail(Errc::unsupported, kStage, std::string("UDMABUF_CREATE failed: ") + std::strerror(errno));
  }
  out.map = Mapping(out.memfd.get(), size, PROT_READ | PROT_WRITE);
  if (!out.map.valid()) {
    return fail(Errc::internal, kStage, std::string("cannot map udmabuf memory: ") + std::strerror(errno));
  }
  return out;
}

void sync_dmabuf_write(int dmabuf_fd, bool start) {
  dma_buf_sync arg{};
  arg.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) | DMA_BUF_SYNC_WRITE;
  while (ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &arg) != 0 && (errno == EINTR || errno == EAGAIN)) {
  }
}

}  // namespace zc::drm
