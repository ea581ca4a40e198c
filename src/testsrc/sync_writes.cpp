// Painting a slot, and Options::sync: a frame's pixels announced by a vgem write fence (implicit)
// or an acquire point on a timeline syncobj (explicit), written and signalled after the buffer was
// queued when Options::late_ms says so: what a compositor whose GPU finishes rendering after it
// handed the buffer over looks like to a consumer.
#include <spa/buffer/meta.h>

#include "capture/video/sync_timeline.hpp"
#include "core/log.hpp"
#include "testsrc/source_impl.hpp"

namespace zc::testsrc {
namespace {

void late_write_due(void* data, uint64_t /*expirations*/) {
  static_cast<TestSource::Impl*>(data)->write_late();
}

}  // namespace

std::optional<Damage> TestSource::Impl::paint_slot(Slot& slot, uint64_t frame, bool bracket) {
  if (slot.bo) {
    // READ_WRITE keeps what earlier frames left, so the paint stays incremental; the mapping
    // (a staging copy for tiled buffers) is written back when it goes.
    auto map = slot.bo->map();
    if (!map) {
      fail_stream("cannot map a GBM buffer: " + map.error().message);
      return std::nullopt;
    }
    if (map->stride() != slot.paint_stride) {
      slot.paint = PaintState{};  // what was painted is laid out with another stride
      slot.paint_stride = map->stride();
    }
    return paint(map->data(), map->stride(), slot.paint, frame);
  }
  const bool sync = bracket && slot.dmabuf;
  if (sync) drm::sync_dmabuf_write(slot.dmabuf.get(), true);
  const auto damage = paint(slot.pixels, slot.stride, slot.paint, frame);
  if (sync) drm::sync_dmabuf_write(slot.dmabuf.get(), false);
  return damage;
}

bool TestSource::Impl::attach_sync_timeline(Slot& slot, spa_buffer* buffer) {
  const bool meta =
      spa_buffer_find_meta_data(buffer, capture::kSpaMetaSyncTimeline, sizeof(capture::SpaMetaSyncTimeline)) != nullptr;
  if (!meta || buffer->n_datas < 3) return true;  // the consumer did not take it: plain buffers
  auto acquire = syncobj_device->create();
  auto release = syncobj_device->create();
  auto acquire_fd = acquire ? acquire->export_fd() : Result<UniqueFd>(tl::unexpected(acquire.error()));
  auto release_fd = release ? release->export_fd() : Result<UniqueFd>(tl::unexpected(release.error()));
  if (!acquire_fd || !release_fd) {
    fail_stream("explicit sync: " + (!acquire_fd ? acquire_fd.error() : release_fd.error()).message);
    return false;
  }
  slot.acquire = std::move(*acquire);
  slot.release = std::move(*release);
  slot.acquire_fd = std::move(*acquire_fd);
  slot.release_fd = std::move(*release_fd);
  slot.point = 0;
  for (uint32_t i = 0; i < 2; ++i) {
    spa_data& d = buffer->datas[buffer->n_datas - 2 + i];
    d.type = capture::kSpaDataSyncObj;
    d.flags = SPA_DATA_FLAG_READWRITE;
    d.fd = i == 0 ? slot.acquire_fd.get() : slot.release_fd.get();
    d.mapoffset = 0;
    d.maxsize = 0;
    d.data = nullptr;
  }
  std::lock_guard lock(mutex);
  if (!stats.sync_timeline)
    zc::log::info("test-source: explicit sync: timeline syncobjs on {}", syncobj_device->node());
  stats.sync_timeline = true;
  return true;
}

std::optional<TestSource::Impl::FrameSync> TestSource::Impl::begin_sync(Slot& slot, spa_buffer* buffer,
                                                                        uint64_t frame) {
  FrameSync sync;
  if (slot.acquire) {
    // The buffer is ours to write only once the consumer released its last frame.
    if (slot.point > 0) {
      const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(options.release_timeout).count();
      const auto released = slot.release.wait(slot.point, timeout);
      std::lock_guard lock(mutex);
      ++stats.release_waits;
      if (!released) {
        ++stats.release_timeouts;
        if (stats.release_timeout_frames.size() < Stats::kMaxDefectRecords)
          stats.release_timeout_frames.push_back(slot.point_frame);
        if (!release_timeout_logged) {
          zc::log::warn(
              "test-source: release point {} (frame {}) not signalled within {} ms; writing the buffer anyway",
              slot.point, slot.point_frame, options.release_timeout.count());
        }
        release_timeout_logged = true;
      }
    }
    auto* meta = static_cast<capture::SpaMetaSyncTimeline*>(
        spa_buffer_find_meta_data(buffer, capture::kSpaMetaSyncTimeline, sizeof(capture::SpaMetaSyncTimeline)));
    if (meta) {
      sync.point = ++slot.point;
      slot.point_frame = frame;
      meta->flags = 0;
      meta->acquire_point = sync.point;
      meta->release_point = sync.point;
    }
  }
  if (fencer && (slot.bo || slot.dmabuf)) {
    // A fence kept back (UnsignalledSync): the buffer is ours again, so nobody reads it now.
    if (slot.pending_fence) {
      if (auto ok = fencer->signal(*slot.pending_fence); !ok) zc::log::debug("test-source: {}", ok.error().message);
      slot.pending_fence.reset();
    }
    auto fence = fencer->attach_write_fence(slot.bo ? slot.bo->fd() : slot.dmabuf.get());
    if (!fence) {
      fail_stream(fence.error().message);
      return std::nullopt;
    }
    sync.fence = *fence;
  }
  if (sync) {
    std::lock_guard lock(mutex);
    ++stats.syncs;
  }
  return sync;
}

void TestSource::Impl::signal_sync(Slot& slot, const FrameSync& sync, bool signal) {
  if (!sync) return;
  if (!signal) {
    // A fence is signalled when the buffer comes back; a later acquire point passes this one.
    if (sync.fence) slot.pending_fence = sync.fence;
    std::lock_guard lock(mutex);
    ++stats.syncs_unsignalled;
    return;
  }
  if (sync.fence) {
    if (auto ok = fencer->signal(*sync.fence); !ok) zc::log::warn("test-source: {}", ok.error().message);
  }
  if (sync.point) {
    if (auto ok = slot.acquire.signal(sync.point); !ok) zc::log::warn("test-source: {}", ok.error().describe());
  }
  std::lock_guard lock(mutex);
  ++stats.syncs_signalled;
}

void TestSource::Impl::schedule_late_write(Slot& slot, uint64_t frame, const FrameSync& sync, bool signal) {
  late = LateWrite{&slot, frame, sync, signal};
  if (!late_timer) {
    pw_loop* l = pw_thread_loop_get_loop(loop.get());
    late_timer = LoopSource(l, pw_loop_add_timer(l, late_write_due, this));
    if (!late_timer) {
      fail_stream("cannot create the late-write timer");
      return;
    }
  }
  const int64_t ns = int64_t{options.late_ms} * 1000000;
  timespec value{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  timespec interval{0, 0};
  pw_loop_update_timer(late_timer.loop(), late_timer.get(), &value, &interval, false);
}

void TestSource::Impl::write_late() {
  if (!late) return;
  const LateWrite w = *late;
  late.reset();
  const int64_t start = thread_cpu_ns();
  // No SYNC bracket with our own fence on the buffer: the kernel's SYNC would wait for it.
  if (!paint_slot(*w.slot, w.frame, !w.sync.fence)) return;
  {
    std::lock_guard lock(mutex);
    stats.paint_cpu_ns += thread_cpu_ns() - start;
  }
  signal_sync(*w.slot, w.sync, w.signal);
}

void TestSource::Impl::drop_fences(Slot* slot) {
  if (late && (!slot || late->slot == slot)) {
    // Nobody will see these pixels: the buffer goes; let any reader of it go on.
    signal_sync(*late->slot, late->sync, true);
    late.reset();
  }
  if (!fencer) return;
  for (auto& s : slots) {
    if ((slot && s.get() != slot) || !s->pending_fence) continue;
    (void)fencer->signal(*s->pending_fence);
    s->pending_fence.reset();
  }
}

}  // namespace zc::testsrc
