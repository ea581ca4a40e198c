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

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drm/syncobj.hpp"

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

// The consumer's side of explicit sync for one stream: per PipeWire buffer, the producer's
// syncobjs imported once on our DRM device, the acquire point waited for before any read, and the
// release point signalled when the buffer goes back to the producer.
class SyncTimelineConsumer {
 public:
  // What capture keeps per PipeWire buffer.
  struct Buffer {
    int acquire_fd = -1;  // the fds the handles came from (PipeWire's, for the buffer's life)
    int release_fd = -1;
    drm::Syncobj acquire;
    drm::Syncobj release;
    bool release_due = false;  // the producer waits for release_point: ours to signal
    uint64_t release_point = 0;
  };
  enum class Acquired : uint8_t {
    unsynced,   // the buffer carries no sync timeline (or its syncobjs would not import): read it
    ready,      // its acquire point signalled: read it
    timed_out,  // not within the timeout: do not read it (its release is still owed)
  };

  // The first DRM node in `drm_dir` with timeline syncobjs, when this libpipewire negotiates
  // explicit sync (1.2+); nullopt otherwise, the reason logged at debug level.
  static std::optional<SyncTimelineConsumer> open(std::string_view drm_dir);

  // Takes the buffer's sync timeline: its release point becomes owed (and the 1.6 flag that says
  // so to the producer is cleared), its acquire point is waited for, at most `timeout`.
  // `acquire_point` says which point was waited for.
  Acquired acquire(Buffer& buffer, const spa_buffer& buf, std::chrono::nanoseconds timeout, uint64_t& acquire_point);
  // Signals the owed release point, if any. False when there was none; an error when the ioctl failed.
  Result<bool> release(Buffer& buffer);

  const std::string& node() const { return device_.node(); }

 private:
  explicit SyncTimelineConsumer(drm::SyncobjDevice device) : device_(std::move(device)) {}
  drm::SyncobjDevice device_;
};

}  // namespace zc::capture
