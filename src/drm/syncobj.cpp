#include "drm/syncobj.hpp"

#include <drm.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace zc::drm {
namespace {

constexpr const char* kStage = "capture:sync";

int drm_ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && (errno == EINTR || errno == EAGAIN));
  return r;
}

std::vector<std::string> drm_nodes(std::string_view dir) {
  std::error_code ec;
  std::vector<std::string> render, card;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(dir), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("renderD", 0) == 0) render.push_back(e.path().string());
    if (name.rfind("card", 0) == 0) card.push_back(e.path().string());
  }
  std::sort(render.begin(), render.end());
  std::sort(card.begin(), card.end());
  render.insert(render.end(), card.begin(), card.end());
  return render;
}

int64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

Syncobj& Syncobj::operator=(Syncobj&& o) noexcept {
  if (this != &o) {
    reset();
    device_ = std::exchange(o.device_, nullptr);
    handle_ = std::exchange(o.handle_, 0);
  }
  return *this;
}

void Syncobj::reset() {
  if (device_) {
    drm_syncobj_destroy d{};
    d.handle = handle_;
    drm_ioctl(device_->fd(), DRM_IOCTL_SYNCOBJ_DESTROY, &d);
  }
  device_ = nullptr;
  handle_ = 0;
}

Result<void> Syncobj::wait(uint64_t point, int64_t timeout_ns) const {
  return device_->wait(handle_, point, timeout_ns);
}

Result<void> SyncobjDevice::wait(uint32_t handle, uint64_t point, int64_t timeout_ns) const {
  drm_syncobj_timeline_wait w{};
  w.handles = reinterpret_cast<uintptr_t>(&handle);
  w.points = reinterpret_cast<uintptr_t>(&point);
  // An absolute CLOCK_MONOTONIC deadline; 0 asks without waiting.
  w.timeout_nsec = timeout_ns > 0 ? monotonic_now_ns() + timeout_ns : 0;
  w.count_handles = 1;
  // The producer may not have submitted the work for the point yet: wait for that too.
  w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
  if (drm_ioctl(fd_.get(), DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w) == 0) return {};
  if (errno == ETIME || errno == ETIMEDOUT) {
    return fail(Errc::timeout, kStage, fmt::format("timeline point {} not signalled in time", point));
  }
  return fail(Errc::gpu, kStage, fmt::format("DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: {}", std::strerror(errno)));
}

Result<void> Syncobj::signal(uint64_t point) const {
  uint32_t handle = handle_;
  drm_syncobj_timeline_array a{};
  a.handles = reinterpret_cast<uintptr_t>(&handle);
  a.points = reinterpret_cast<uintptr_t>(&point);
  a.count_handles = 1;
  if (drm_ioctl(device_->fd(), DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a) == 0) return {};
  return fail(Errc::gpu, kStage,
              fmt::format("DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL point {}: {}", point, std::strerror(errno)));
}

Result<UniqueFd> Syncobj::export_fd() const {
  drm_syncobj_handle h{};
  h.handle = handle_;
  h.flags = 0;
  h.fd = -1;
  if (drm_ioctl(device_->fd(), DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h) != 0)
    return fail(Errc::gpu, kStage, fmt::format("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD: {}", std::strerror(errno)));
  return UniqueFd(h.fd);
}

Result<SyncobjDevice> SyncobjDevice::open(std::string_view drm_dir) {
  for (const auto& node : drm_nodes(drm_dir)) {
    UniqueFd fd(::open(node.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) continue;
    drm_get_cap cap{};
    cap.capability = DRM_CAP_SYNCOBJ_TIMELINE;
    if (drm_ioctl(fd.get(), DRM_IOCTL_GET_CAP, &cap) == 0 && cap.value != 0) return SyncobjDevice(std::move(fd), node);
  }
  return fail(Errc::not_found, kStage, fmt::format("no DRM node with timeline syncobjs in {}", drm_dir));
}

Result<Syncobj> SyncobjDevice::create() const {
  drm_syncobj_create c{};
  if (drm_ioctl(fd_.get(), DRM_IOCTL_SYNCOBJ_CREATE, &c) != 0)
    return fail(Errc::gpu, kStage, fmt::format("DRM_IOCTL_SYNCOBJ_CREATE: {}", std::strerror(errno)));
  return Syncobj(this, c.handle);
}

Result<Syncobj> SyncobjDevice::import(int syncobj_fd) const {
  drm_syncobj_handle h{};
  h.fd = syncobj_fd;
  if (drm_ioctl(fd_.get(), DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h) != 0) {
    return fail(Errc::gpu, kStage, fmt::format("cannot import syncobj fd {}: {}", syncobj_fd, std::strerror(errno)));
  }
  return Syncobj(this, h.handle);
}

}  // namespace zc::drm
