#pragma once
// Explicit sync's wire format (PipeWire >= 1.2; GNOME 47+ and Plasma 6.3+ send it): the buffer
// carries SPA_META_SyncTimeline and, as its last two datas, the acquire and release timeline
// syncobjs (SPA_DATA_SyncObj fds). The producer signals the acquire point when the buffer may be
// read; the consumer signals the release point once nothing reads it any more.
//
// The ABI values are PipeWire 1.4's (spa/buffer/meta.h, spa/buffer/buffer.h,
// spa/param/buffers.h), defined here because Debian 12's 0.3.65 headers lack them; they are
// checked against the headers that have them. One binary built on 0.3.65 also runs on a 1.4
// library (the vm tests' guest): whether to offer it is decided at run time.
#include <pipewire/version.h>
#include <spa/buffer/buffer.h>

#include <cstdint>
#include <optional>

namespace zc::capture {

inline constexpr uint32_t kSpaMetaSyncTimeline = 9;      // SPA_META_SyncTimeline
inline constexpr uint32_t kSpaDataSyncObj = 5;           // SPA_DATA_SyncObj
inline constexpr uint32_t kSpaParamBuffersMetaType = 7;  // SPA_PARAM_BUFFERS_metaType
// PipeWire 1.6 (SPA_META_SYNC_TIMELINE_UNSCHEDULED_RELEASE): set by the producer, cleared by a
// consumer that will signal the release point. Unused by 1.4, harmless to clear there.
inline constexpr uint32_t kSyncTimelineUnscheduledRelease = 1u << 0;

// struct spa_meta_sync_timeline.
struct SpaMetaSyncTimeline {
  uint32_t flags;
  uint32_t padding;
  uint64_t acquire_point;  // the buffer may be read once this point signalled
  uint64_t release_point;  // to signal once the buffer is no longer read
};
static_assert(sizeof(SpaMetaSyncTimeline) == 24);

#if PW_CHECK_VERSION(1, 2, 0)
static_assert(SPA_META_SyncTimeline == kSpaMetaSyncTimeline);
static_assert(SPA_DATA_SyncObj == kSpaDataSyncObj);
static_assert(SPA_PARAM_BUFFERS_metaType == kSpaParamBuffersMetaType);
static_assert(sizeof(struct spa_meta_sync_timeline) == sizeof(SpaMetaSyncTimeline));
#endif

// Whether the libpipewire this process runs on negotiates sync timelines (1.2 or later).
bool library_has_sync_timeline();

// A buffer's sync timeline: the meta and the syncobj fds of its last two datas.
struct BufferSyncTimeline {
  SpaMetaSyncTimeline* meta = nullptr;
  int acquire_fd = -1;
  int release_fd = -1;
};
// nullopt when the buffer has no such meta, fewer than three datas, or the last two are not
// syncobjs with fds (explicit sync was not negotiated for it).
std::optional<BufferSyncTimeline> find_sync_timeline(const spa_buffer& buffer);

}  // namespace zc::capture
