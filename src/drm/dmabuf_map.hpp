#pragma once
// CPU access to LINEAR dmabufs: plane 0 mapped read-only once per PipeWire buffer, reads
// bracketed by DMA_BUF_IOCTL_SYNC. memfd-backed "dmabufs" (our test source) take the same path;
// their ENOTTY on the sync ioctl is expected and tolerated.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/mapping.hpp"

namespace zc::drm {

// One read-only mapping of a dmabuf fd (whole fd, from offset 0); unmapped on destruction.
class DmaBufMapping {
 public:
  static Result<std::unique_ptr<DmaBufMapping>> create(int fd, uint64_t reported_size);
  DmaBufMapping(const DmaBufMapping&) = delete;
  DmaBufMapping& operator=(const DmaBufMapping&) = delete;

  int fd() const { return fd_; }
  const uint8_t* data() const { return map_.data(); }
  size_t size() const { return map_.size(); }

  // DMA_BUF_IOCTL_SYNC. Failures are not fatal (the mapping is still readable); ENOTTY (not a
  // dmabuf) stops further attempts on this fd.
  void sync(bool start);

 private:
  DmaBufMapping(int fd, Mapping map) : fd_(fd), map_(std::move(map)) {}

  int fd_;  // borrowed from PipeWire; valid while the buffer exists (until forget)
  Mapping map_;
  bool sync_supported_ = true;
  bool sync_failure_logged_ = false;
};

// Brackets a CPU read of a mapping (SYNC_START|READ ... SYNC_END|READ).
class DmaBufReadAccess {
 public:
  explicit DmaBufReadAccess(DmaBufMapping& m) : mapping_(m) { mapping_.sync(true); }
  ~DmaBufReadAccess() { mapping_.sync(false); }
  DmaBufReadAccess(const DmaBufReadAccess&) = delete;
  DmaBufReadAccess& operator=(const DmaBufReadAccess&) = delete;

 private:
  DmaBufMapping& mapping_;
};

// What a DmaBuf frame's plane 0 looks like once mapped and validated.
struct MappedPlane {
  DmaBufMapping* mapping = nullptr;
  const uint8_t* pixels = nullptr;  // first pixel (plane offset applied)
  uint32_t stride = 0;
};

// Mappings cached per PipeWire buffer id. Not thread-safe: use from the capture thread.
class DmaBufCache {
 public:
  // Errc::rejected: a modifier other than LINEAR/INVALID, or an fd that cannot be mapped.
  // Errc::invalid_argument: a plane that does not fit its mapping.
  Result<MappedPlane> map(const Frame& frame);
  void forget(uint64_t buffer_id) { dropped_ += mappings_.erase(buffer_id); }
  size_t live() const { return mappings_.size(); }
  uint64_t created() const { return created_; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::unordered_map<uint64_t, std::unique_ptr<DmaBufMapping>> mappings_;
  uint64_t created_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace zc::drm
