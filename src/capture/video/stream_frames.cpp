// Each buffer from the data thread's dequeue to its give-back (stream_impl.hpp): handed over to
// the loop thread, its acquire point waited for, validated and read into a Frame for the
// observer, then queued back at once or kept while the observer's reads are in flight.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "capture/video/stream_impl.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace zc::capture {
namespace {

constexpr uint64_t kMaxMissedRun = 600;  // a longer skip in the producer's numbers is a restart of them
constexpr size_t kMinBuffersToKeep = 3;  // a buffer is kept only if the producer has more

}  // namespace

using pw::timer_value;
using stream_detail::buffer_id;
using stream_detail::BufferSlot;
using stream_detail::slot_of;

void Stream::Impl::handle_buffer(pw_buffer* b) {
  if (!b->buffer) return;
  const int64_t arrival = monotonic_ns();
  const uint64_t buffer = buffer_id(b);
  const spa_buffer& buf = *b->buffer;
  if (!first_buffer_seen) {
    // Numbered frames that never reached us show as the first number taken: what a test (or a
    // user comparing with the producer's own count) needs to tell the link's start from us.
    first_buffer_seen = true;
    if (const HeaderInfo h = read_header(buf); h.present) {
      zc::log::info("capture: first buffer from {}: producer's seq {}", target_text(), h.seq);
    }
  }
  // Explicit sync: nothing reads the buffer before its acquire point (and its release is owed
  // even when it is skipped).
  if (!take_sync(b, buf)) return;
  if (!format) return;  // between formats: nothing to interpret it with
  const HeaderInfo header = read_header(buf);
  if (!follow_sequence(header)) {
    count_defect(Defect{DefectKind::stale_buffer, buffer, header.seq, true, static_cast<int64_t>(header.seq),
                        static_cast<int64_t>(*last_seq + 1)});
    return;
  }
  if (is_cursor_only(buf)) {
    take_cursor_only(buf, header, arrival);
    return;
  }
  auto frame = validate_buffer(buf, *format, buffer);
  if (!frame) {
    count_defect(frame.error());
    recover_unfilled(frame.error());
    return;
  }
  unfilled_in_row = 0;
  unfilled_renegotiations = 0;
  const Placed placed = place(header, arrival);
  frame->sequence = placed.sequence;
  frame->pts_ns = placed.pts_ns;
  frame->crop = read_crop(buf, format->size);
  read_damage(buf, format->size, *frame);
  if (!cursor.update(buf, frame->cursor)) {
    count_defect(Defect{DefectKind::bad_cursor, buffer, frame->sequence, false, 0, 0});
  }
  frame->missed_before = static_cast<uint32_t>(std::min<uint64_t>(missed_pending, UINT32_MAX));
  missed_pending = 0;
  ++frames;
  observer.on_frame(*frame);
}

void Stream::Impl::take_cursor_only(const spa_buffer& buf, const HeaderInfo& header, int64_t arrival) {
  // Its own picture is not to be read, and the buffer is not kept for the next one's (PipeWire
  // hands each buffer back to its producer a cycle after delivering it, whatever the consumer
  // does: on 0.3.65 a buffer kept for 3 cycles of 4 was sent again while still queued back here,
  // and that frame was lost). The observer draws the pointer on its own copy of the last picture.
  ++cursor_only;
  Cursor now;
  if (!cursor.update(buf, now)) count_defect(Defect{DefectKind::bad_cursor, 0, header.seq, false, 0, 0});
  const Placed placed = place(header, arrival);
  observer.on_cursor_only(now, placed.pts_ns, placed.sequence);
}

Stream::Impl::Placed Stream::Impl::place(const HeaderInfo& header, int64_t arrival) {
  const uint64_t sequence = header.present ? header.seq : own_sequence;
  ++own_sequence;
  return {sequence, timestamper.stamp(header.present ? std::optional<int64_t>(header.pts) : std::nullopt, arrival)};
}

bool Stream::Impl::follow_sequence(const HeaderInfo& header) {
  if (!header.present) return true;
  // A buffer a little older than the last number taken goes (is_stale: its picture would go
  // back). A producer numbering its frames (the test source, GStreamer's pipewiresink) skipped
  // some we never saw: counted. Only forward: an unfilled buffer can also carry 0, and a jump far
  // ahead is a producer that started counting again.
  if (is_stale(header, last_seq, seq_counting)) return false;
  if (last_seq && header.seq <= *last_seq) return true;
  if (last_seq) {
    seq_counting = true;
    if (header.seq - *last_seq > 1 && header.seq - *last_seq <= kMaxMissedRun)
      missed_pending += header.seq - *last_seq - 1;
  }
  last_seq = header.seq;
  return true;
}

// Its frame never reaches on_frame: missed, as a number the producer sent that we never saw
// (before, it went silently). Its number is followed, so the next frame's gap does not count it
// again; a stale or cursor-only one was no frame to lose. Before a new format's buffers the old
// ones go first, so the count reaches the new format's first frame.
void Stream::Impl::lose_unread(pw_buffer* b) {
  zc::log::debug("capture: buffer {} taken back by PipeWire before it was read: its frame is lost", buffer_id(b));
  if (!b->buffer) return;
  const HeaderInfo header = read_header(*b->buffer);
  if (!follow_sequence(header) || is_cursor_only(*b->buffer)) return;
  ++missed_pending;
}

void Stream::Impl::give_back(pw_buffer* b) {
  if (b->user_data) signal_release(*slot_of(b));
  pw_stream_queue_buffer(stream.get(), b);
}

void Stream::Impl::give_back_kept() {
  if (!kept) return;
  pw_buffer* b = std::exchange(kept, nullptr);
  observer.reads_done(buffer_id(b), true);
  give_back(b);
}

// Explicit sync: the buffer's release point becomes ours to signal and its acquire point is
// waited for. False: it did not signal in time (the frame is dropped, its release still owed).
bool Stream::Impl::take_sync(pw_buffer* b, const spa_buffer& buf) {
  if (!syncobj || !b->user_data) return true;
  BufferSlot& slot = *slot_of(b);
  uint64_t point = 0;
  switch (syncobj->acquire(slot.sync, buf, options.acquire_timeout, point)) {
    case SyncTimelineConsumer::Acquired::unsynced:
      return true;
    case SyncTimelineConsumer::Acquired::ready:
      ++acquire_waits;
      return true;
    case SyncTimelineConsumer::Acquired::timed_out:
      break;
  }
  ++acquire_waits;
  ++acquire_timeouts;
  count_defect(Defect{DefectKind::acquire_timeout, slot.id, read_header(buf).seq, true, static_cast<int64_t>(point),
                      static_cast<int64_t>(options.acquire_timeout.count())});
  return false;
}

void Stream::Impl::signal_release(BufferSlot& slot) {
  if (!syncobj) return;
  auto released = syncobj->release(slot.sync);
  if (released && *released) ++releases;
  if (!released && !release_failure_logged) {
    release_failure_logged = true;
    zc::log::warn("capture: {} (buffer {})", released.error().describe(), slot.id);
  }
}

// Data thread (RT_PROCESS): only takes the buffers and wakes the loop thread.
void Stream::Impl::on_process(void* data) {
  auto* s = static_cast<Impl*>(data);
  if (s->handover.dequeue_all(s->stream.get())) pw_loop_signal_event(s->connection->loop(), s->frames_event.get());
}

void Stream::Impl::on_frames_ready(void* data, uint64_t) {
  auto* s = static_cast<Impl*>(data);
  if (!s->stream || s->stopping) return;
  // Every buffer in order (no skipping to the newest: a decoder must see each frame).
  while (pw_buffer* b = s->handover.next())
    s->take_buffer(b);
}

// Each buffer is queued back only after on_frame returned and every read of it is done: at once
// after a CPU import, a little later after a GPU import that left its read in flight (DESIGN.md
// §4: keep the newest buffer dequeued until the next arrives). One buffer is kept at most.
void Stream::Impl::take_buffer(pw_buffer* b) {
  disarm_timeout();
  give_back_kept();
  handle_buffer(b);
  if (observer.reads_done(buffer_id(b), false)) {
    give_back(b);
    return;
  }
  if (buffer_ids.size() < kMinBuffersToKeep) {
    // Keeping one of two buffers starves the producer (measured on 0.3.65: lost frames, and
    // now and then a stream that stalls): wait for the reads here instead.
    observer.reads_done(buffer_id(b), true);
    ++waited_in_place;
    give_back(b);
    return;
  }
  kept = b;
  ++buffers_kept;
  timespec value = timer_value(options.release_delay);
  timespec interval{0, 0};
  pw_loop_update_timer(connection->loop(), release_timer.get(), &value, &interval, false);
}

void Stream::Impl::on_release(void* data, uint64_t) {
  auto* s = static_cast<Impl*>(data);
  if (!s->kept || !s->stream) return;  // the next buffer came first and gave it back
  ++s->kept_until_timer;
  s->give_back_kept();
}

}  // namespace zc::capture
