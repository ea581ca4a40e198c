#include "capture/video/stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <unistd.h>

#include <spa/param/param.h>
#include <spa/utils/result.h>

#include "capture/pw/prop_number.hpp"
#include "capture/video/stream_impl.hpp"
#include "core/allocator.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace zc::capture {
namespace {

// Buffer ids are unique across every stream of the process, so an importer that outlives one
// Stream never mistakes a new buffer for a cached one of the previous stream.
std::atomic<uint64_t> g_next_buffer_id{1};

constexpr const char* kFormatsTaken =
    "no common format? capture takes 32-bit, 24-bit and 10-bit RGB, NV12, I420, YV12, YUY2, UYVY and MJPEG";
constexpr uint32_t kUnfilledBeforeRenegotiation = 3;  // buffers without memory in a row
constexpr uint32_t kMaxUnfilledRenegotiations = 3;    // new buffer sets asked for, then only counted
// A stall kick that waited for the link: the least time the link then gets for its first buffer.
constexpr std::chrono::milliseconds kMinKickAfterLink{100};

bool power_of_two(uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

std::string describe(const VideoFormat& f) {
  std::string s = fmt::format("{}x{} {}", f.size.width, f.size.height, to_string(f.format));
  if (f.framerate.num != 0) s += fmt::format(" @{}/{}", f.framerate.num, f.framerate.denom);
  s += f.dmabuf ? fmt::format(", dmabuf modifier {:#x}", f.modifier) : std::string(", shared memory");
  return s;
}

}  // namespace

using pw::timer_value;
using stream_detail::buffer_id;
using stream_detail::BufferSlot;
using stream_detail::slot_of;

std::string_view to_string(StreamState state) {
  switch (state) {
    case StreamState::connecting:
      return "connecting";
    case StreamState::paused:
      return "paused";
    case StreamState::streaming:
      return "streaming";
    case StreamState::producer_gone:
      return "producer_gone";
    case StreamState::error:
      return "error";
    case StreamState::disconnected:
      return "disconnected";
  }
  return "unknown";
}

const pw_stream_events& Stream::Impl::stream_events() {
  static const pw_stream_events events = [] {
    pw_stream_events e{};
    e.version = PW_VERSION_STREAM_EVENTS;
    e.state_changed = &Impl::on_state_changed;
    e.param_changed = &Impl::on_param_changed;
    e.add_buffer = &Impl::on_add_buffer;
    e.remove_buffer = &Impl::on_remove_buffer;
    e.process = &Impl::on_process;
    return e;
  }();
  return events;
}

const pw_registry_events& Stream::Impl::registry_events() {
  static const pw_registry_events events = [] {
    pw_registry_events e{};
    e.version = PW_VERSION_REGISTRY_EVENTS;
    e.global = &Impl::on_global;
    e.global_remove = &Impl::on_global_remove;
    return e;
  }();
  return events;
}

std::string Stream::Impl::target_text() const {
  const Target& t = options.target;
  if (t.node_id == 0 && t.name.empty()) return fmt::format("the node with serial {}", t.serial);
  std::string s = fmt::format("node {} (serial {}", t.node_id, t.serial);
  if (!t.name.empty()) s += ", " + t.name;
  return s + ")";
}

Result<void> Stream::Impl::connect() {
  // No mlock of the producer's frames: as root (or with a large RLIMIT_MEMLOCK) PipeWire pinned
  // all of them, 33 MB at 1080p and 133 MB at 4K, at 6-24 ms of CPU a stream start.
  auto conn = Connection::open("zerocast-capture", std::move(options.fd), /*lock_buffers=*/false);
  if (!conn) return tl::unexpected(conn.error());
  connection = std::move(*conn);
  connection->set_core_error_handler([this](int res, const std::string& message) {
    if (res == -EPIPE) {
      finish(StreamState::disconnected, "the PipeWire daemon disconnected");
    } else {
      finish(StreamState::error, "PipeWire error: " + message + " (" + spa_strerror(res) + ")");
    }
  });
  {
    auto lock = connection->lock();
    registry.reset(pw_core_get_registry(connection->core(), PW_VERSION_REGISTRY, 0));
    if (!registry) return fail(Errc::pipewire, "capture", "cannot get the PipeWire registry");
    link_states = std::make_unique<LinkStates>(registry.get());
    pw_registry_add_listener(registry.get(), registry_hook.get(), &registry_events(), this);

    const std::string serial = std::to_string(options.target.serial);
    // Node ids are reused, serials are not: target by serial. dont-reconnect keeps the session
    // manager from moving us to some other video source when the producer goes away;
    // dont-fallback (WirePlumber 0.5) from linking us to the default source when the target does
    // not exist (0.5 does that without it; 0.4 knows neither and leaves us unlinked).
    pw::PropertiesPtr props(pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture",
                                              PW_KEY_MEDIA_ROLE, "Screen", PW_KEY_NODE_NAME, options.node_name.c_str(),
                                              PW_KEY_TARGET_OBJECT, serial.c_str(), "node.dont-reconnect", "true",
                                              "node.dont-fallback", "true", nullptr));
    stream.reset(pw_stream_new(connection->core(), options.node_name.c_str(), props.release()));
    if (!stream) return fail(Errc::pipewire, "capture", std::string("cannot create a stream: ") + std::strerror(errno));
    pw_stream_add_listener(stream.get(), stream_hook.get(), &stream_events(), this);

    reneg_event =
        pw::LoopSource(connection->loop(), pw_loop_add_event(connection->loop(), &Impl::on_renegotiate, this));
    timeout_timer = pw::LoopSource(connection->loop(), pw_loop_add_timer(connection->loop(), &Impl::on_timeout, this));
    kick_timer = pw::LoopSource(connection->loop(), pw_loop_add_timer(connection->loop(), &Impl::on_stall_kick, this));
    release_timer = pw::LoopSource(connection->loop(), pw_loop_add_timer(connection->loop(), &Impl::on_release, this));
    frames_event =
        pw::LoopSource(connection->loop(), pw_loop_add_event(connection->loop(), &Impl::on_frames_ready, this));
    if (!reneg_event || !timeout_timer || !kick_timer || !release_timer || !frames_event)
      return fail(Errc::pipewire, "capture", "cannot add loop sources");

    // Explicit sync only with dmabufs (an importer's modifiers), and where it can be done.
    if (options.explicit_sync && options.modifiers) syncobj = SyncTimelineConsumer::open(options.drm_dir);
    if (syncobj) zc::log::info("capture: explicit sync offered (timeline syncobjs on {})", syncobj->node());
    rebuild_enum_params();
    // RT_PROCESS: see capture/pw/handover.hpp (a lossless capture on PipeWire 1.2+).
    const auto flags = static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                                    PW_STREAM_FLAG_RT_PROCESS);
    if (int res = pw_stream_connect(stream.get(), PW_DIRECTION_INPUT, PW_ID_ANY, flags, enum_params.data(),
                                    enum_params.size());
        res < 0) {
      return fail(Errc::pipewire, "capture", std::string("cannot connect the stream: ") + spa_strerror(res));
    }
    if (options.relink) {
      auto k = LinkKeeper::create(
          *connection, {.stage = "capture", .what = "the video stream"},
          [this] { return stream ? pw_stream_get_node_id(stream.get()) : 0; }, [this] { watch_relink(); });
      if (!k) return tl::unexpected(k.error());
      keeper = std::move(*k);
    }
    arm_timeout();
  }
  return connection->start();
}

Stream::Impl::~Impl() {
  if (!connection) return;
  {
    auto lock = connection->lock();
    stopping = true;
    timeout_timer.reset();
    kick_timer.reset();
    release_timer.reset();
    reneg_event.reset();
    keeper.reset();  // our links go before our node
    // Disconnecting frees the buffers (a kept one too, once its reads are done); the observer
    // still hears of each (importer caches).
    // The disconnect also takes the node off the data thread: no on_process after it.
    if (stream) pw_stream_disconnect(stream.get());
    stream_hook.reset();
    stream.reset();
    frames_event.reset();
    registry_hook.reset();
    link_states.reset();  // its link proxies before the registry they came from
    registry.reset();
  }
  connection.reset();
}

void Stream::Impl::rebuild_enum_params() {
  Offer offer = book.filter(make_offer(options.formats, options.modifiers));
  offer.size_default = options.size_hint;
  offer.rate_default = options.rate_hint;
  offer.rate_max = options.rate_max;
  build_enum_formats(offer, enum_params);
}

void Stream::Impl::arm_timeout() {
  timespec value = timer_value(options.negotiation_timeout);
  timespec interval{0, 0};
  pw_loop_update_timer(connection->loop(), timeout_timer.get(), &value, &interval, false);
  if (options.stall_kick.count() > 0 && options.stall_kick < options.negotiation_timeout) {
    arm_kick(options.stall_kick);
  }
  timer_armed = true;
}

bool Stream::Impl::linked() const {
  return format && stream && pw_stream_get_state(stream.get(), nullptr) == PW_STREAM_STATE_STREAMING;
}

void Stream::Impl::arm_kick_if_awaited() {
  // At least kMinKickAfterLink: a producer starts its own stream a moment after ours streams (CI,
  // under ASan: a 1 ms kick renegotiated before the producer had started, so the test's producer,
  // silent on its first start, never saw a second one).
  if (kick_awaits_link && timer_armed && linked()) arm_kick(std::max(options.stall_kick, kMinKickAfterLink));
}

void Stream::Impl::arm_kick(std::chrono::milliseconds after) {
  kick_awaits_link = false;
  timespec value = timer_value(after);
  timespec interval{0, 0};
  pw_loop_update_timer(connection->loop(), kick_timer.get(), &value, &interval, false);
}

void Stream::Impl::watch_relink() {
  if (finished || stopping) return;
  // Linked again before any buffer came (the session manager went while the first negotiation
  // was under way): the negotiation starts again with the new link, and so does its give-up
  // deadline. Seen in the emulated guest: WirePlumber 0.5 killed 2.5 s after we connected, our
  // link 2 s later, and the deadline counted from the connect ended 0.1 s after that.
  if (!first_buffer_seen) {
    arm_timeout();
    return;
  }
  // No give-up deadline here: a capture that was streaming waits for its producer as before.
  if (options.stall_kick.count() <= 0) return;
  timer_armed = true;  // the next buffer disarms the kick (disarm_timeout)
  arm_kick(options.stall_kick);
}

void Stream::Impl::disarm_timeout() {
  if (!timeout_timer || !timer_armed) return;  // checked per buffer: no syscall once disarmed
  timer_armed = false;
  timespec zero{0, 0};
  pw_loop_update_timer(connection->loop(), timeout_timer.get(), &zero, &zero, false);
  if (kick_timer) pw_loop_update_timer(connection->loop(), kick_timer.get(), &zero, &zero, false);
}

void Stream::Impl::report(StreamState state, const std::string& message) {
  if (finished || stopping) return;
  zc::log::info("capture: {}: {}", to_string(state), message);
  observer.on_state(state, message);
}

void Stream::Impl::finish(StreamState state, const std::string& message) {
  if (finished || stopping) return;
  finished = true;
  disarm_timeout();
  if (state == StreamState::producer_gone) {
    zc::log::warn("capture: producer gone: {}", message);
  } else {
    zc::log::error("capture: {}: {}", to_string(state), message);
  }
  observer.on_state(state, message);
}

void Stream::Impl::count_defect(const Defect& defect) {
  const uint64_t n = ++defects[static_cast<size_t>(defect.kind)];
  if (power_of_two(n)) {  // first, 2nd, 4th, ...: visible without flooding the log at 60 fps
    zc::log::warn("capture: {} {} (buffer {}, seq {}, seen {}, needed {}); {} so far",
                  defect.frame_dropped ? "skipped a buffer:" : "ignored a meta:", to_string(defect.kind),
                  defect.buffer_id, defect.sequence, defect.seen, defect.needed, n);
  }
  observer.on_defect(defect);
}

void Stream::Impl::recover_unfilled(const Defect& defect) {
  // PipeWire 0.3.65 now and then hands a consumer the skeleton of a buffer set that the producer
  // allocates (ALLOC_BUFFERS): data type SPA_ID_INVALID on every buffer, for as long as the format
  // lasts (measured: about 1 run in 10 of the memfd "dmabuf" test source). A new negotiation
  // brings a new, filled set; a producer that keeps doing it is given up on after a few tries.
  if (defect.kind != DefectKind::unsupported_memory || defect.seen != static_cast<int64_t>(SPA_ID_INVALID)) {
    unfilled_in_row = 0;
    return;
  }
  if (++unfilled_in_row < kUnfilledBeforeRenegotiation || unfilled_renegotiations >= kMaxUnfilledRenegotiations) return;
  unfilled_in_row = 0;
  ++unfilled_renegotiations;
  zc::log::warn("capture: {} buffers in a row from {} carry no memory (type unset); asking for new buffers ({} of {})",
                kUnfilledBeforeRenegotiation, target_text(), unfilled_renegotiations, kMaxUnfilledRenegotiations);
  pw_loop_signal_event(connection->loop(), reneg_event.get());
}

void Stream::Impl::on_state_changed(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  auto* s = static_cast<Impl*>(data);
  switch (state) {
    case PW_STREAM_STATE_UNCONNECTED:
      if (s->streamed) {
        s->finish(StreamState::producer_gone, "our link to " + s->target_text() + " is gone (stream unconnected)");
      } else if (!s->target_seen) {
        s->finish(StreamState::error, s->target_text() + " does not exist (the session manager removed our stream)");
      } else {
        s->finish(StreamState::error,
                  "could not link to " + s->target_text() + ": the session manager removed our stream" + s->link_why());
      }
      break;
    case PW_STREAM_STATE_CONNECTING:
      s->report(StreamState::connecting, "connecting to " + s->target_text());
      break;
    case PW_STREAM_STATE_PAUSED:
      s->node_id = pw_stream_get_node_id(s->stream.get());
      if (s->keeper) s->keeper->update();  // our node has its id now: links into it are ours to keep
      s->report(StreamState::paused, s->streamed ? "paused" : "waiting for " + s->target_text());
      break;
    case PW_STREAM_STATE_STREAMING:
      s->streamed = true;
      s->report(StreamState::streaming, "streaming from " + s->target_text());
      s->arm_kick_if_awaited();  // a link slower than the stall kick: it counts from now
      break;
    case PW_STREAM_STATE_ERROR: {
      const std::string why = error ? error : "unknown error";
      if (s->streamed) {
        s->finish(StreamState::producer_gone, s->target_text() + " went away: " + why);
      } else if (!s->target_seen) {  // WirePlumber 0.5 with node.dont-fallback: no such target
        s->finish(StreamState::error, s->target_text() + " does not exist (" + why + ")");
      } else if (why == "no node available") {  // WirePlumber found no such target
        s->finish(StreamState::error, s->target_text() + " is not available (" + why + ")");
      } else {
        // PipeWire 1.4 fails the link itself when no format fits ("no more input formats").
        s->finish(StreamState::error,
                  "stream error: " + why +
                      (why.find("format") != std::string::npos ? fmt::format(" ({})", kFormatsTaken) : ""));
      }
      break;
    }
  }
}

void Stream::Impl::on_param_changed(void* data, uint32_t id, const spa_pod* param) {
  auto* s = static_cast<Impl*>(data);
  if (id != SPA_PARAM_Format) return;
  if (!param) {  // format cleared (renegotiation or teardown)
    s->format.reset();
    return;
  }
  auto parsed = parse_format(param);
  if (!parsed) {
    pw_stream_set_error(s->stream.get(), -EINVAL, "%s", parsed.error().message.c_str());
    s->finish(StreamState::error, "unusable format from " + s->target_text() + ": " + parsed.error().message);
    return;
  }
  if (!parsed->modifier_fixed) {
    zc::log::debug("capture: modifier not fixed yet, waiting for the producer to pick one");
    return;
  }
  s->format = *parsed;
  // New buffers come with a new format, and a producer may number their frames from 0 again:
  // those are not stale buffers of the old one.
  s->last_seq.reset();
  s->seq_counting = false;
  if (!s->reported_format || !s->reported_format->same_stream(*parsed)) {
    if (s->reported_format) ++s->format_changes;
    s->reported_format = *parsed;
    zc::log::info("capture: format {}", describe(*parsed));
    s->observer.on_format(*parsed);
  }
  s->arm_kick_if_awaited();  // a link slower than the stall kick: it counts from now
  build_buffer_params(*parsed, s->buffer_params, s->syncobj.has_value(), s->options.max_buffers);
  pw_stream_update_params(s->stream.get(), s->buffer_params.data(), s->buffer_params.size());
}

void Stream::Impl::on_add_buffer(void* data, pw_buffer* b) {
  auto* s = static_cast<Impl*>(data);
  // The producer's shared memory, mapped by PipeWire (MAP_BUFFERS): its page tables now, before
  // the stream runs, not a fault per 64 KiB in the first frames' reads (allocator.hpp). Both
  // kinds: the producer's memfds and memory PipeWire allocated for the link (MemPtr: the test
  // source, most GStreamer producers), which until 2026-11 were left to fault in the conversion
  // (4K30, 2 cores: the first four conversions 32-49 ms, against 2 ms later).
  for (uint32_t i = 0; i < b->buffer->n_datas; ++i) {
    const spa_data& d = b->buffer->datas[i];
    if ((d.type == SPA_DATA_MemFd || d.type == SPA_DATA_MemPtr) && d.data) prefault(d.data, d.maxsize, false);
  }
  BufferSlot& slot = s->buffer_ids.emplace_back();
  slot.id = g_next_buffer_id.fetch_add(1);
  b->user_data = &slot;
}

void Stream::Impl::on_remove_buffer(void* data, pw_buffer* b) {
  auto* s = static_cast<Impl*>(data);
  const uint64_t id = buffer_id(b);
  if (s->handover.forget(b)) s->lose_unread(b);  // dequeued but not yet handled: it goes unread
  if (s->kept == b) {
    // Its memory may go away with it: no GPU read of it may still be running.
    s->observer.reads_done(id, true);
    s->kept = nullptr;
  }
  // A producer may still wait for it (the buffer is removed while we held it).
  if (b->user_data) s->signal_release(*slot_of(b));
  std::erase_if(s->buffer_ids, [&](const BufferSlot& slot) { return &slot == b->user_data; });
  b->user_data = nullptr;
  ++s->buffers_removed;
  s->observer.on_buffer_removed(id);
}

void Stream::Impl::on_global(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
  auto* s = static_cast<Impl*>(data);
  if (s->link_states && s->stream) s->link_states->on_global(id, type, props, pw_stream_get_node_id(s->stream.get()));
  if (!props || std::strcmp(type, PW_TYPE_INTERFACE_Node) != 0) return;
  if (prop_number<uint64_t>(props, PW_KEY_OBJECT_SERIAL) != s->options.target.serial) return;
  s->target_global = id;
  s->target_seen = true;
  if (s->options.target.node_id == 0) s->options.target.node_id = id;
  if (const char* name = spa_dict_lookup(props, PW_KEY_NODE_NAME); name && s->options.target.name.empty()) {
    s->options.target.name = name;
  }
}

void Stream::Impl::on_global_remove(void* data, uint32_t id) {
  auto* s = static_cast<Impl*>(data);
  if (s->link_states) s->link_states->on_global_remove(id);
  if (id != s->target_global) return;
  s->target_global = SPA_ID_INVALID;
  s->finish(StreamState::producer_gone, "the producer " + s->target_text() + " was removed");
}

void Stream::Impl::on_renegotiate(void* data, uint64_t) {
  auto* s = static_cast<Impl*>(data);
  if (s->finished || !s->stream) return;
  s->rebuild_enum_params();
  ++s->renegotiations;
  zc::log::info("capture: renegotiating with {} format params ({} modifier pairs ruled out)", s->enum_params.size(),
                s->book.failed_count());
  s->negotiate_again();
  s->arm_timeout();
}

void Stream::Impl::negotiate_again() {
  // Out of the graph while the port is reconfigured: on PipeWire 0.3.65 a renegotiation that
  // lands mid-cycle otherwise leaves a driving producer waiting for us forever (measured: 6 of 40
  // runs stalled without this, 0 of 120 with it).
  pw_stream_set_active(stream.get(), false);
  pw_stream_update_params(stream.get(), enum_params.data(), enum_params.size());
  pw_stream_set_active(stream.get(), true);
}

void Stream::Impl::on_stall_kick(void* data, uint64_t) {
  auto* s = static_cast<Impl*>(data);
  if (s->finished || s->stopping || !s->stream) return;
  // Not linked yet (no format, or not streaming): a slow negotiation (a loaded machine, a busy
  // session manager) gets its stall_kick from the moment it has both; no target, or no format in
  // common, stays the timeout's to report.
  if (!s->linked()) {
    s->kick_awaits_link = true;
    return;
  }
  ++s->stall_kicks;
  zc::log::warn("capture: no buffer from {} {} ms after {} (format set, stream {}); negotiating once more",
                s->target_text(), s->options.stall_kick.count(), s->renegotiations > 0 ? "renegotiating" : "connecting",
                pw_stream_state_as_string(pw_stream_get_state(s->stream.get(), nullptr)));
  s->negotiate_again();  // the give-up deadline stays where it was
}

std::string Stream::Impl::link_why() const {
  if (!link_states) return "";
  // What the server says of our links: a blocked server, a silent producer and a format that does
  // not fit read differently (all three were "no common format?" before).
  auto [words, format_failed, lost_unexplained] = link_states->why_waiting(format.has_value());
  // A link gone before any format was set: when the two sides share no format, the session manager
  // can remove the failed link (and our stream) before the link's error reaches us (seen under
  // ASan): name what capture takes then too, as the question it is.
  if (format_failed || (lost_unexplained && !format)) words += std::string("; ") + kFormatsTaken;
  return " (" + words + ")";
}

void Stream::Impl::on_timeout(void* data, uint64_t) {
  auto* s = static_cast<Impl*>(data);
  std::string why;
  if (!s->target_seen) {
    why = " (the node does not exist)";
  } else {
    why = s->link_why();
  }
  s->finish(StreamState::error, fmt::format("negotiation with {} did not finish within {} ms{}; giving up",
                                            s->target_text(), s->options.negotiation_timeout.count(), why));
  // A half-negotiated link holds up the daemon's work queue: let go of it now.
  if (s->stream) pw_stream_disconnect(s->stream.get());
}

Result<std::unique_ptr<Stream>> Stream::start(StreamOptions options, StreamObserver& observer) {
  if (options.target.serial == 0) return fail(Errc::invalid_argument, "capture", "no target serial given");
  auto impl = std::make_unique<Impl>(std::move(options), observer);
  if (auto r = impl->connect(); !r) return tl::unexpected(r.error());
  return std::unique_ptr<Stream>(new Stream(std::move(impl)));
}

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stream::~Stream() = default;

void Stream::report_import_rejected(PixelFormat format, uint64_t modifier) {
  if (!impl_->book.record_failed(format, modifier)) return;  // already renegotiating without it
  zc::log::info("capture: importer rejected {} modifier {:#x}; renegotiating without it", to_string(format), modifier);
  pw_loop_signal_event(impl_->connection->loop(), impl_->reneg_event.get());
}

StreamStats Stream::stats() const {
  StreamStats s;
  s.frames = impl_->frames.load();
  for (size_t i = 0; i < kDefectKinds; ++i)
    s.defects[i] = impl_->defects[i].load();
  s.renegotiations = impl_->renegotiations.load();
  s.stall_kicks = impl_->stall_kicks.load();
  s.format_changes = impl_->format_changes.load();
  s.buffers_removed = impl_->buffers_removed.load();
  s.buffers_kept = impl_->buffers_kept.load();
  s.kept_until_timer = impl_->kept_until_timer.load();
  s.waited_in_place = impl_->waited_in_place.load();
  s.sync_offered = impl_->syncobj.has_value();
  s.acquire_waits = impl_->acquire_waits.load();
  s.acquire_timeouts = impl_->acquire_timeouts.load();
  s.releases = impl_->releases.load();
  s.cursor_only = impl_->cursor_only.load();
  return s;
}

uint32_t Stream::node_id() const {
  return impl_->node_id.load();
}

}  // namespace zc::capture
