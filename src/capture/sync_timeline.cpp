#include "capture/sync_timeline.hpp"

#include <pipewire/pipewire.h>

#include <cstdio>

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

}  // namespace zc::capture
