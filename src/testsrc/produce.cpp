// The frame clock: each tick paints the next frame into a free buffer, fills its metas, applies
// the defects due at that number and queues it.
#include <array>
#include <optional>

#include <spa/buffer/meta.h>
#include <spa/utils/result.h>

#include "core/clock.hpp"
#include "core/image_layout.hpp"
#include "core/log.hpp"
#include "testsrc/metas.hpp"
#include "testsrc/pack.hpp"
#include "testsrc/source_impl.hpp"

namespace zc::testsrc {

void TestSource::Impl::record_defect(DefectKind kind, uint64_t frame) {
  // Caller holds `mutex`.
  ++stats.defects[static_cast<size_t>(kind)];
  if (stats.defect_frames.size() < Stats::kMaxDefectRecords) stats.defect_frames.push_back({kind, frame});
}

void TestSource::Impl::disappear() {
  zc::log::info("test-source: disappearing at frame {} (defect)", next_frame);
  // The timer is only disarmed: this runs inside its callback.
  pw_loop_update_timer(timer.loop(), timer.get(), nullptr, nullptr, false);
  drop_fences(nullptr);
  stream.reset();
  slots.clear();
  streaming = false;
  std::lock_guard lock(mutex);
  record_defect(DefectKind::Disappear, next_frame);
  stats.gone = true;
  stats.streaming = false;
  changed.notify_all();
}

void TestSource::Impl::on_tick(uint64_t expirations) {
  const int64_t cpu = thread_cpu_ns();
  {
    std::lock_guard lock(mutex);
    stats.loop_cpu_ns = cpu;
    if (expirations > 1) stats.late_ticks += expirations - 1;
  }
  if (!stream) return;
  const bool driving = pw_stream_is_driving(stream.get());
  {
    std::lock_guard lock(mutex);
    stats.driving = driving;
  }
  if (options.frame_limit > 0 && next_frame >= options.frame_limit) return;
  if (!streaming || !have_format || awaiting_buffers) {
    cycle.done();
    std::lock_guard lock(mutex);
    ++stats.skipped_paused;
    return;
  }
  if (driving && cycle_busy()) {
    std::lock_guard lock(mutex);
    ++stats.skipped_busy;
    return;
  }
  for (const auto& d : options.defects) {
    if (!d.applies_to(next_frame)) continue;
    if (d.kind == DefectKind::Disappear) {
      disappear();
      return;
    }
    if (d.kind == DefectKind::Lost) {
      std::lock_guard lock(mutex);
      record_defect(DefectKind::Lost, next_frame);
      ++next_frame;  // numbered, never sent
      return;
    }
    if (d.kind == DefectKind::CursorOnly) {
      send_cursor_only(next_frame);
      return;
    }
    if (d.kind == DefectKind::Stale && stale_at != next_frame) {
      stale_at = next_frame;
      if (send_stale()) return;  // frame N goes out on the next tick
    }
    if (d.kind == DefectKind::Resize && resized_at != next_frame) {
      resized_at = next_frame;
      const bool back = d.every > 0 && want_width == d.width && want_height == d.height;
      want_width = back ? options.width : d.width;
      want_height = back ? options.height : d.height;
      zc::log::info("test-source: resizing to {}x{} at frame {} (defect)", want_width, want_height, next_frame);
      {
        std::lock_guard lock(mutex);
        record_defect(DefectKind::Resize, next_frame);
        ++stats.skipped_paused;
      }
      announce_formats();
      return;
    }
  }
  produce(next_frame);
}

// Like a producer that keeps pace with its consumer, we skip a tick while our last cycle runs
// (the number does not advance) rather than have PipeWire overwrite an untaken frame (CycleGate).
bool TestSource::Impl::cycle_busy() {
  switch (cycle.check(monotonic_ns())) {
    case CycleGate::State::free:
      return false;
    case CycleGate::State::busy:
      return true;
    case CycleGate::State::timed_out:
      break;
  }
  zc::log::warn("test-source: graph cycle not done after {} ms; sending frame {} anyway",
                CycleGate::kTimeoutNs / 1000000, next_frame);
  std::lock_guard lock(mutex);
  ++stats.cycle_timeouts;
  return false;
}

// Paints frame `number` into a buffer at `pixels`: 32-bit RGB directly (incrementally), other
// formats into the canvas and from there converted into the buffer. Fails the stream (nullopt)
// when the conversion fails.
std::optional<Damage> TestSource::Impl::paint(uint8_t* pixels, uint32_t stride, PaintState& state, uint64_t number) {
  if (is_packed_rgb(current.format)) {
    return painter->paint(Image{pixels, stride, current.width, current.height, current.format}, state, number);
  }
  const Image image{canvas.data(), current.width * 4, current.width, current.height, PixelFormat::BGRx};
  const Damage damage = painter->paint(image, canvas_paint, number);
  if (current.format == PixelFormat::MJPG) {
    auto size = jpeg.encode(image, pixels, buffer_bytes(current.format, current.width, current.height, 0));
    if (!size) {
      fail_stream(size.error().message);
      return std::nullopt;
    }
    jpeg_bytes = *size;
    return damage;
  }
  const auto layout = single_block_layout(current.format, current.width, current.height, stride);
  if (!layout || !pack_canvas(image, current.format, *layout, pixels)) {
    fail_stream("cannot convert the pattern to " + std::string(zc::to_string(current.format)));
    return std::nullopt;
  }
  if (format_info(current.format).kind == FormatKind::rgb10) {
    paint_ramp10(current.format, pixels, stride, current.width, current.height);
  }
  return damage;
}

pw_buffer* TestSource::Impl::take_buffer() {
  if (!held.empty()) {
    pw_buffer* b = held.back();
    held.pop_back();
    return b;
  }
  return pw_stream_dequeue_buffer(stream.get());
}

void TestSource::Impl::queue_buffer(pw_buffer* b) {
  const int res = pw_stream_queue_buffer(stream.get(), b);
  if (res >= 0) return;
  std::lock_guard lock(mutex);
  if (stats.queue_failures++ == 0) zc::log::warn("test-source: PipeWire refused a buffer: {}", spa_strerror(res));
}

pw_buffer* TestSource::Impl::take_buffer_for_tick() {
  pw_buffer* b = take_buffer();
  if (!b) {
    std::lock_guard lock(mutex);
    ++stats.skipped_no_buffer;  // the number does not advance: the next tick tries again
  }
  return b;
}

bool TestSource::Impl::send_stale() {
  pw_buffer* b = take_buffer();
  if (!b) return false;
  auto* slot = static_cast<Slot*>(b->user_data);
  if (slot == nullptr || !slot->paint.painted) {
    held.push_back(b);  // nothing old in it: the frame goes out in it instead
    return false;
  }
  // Pixels, chunk, header seq and metas as its last fill left them.
  queue_buffer(b);
  {
    std::lock_guard lock(mutex);
    record_defect(DefectKind::Stale, next_frame);
    changed.notify_all();
  }
  trigger_cycle();
  return true;
}

void TestSource::Impl::send_cursor_only(uint64_t frame) {
  pw_buffer* b = take_buffer_for_tick();
  if (!b) return;
  spa_buffer* buf = b->buffer;
  // Whatever the buffer held stays; the chunk says not to look at it.
  spa_chunk* chunk = buf->datas[0].chunk;
  chunk->size = 0;
  chunk->flags = SPA_CHUNK_FLAG_CORRUPTED;
  write_header(buf, frame, monotonic_ns(), 0);
  write_damage(buf, Damage{}, current.width, current.height);
  write_cursor(buf, cursor_position(frame, options.fps, current.width, current.height), cursor_bitmap);
  queue_buffer(b);
  next_frame = frame + 1;  // last_sent stays: the next frame's damage is against the last picture
  {
    std::lock_guard lock(mutex);
    record_defect(DefectKind::CursorOnly, frame);
    stats.queued = next_frame;
    changed.notify_all();
  }
  trigger_cycle();
}

void TestSource::Impl::trigger_cycle() {
  // Driving: run a graph cycle now so the buffer goes out at our pace. Following: the driver's
  // next cycle takes it.
  if (!pw_stream_is_driving(stream.get())) return;
  cycle.started(monotonic_ns());
  pw_stream_trigger_process(stream.get());
}

void TestSource::Impl::produce(uint64_t frame) {
  if (!painter) return;    // on_tick only calls us with a format, hence a painter
  if (late) write_late();  // the last frame's pixels are due before the next frame goes out
  pw_buffer* b = take_buffer_for_tick();
  if (!b) return;
  spa_buffer* buf = b->buffer;
  auto* slot = static_cast<Slot*>(b->user_data);
  if (!slot) return;  // its memory could not be set up; the stream is already in error
  const int64_t paint_start = thread_cpu_ns();
  const auto sync = begin_sync(*slot, buf, frame);
  if (!sync) return;  // the stream failed
  // Late pixels come after the queue (write_late): what changes is not known yet.
  const bool late_pixels = *sync && options.late_ms > 0;
  Damage damage = full_damage(current.width, current.height);
  if (!late_pixels) {
    if (!paint_slot(*slot, frame, !sync->fence)) return;  // the stream failed
    // The damage meta tells what changed since the frame sent before (as compositors do, and as
    // a consumer that converts only damaged regions needs), not what this buffer needed repainted
    // (since it last held a frame: that misses where the box was in between).
    if (last_sent) damage = painter->change(*last_sent, frame);
  }
  const int64_t paint_ns = thread_cpu_ns() - paint_start;

  uint32_t header_flags = 0;
  spa_chunk* chunk = buf->datas[0].chunk;
  chunk->offset = slot->offset;
  chunk->stride = static_cast<int32_t>(slot->stride);
  chunk->size = current.format == PixelFormat::MJPG
                    ? static_cast<uint32_t>(jpeg_bytes)
                    : buffer_bytes(current.format, current.width, current.height, slot->stride);
  chunk->flags = SPA_CHUNK_FLAG_NONE;
  std::array<bool, kDefectKindCount> carried{};
  for (const auto& d : options.defects) {
    if (!d.applies_to(frame)) continue;
    switch (d.kind) {
      case DefectKind::CorruptedFlag:
        header_flags |= SPA_META_HEADER_FLAG_CORRUPTED;
        break;
      case DefectKind::CorruptedChunk:
        chunk->flags |= SPA_CHUNK_FLAG_CORRUPTED;
        break;
      case DefectKind::ZeroChunk:
        chunk->size = 0;
        break;
      case DefectKind::CorruptJpeg:  // cut in half: the end-of-image marker is gone
        chunk->size /= 2;
        break;
      case DefectKind::BadStride:  // half a row: too narrow for every format
        chunk->stride = static_cast<int32_t>(plane_row_bytes(current.format, current.width, 0) / 2);
        break;
      case DefectKind::ShortBuffer:
        chunk->size = slot->stride * (current.height / 2);
        break;
      case DefectKind::UnsignalledSync:
        if (!*sync) continue;  // only a frame with a fence or an acquire point has one to keep back
        break;
      case DefectKind::Resize:
      case DefectKind::Disappear:
      case DefectKind::Lost:
      case DefectKind::Stale:
      case DefectKind::CursorOnly:
        continue;  // handled before a buffer was taken
    }
    carried[static_cast<size_t>(d.kind)] = true;
  }
  const int64_t pts = monotonic_ns();
  if (options.mark_every > 0 && frame % options.mark_every == 0) {
    // Before the frame goes out: the audio source clicks at this instant once it is in the past.
    std::lock_guard lock(marks_mutex);
    marks.push_back(pts);
    if (marks.size() > 256) marks.pop_front();
  }
  const bool signal = !carried[static_cast<size_t>(DefectKind::UnsignalledSync)];
  if (sync->point) {
    std::lock_guard lock(mutex);
    sent_releases.push_back({frame, slot->release.handle(), sync->point});
    if (sent_releases.size() > 64) sent_releases.pop_front();
  }
  if (!late_pixels) signal_sync(*slot, *sync, signal);
  write_header(buf, frame, pts, header_flags);
  write_damage(buf, damage, current.width, current.height);
  if (options.crop) write_crop(buf, *options.crop);
  if (options.cursor) {
    write_cursor(buf, cursor_position(frame, options.fps, current.width, current.height), cursor_bitmap);
  }
  queue_buffer(b);
  next_frame = frame + 1;
  last_sent = late_pixels ? std::nullopt : std::optional<uint64_t>(frame);
  {
    // Not held across PipeWire calls: its callbacks take it too.
    std::lock_guard lock(mutex);
    for (size_t k = 0; k < kDefectKindCount; ++k) {
      if (carried[k]) record_defect(static_cast<DefectKind>(k), frame);
    }
    stats.queued = next_frame;
    stats.paint_cpu_ns += paint_ns;
    changed.notify_all();
  }
  trigger_cycle();
  if (late_pixels) schedule_late_write(*slot, frame, *sync, signal);
}

}  // namespace zc::testsrc
