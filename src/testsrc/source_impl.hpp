#pragma once
// TestSource's PipeWire side, shared by test_source.cpp (connection, negotiation, buffers) and
// produce.cpp (the frame timer, painting, metas, defects). Internal to zc_testsrc.
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pipewire/pipewire.h>

#include "capture/pw/pw_handles.hpp"
#include "core/mapping.hpp"
#include "core/unique_fd.hpp"
#include "drm/dmabuf_alloc.hpp"
#include "drm/syncobj.hpp"
#include "drm/vgem_fence.hpp"
#include "testsrc/cycle_gate.hpp"
#include "testsrc/dmabuf_backend.hpp"
#include "testsrc/jpeg.hpp"
#include "testsrc/metas.hpp"
#include "testsrc/params.hpp"
#include "testsrc/pattern.hpp"
#include "testsrc/test_source.hpp"

namespace zc::testsrc {

using capture::pw::ContextPtr;
using capture::pw::CorePtr;
using capture::pw::LoopLock;
using capture::pw::LoopSource;
using capture::pw::ProxyPtr;
using capture::pw::StreamPtr;
using capture::pw::ThreadLoopPtr;

inline int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Damage covering the whole frame (a frame whose pixels come later: what changes is not known yet).
inline Damage full_damage(uint32_t width, uint32_t height) {
  Damage d;
  d.rects[0] = Rect{0, 0, width, height};
  d.count = 1;
  return d;
}

// The memory behind one PipeWire buffer (ours when we allocate, else PipeWire's mapping), and
// what the painter left in it.
struct Slot {
  UniqueFd fd;
  Mapping map;
  uint8_t* pixels = nullptr;  // memfd / shared memory: mapped for good
  // A GBM buffer instead: mapped for each paint (the mapping's stride may differ from the
  // buffer's; `paint_stride` is the one `paint` refers to).
  std::optional<drm::gbm::Bo> bo;
  // A udmabuf: `fd`/`map`/`pixels` are its memfd, this the dmabuf consumers get (writes are
  // bracketed by DMA_BUF_IOCTL_SYNC on it).
  UniqueFd dmabuf;
  uint32_t paint_stride = 0;
  // SyncMode::Implicit: a vgem fence of this buffer we have not signalled (UnsignalledSync);
  // signalled when the buffer comes back for the next frame, or goes.
  std::optional<uint32_t> pending_fence;
  // SyncMode::Explicit, when the consumer took the sync timeline: the buffer's acquire and
  // release syncobjs (their fds are its datas 1 and 2) and the last point used on both.
  zc::drm::Syncobj acquire;
  zc::drm::Syncobj release;
  UniqueFd acquire_fd;
  UniqueFd release_fd;
  uint64_t point = 0;
  uint64_t point_frame = 0;  // the frame sent with `point`
  uint32_t stride = 0;       // row stride the chunk announces (ours, or the GBM buffer's)
  uint32_t offset = 0;       // where the image starts in the memory (the chunk's offset)
  PaintState paint;
  pw_buffer* buffer = nullptr;  // the PipeWire buffer this memory is behind
};

struct TestSource::Impl {
  explicit Impl(const Options& o)
      : options(o), want_width(o.width), want_height(o.height), cursor_bitmap(make_cursor_bitmap()) {
    stats.defect_frames.reserve(Stats::kMaxDefectRecords);
  }

  Result<void> start();
  void stop();

  // Everything below runs on the loop thread (or with the loop lock held).
  std::vector<const spa_pod*> build_announcement(spa_pod_builder& b) const;
  BufferOffer buffer_offer(uint32_t width, uint32_t height) const;
  void announce_formats();
  void on_format(const spa_pod* param);
  void accept_format(const FormatChoice& choice);
  void on_add_buffer(pw_buffer* b);
  enum class Attached : uint8_t { real_dmabuf, use_memfd, failed };
  Attached attach_gbm(Slot& slot, spa_data& d);  // DmaBuf with a GBM device
  bool attach_udmabuf(Slot& slot, spa_data& d);  // DmaBuf with /dev/udmabuf
  bool attach_memfd(Slot& slot, spa_data& d, bool dmabuf);
  void log_allocator(const Slot& slot);
  void on_remove_buffer(pw_buffer* b);
  void on_state(pw_stream_state state, const char* error);
  // The stream paused after streaming: its consumers are gone. A consumer holds a buffer by
  // raising the busy count in its SPA_META_Busy (pw_stream does, input side), and one that was
  // killed holding some (a GStreamer pipewiresrc holds up to two) never lowers it again: PipeWire
  // keeps recycling those buffers into our free list, but pw_stream_dequeue_buffer refuses them as
  // busy for good, and a later consumer gets 45 or 30 frames a second of 60. With no consumer left
  // no count but our own can stand, so every buffer PipeWire has goes back to zero. Counts
  // Stats::reclaimed_buffers.
  void release_departed();
  // DefectKind::Stale: a buffer sent again as its last fill left it; false (and the buffer kept
  // for the frame) when there is none or it was never filled.
  bool send_stale();
  // DefectKind::CursorOnly: frame `frame` goes out as a cursor-only buffer.
  void send_cursor_only(uint64_t frame);
  void trigger_cycle();  // a buffer was queued: driving, its graph cycle runs now
  // The next buffer to paint: one taken earlier and not used (`held`), else PipeWire's next free one.
  pw_buffer* take_buffer();
  // pw_stream_queue_buffer, counting a refusal (Stats::queue_failures) and logging the first.
  void queue_buffer(pw_buffer* b);
  // take_buffer() for a tick's frame: nullptr (counted as skipped_no_buffer) when none is free.
  pw_buffer* take_buffer_for_tick();
  void on_tick(uint64_t expirations);
  bool cycle_busy();  // driving, and our last graph cycle has not finished yet (counts, warns)
  void produce(uint64_t frame);
  std::optional<Damage> paint(uint8_t* pixels, uint32_t stride, PaintState& state, uint64_t number);
  // The pattern of `frame` into the slot's memory; the damage, or nullopt when the stream failed.
  // `bracket`: DMA_BUF_IOCTL_SYNC around a udmabuf write (never while our own fence is on it:
  // the kernel's SYNC waits for every fence, ours too).
  std::optional<Damage> paint_slot(Slot& slot, uint64_t frame, bool bracket);
  // Options::sync (sync_writes.cpp). What tells readers a frame is ready: a vgem fence id and/or
  // an acquire point (0: none).
  struct FrameSync {
    std::optional<uint32_t> fence;
    uint64_t point = 0;
    explicit operator bool() const { return fence || point; }
  };
  // The frame's sync on the slot just dequeued: Explicit waits for the buffer's last release
  // point and fills the meta with the next points; Implicit attaches a new vgem write fence.
  // nullopt: the stream failed.
  std::optional<FrameSync> begin_sync(Slot& slot, spa_buffer* buffer, uint64_t frame);
  // Signals it (or, when !signal, leaves it pending: UnsignalledSync).
  void signal_sync(Slot& slot, const FrameSync& sync, bool signal);
  // Late pixels: the frame's pixels and its signal `late_ms` after the queue; write_late does
  // that now (from the timer, or from the next frame when the timer is late).
  void schedule_late_write(Slot& slot, uint64_t frame, const FrameSync& sync, bool signal);
  void write_late();
  void drop_fences(Slot* slot);  // signals what is pending on `slot` (all slots: nullptr) before it goes
  bool attach_sync_timeline(Slot& slot, spa_buffer* buffer);  // Explicit, when the meta was negotiated
  void disappear();
  void fail_stream(const std::string& message);
  void record_defect(DefectKind kind, uint64_t frame);

  const Options options;
  ThreadLoopPtr loop;
  ContextPtr context;
  CorePtr core;
  ProxyPtr registry;
  StreamPtr stream;
  LoopSource timer;
  spa_hook core_listener{};
  spa_hook registry_listener{};
  spa_hook stream_listener{};

  // Negotiation state (loop thread).
  uint32_t want_width;
  uint32_t want_height;
  std::optional<uint64_t> fixated;
  bool have_format = false;
  bool awaiting_buffers = false;  // between announcing/accepting a format and its buffers
  bool streaming = false;
  FormatEpoch current;
  std::optional<Painter> painter;
  std::optional<uint64_t> last_sent;  // the frame queued before, in the current format (damage)
  // Formats other than 32-bit RGB: the BGRx image the painter draws into, packed into each buffer.
  std::vector<uint8_t> canvas;
  PaintState canvas_paint;
  JpegEncoder jpeg;       // MJPEG: the canvas encoded per frame
  size_t jpeg_bytes = 0;  // the size of the last JPEG painted
  // DmaBuf mode's GBM device (none: memfds); declared before `slots` so it outlives their buffers.
  std::optional<drm::gbm::Device> gbm_device;
  std::optional<zc::drm::SyncobjDevice> syncobj_device;  // SyncMode::Explicit; outlives the slots' syncobjs
  bool release_timeout_logged = false;
  UniqueFd udmabuf_device;                                 // DmaBuf mode's /dev/udmabuf (DmabufAllocator::Udmabuf)
  std::vector<std::pair<uint32_t, uint64_t>> gbm_refused;  // Auto: (fourcc, modifier) sent as memfds
  bool allocator_logged = false;                           // for the current format
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<pw_buffer*> held;  // dequeued and not queued yet (send_stale's): painted before PipeWire's
  uint64_t next_frame = 0;
  uint64_t resized_at = UINT64_MAX;  // the frame a resize was last started for
  uint64_t stale_at = UINT64_MAX;    // the frame a stale buffer was last sent before
  CycleGate cycle;                   // driving: our last triggered graph cycle, until trigger_done
  // Options::sync: the vgem node, and the one queued frame whose pixels are still to come.
  std::optional<drm::VgemFencer> fencer;
  struct LateWrite {
    Slot* slot = nullptr;
    uint64_t frame = 0;
    FrameSync sync;
    bool signal = true;  // false: UnsignalledSync, left pending
  };
  std::optional<LateWrite> late;
  LoopSource late_timer;
  std::vector<uint8_t> cursor_bitmap;

  // Shared with other threads.
  mutable std::mutex mutex;
  mutable std::mutex marks_mutex;  // the audio source's thread reads the marks
  std::deque<int64_t> marks;       // capture times of marked frames sent
  struct SentRelease {
    uint64_t frame = 0;
    uint32_t handle = 0;  // the slot's release syncobj on syncobj_device
    uint64_t point = 0;
  };
  std::deque<SentRelease> sent_releases;  // Explicit: the last 64 frames sent with a sync timeline (`mutex`)
  std::condition_variable changed;
  Stats stats;
  uint32_t node_id = SPA_ID_INVALID;
  std::vector<NodeIdentity> named_nodes;  // registry globals with our node.name
};

}  // namespace zc::testsrc
