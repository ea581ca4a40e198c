#pragma once
// DRM timeline syncobjs (explicit sync, DESIGN.md §4): a DRM device fd that has them
// (DRM_CAP_SYNCOBJ_TIMELINE) and owned handles on it. The consumer imports the producer's acquire
// and release syncobj fds per PipeWire buffer, waits for acquire points and signals release
// points; the test source, as producer, creates and exports them. Only the kernel's ioctls:
// libdrm's headers, no libdrm.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace zc::drm {

class SyncobjDevice;

// One syncobj handle on a device, destroyed with it. The device must outlive it.
class Syncobj {
 public:
  Syncobj() = default;
  Syncobj(Syncobj&& o) noexcept : device_(std::exchange(o.device_, nullptr)), handle_(std::exchange(o.handle_, 0)) {}
  Syncobj& operator=(Syncobj&& o) noexcept;
  Syncobj(const Syncobj&) = delete;
  Syncobj& operator=(const Syncobj&) = delete;
  ~Syncobj() { reset(); }

  explicit operator bool() const { return device_ != nullptr; }
  uint32_t handle() const { return handle_; }
  void reset();

  // Blocks until `point` has signalled (waiting for it to be submitted first), at most
  // `timeout_ns`; Errc::timeout then. 0: just ask.
  Result<void> wait(uint64_t point, int64_t timeout_ns) const;
  // Signals `point` on the CPU (the timeline must not have passed it).
  Result<void> signal(uint64_t point) const;
  // A new fd for it (to hand to another process).
  Result<UniqueFd> export_fd() const;

 private:
  friend class SyncobjDevice;
  Syncobj(const SyncobjDevice* device, uint32_t handle) : device_(device), handle_(handle) {}

  const SyncobjDevice* device_ = nullptr;
  uint32_t handle_ = 0;
};

class SyncobjDevice {
 public:
  // The first DRM node in `drm_dir` (render nodes, then card nodes) with timeline syncobjs;
  // Errc::not_found naming the directory when none has them.
  static Result<SyncobjDevice> open(std::string_view drm_dir = "/dev/dri");

  Result<Syncobj> create() const;
  Result<Syncobj> import(int syncobj_fd) const;
  // Syncobj::wait by handle (a handle may be gone meanwhile: an error then, never a crash).
  Result<void> wait(uint32_t handle, uint64_t point, int64_t timeout_ns) const;

  int fd() const { return fd_.get(); }
  const std::string& node() const { return node_; }

 private:
  SyncobjDevice(UniqueFd fd, std::string node) : fd_(std::move(fd)), node_(std::move(node)) {}

  UniqueFd fd_;
  std::string node_;
};

}  // namespace zc::drm
