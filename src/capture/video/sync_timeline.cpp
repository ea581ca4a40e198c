#include "capture/video/sync_timeline.hpp"

#include <pipewire/pipewire.h>

#include <cstdio>

#include "core/log.hpp"

namespace zc::capture {

bool library_has_sync_timeline() {
  int major = 0, minor = 0;
  const char* version = pw_get_library_version();
  if (!version || std::sscanf(version, "%d.%d", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 2);
}

std::optional<BufferSyncTimeline> find_sync_timeline(const spa_buffer& buffer) {
  auto* meta = static_cast<SpaMetaSyncTimeline*>(
      spa_buffer_find_meta_data(&buffer, kSpaMetaSyncTimeline, sizeof(SpaMetaSyncTimeline)));
  if (!meta || buffer.n_datas < 3 || !buffer.datas) return std::nullopt;
  const spa_data& acquire = buffer.datas[buffer.n_datas - 2];
  const spa_data& release = buffer.datas[buffer.n_datas - 1];
  if (acquire.type != kSpaDataSyncObj || release.type != kSpaDataSyncObj || acquire.fd < 0 || release.fd < 0)
    return std::nullopt;
  return BufferSyncTimeline{meta, static_cast<int>(acquire.fd), static_cast<int>(release.fd)};
}

std::optional<SyncTimelineConsumer> SyncTimelineConsumer::open(std::string_view drm_dir) {
  if (!library_has_sync_timeline()) {
    zc::log::debug("capture: libpipewire {} has no explicit sync (1.2+)", pw_get_library_version());
    return std::nullopt;
  }
  auto device = drm::SyncobjDevice::open(drm_dir);
  if (!device) {
    zc::log::debug("capture: no explicit sync: {}", device.error().message);
    return std::nullopt;
  }
  return SyncTimelineConsumer(std::move(*device));
}

SyncTimelineConsumer::Acquired SyncTimelineConsumer::acquire(Buffer& buffer, const spa_buffer& buf,
                                                             std::chrono::nanoseconds timeout,
                                                             uint64_t& acquire_point) {
  const auto sync = find_sync_timeline(buf);
  if (!sync) return Acquired::unsynced;
  if (buffer.acquire_fd != sync->acquire_fd || buffer.release_fd != sync->release_fd || !buffer.acquire ||
      !buffer.release) {
    auto acquire = device_.import(sync->acquire_fd);
    auto release = device_.import(sync->release_fd);
    if (!acquire || !release) {
      zc::log::warn("capture: {}; reading without explicit sync",
                    (!acquire ? acquire.error() : release.error()).describe());
      return Acquired::unsynced;
    }
    buffer.acquire = std::move(*acquire);
    buffer.release = std::move(*release);
    buffer.acquire_fd = sync->acquire_fd;
    buffer.release_fd = sync->release_fd;
  }
  if (sync->meta->release_point != 0) {
    buffer.release_due = true;
    buffer.release_point = sync->meta->release_point;
    sync->meta->flags &= ~kSyncTimelineUnscheduledRelease;  // PipeWire 1.6: we promise to signal it
  }
  acquire_point = sync->meta->acquire_point;
  if (acquire_point == 0) return Acquired::unsynced;
  return buffer.acquire.wait(acquire_point, timeout.count()) ? Acquired::ready : Acquired::timed_out;
}

Result<bool> SyncTimelineConsumer::release(Buffer& buffer) {
  if (!buffer.release_due) return false;
  buffer.release_due = false;
  if (auto ok = buffer.release.signal(buffer.release_point); !ok) return tl::unexpected(ok.error());
  return true;
}

}  // namespace zc::capture
