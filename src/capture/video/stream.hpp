#pragma once
// The PipeWire consumer (DESIGN.md §4): connects to a producer node by object serial,
// negotiates (DMA-BUF with the importer's modifiers first, shared memory always), validates every
// buffer and hands frames to an observer on the PipeWire thread.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/video/buffer.hpp"
#include "capture/video/offer.hpp"
#include "capture/video/params.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/unique_fd.hpp"

namespace zc::capture {

enum class StreamState : uint8_t {
  connecting,     // stream created, waiting for a link and a format
  paused,         // linked (or waiting to be), not flowing
  streaming,      // buffers flow
  producer_gone,  // the producer node disappeared or our link was torn down: the capture is over
  error,          // negotiation failed or timed out, target missing, protocol error: over
  disconnected,   // the PipeWire daemon went away: over
};
std::string_view to_string(StreamState state);
// States after which no frame will come again.
constexpr bool is_final(StreamState s) {
  return s == StreamState::producer_gone || s == StreamState::error || s == StreamState::disconnected;
}

// Every outcome of the stream, WebRTC style. All calls come on the PipeWire thread (also during
// Stream destruction, for buffers removed then); never destroy the Stream from inside one.
class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  virtual void on_state(StreamState state, std::string_view message) = 0;
  // A newly negotiated format (the first, or a change of size, pixel format or memory). A
  // change means: re-create whatever depends on it (the encoder).
  virtual void on_format(const VideoFormat& format) = 0;
  // The frame borrows the PipeWire buffer: it goes back to the producer once this returns and
  // reads_done() says every read of it is done, so copy out (or start the import) inside.
  virtual void on_frame(const Frame& frame) = 0;
  // Asked after on_frame: is every read of this buffer done? An observer whose import leaves a
  // GPU read in flight says false; the stream then keeps the buffer (one at a time) and gives it
  // back after asking again with `wait` (block until done, then say true), when the next buffer
  // arrives or StreamOptions::release_delay later, whichever comes first. A producer with fewer
  // than three buffers would starve meanwhile: then the stream asks with `wait` at once. Also
  // asked with `wait` before a kept buffer is removed.
  virtual bool reads_done(uint64_t buffer_id, bool wait) {
    (void)buffer_id;
    (void)wait;
    return true;
  }
  // A skipped buffer (or, with frame_dropped == false, an ignored meta).
  virtual void on_defect(const Defect& defect) = 0;
  // A buffer with only a cursor update (StreamStats::cursor_only): the pointer moved over a still
  // picture. No picture of its own: `cursor` (valid during the call, like a frame's) is where the
  // pointer is now, at `pts_ns` (the frames' clock), numbered `sequence` as a frame would be. The
  // next frame carries it too.
  virtual void on_cursor_only(const Cursor& cursor, int64_t pts_ns, uint64_t sequence) {
    (void)cursor;
    (void)pts_ns;
    (void)sequence;
  }
  // The buffer is gone (renegotiation, teardown): drop everything cached for it.
  virtual void on_buffer_removed(uint64_t buffer_id) = 0;
};

// A producer node, by object serial (node ids are reused; serials are not).
struct Target {
  uint64_t serial = 0;
  uint32_t node_id = 0;  // for messages only (0: unknown)
  std::string name;      // node.name, for messages
};

struct StreamOptions {
  Target target;
  UniqueFd fd;                          // connect over this fd (portal) instead of the default daemon
  ModifierSource* modifiers = nullptr;  // null: shared memory only. Must outlive the stream.
  std::vector<PixelFormat> formats = default_formats();
  Size size_hint{1920, 1080};
  Fraction rate_hint{60, 1};
  Fraction rate_max{1000, 1};
  // The most buffers asked of the producer (ZEROCAST_CAPTURE_BUFFERS); 0: the producer's count.
  uint32_t max_buffers = kMaxBuffersAsked;
  // Tear the stream down if no buffer flows this long after connecting or renegotiating: a
  // wedged link blocks the daemon's work queue for every client.
  std::chrono::milliseconds negotiation_timeout{5000};
  // No buffer this long after connecting or renegotiating: negotiate once more (on PipeWire
  // 0.3.65 a new or renegotiated link now and then stays silent with its format set, streaming,
  // the producer waiting for a cycle that never comes). A link not streaming with its format by
  // then is kicked this long after it is. Past negotiation_timeout the stream is given up as
  // before. Zero: never.
  std::chrono::milliseconds stall_kick{1500};
  // A buffer kept because its reads were in flight (StreamObserver::reads_done) goes back this
  // long after its frame if no other buffer came first: a producer that sends only on damage gets
  // it back soon, and a GPU pass (about 0.5 ms for 4K on the H100) is done by then, so giving it
  // back costs a query rather than a sleep on the GPU.
  std::chrono::microseconds release_delay{2000};
  std::string node_name = "zerocast";
  // Link the stream again when a session manager's restart takes its links (LinkKeeper);
  // false: the session manager alone links it (ZEROCAST_RELINK=0).
  bool relink = true;
  // Explicit sync (PipeWire >= 1.2): with dmabufs, ask for SPA_META_SyncTimeline when a DRM node
  // here has timeline syncobjs; wait for each buffer's acquire point (at most acquire_timeout,
  // else the frame is dropped and counted) and signal its release point when giving it back.
  bool explicit_sync = true;
  std::string drm_dir = "/dev/dri";
  std::chrono::milliseconds acquire_timeout{100};
};

struct StreamStats {
  uint64_t frames = 0;  // delivered to on_frame
  std::array<uint64_t, kDefectKinds> defects{};
  uint64_t renegotiations = 0;  // param updates after an import rejection
  uint64_t format_changes = 0;  // formats after the first
  uint64_t buffers_removed = 0;
  uint64_t buffers_kept = 0;      // frames whose buffer was kept after on_frame (reads in flight)
  uint64_t kept_until_timer = 0;  // of those, given back by the release timer (no buffer came first)
  uint64_t waited_in_place = 0;   // frames whose reads were waited for instead: the producer has < 3 buffers
  bool sync_offered = false;      // SPA_META_SyncTimeline asked for (a syncobj device is open)
  uint64_t acquire_waits = 0;     // buffers with an acquire point, waited for before any read
  uint64_t acquire_timeouts = 0;  // ... not signalled in time: dropped (DefectKind::acquire_timeout)
  uint64_t releases = 0;          // release points signalled when the buffer went back
  // Buffers without a picture but with the cursor meta: what mutter and KWin send when only the
  // pointer moved. Not defects; their cursor goes with the next frame.
  uint64_t cursor_only = 0;
  uint64_t stall_kicks = 0;  // negotiations done again because no buffer came (StreamOptions::stall_kick)
  uint64_t defects_total() const {
    uint64_t n = 0;
    for (auto d : defects)
      n += d;
    return n;
  }
  uint64_t defect(DefectKind k) const { return defects[static_cast<size_t>(k)]; }
};

class Stream {
 public:
  // Connects and starts the PipeWire thread. Errors: no daemon reachable, stream creation or
  // connection refused. Later failures (missing target, timeout, producer gone) arrive as
  // on_state().
  static Result<std::unique_ptr<Stream>> start(StreamOptions options, StreamObserver& observer);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The importer could not use (format, modifier): never offer it again and renegotiate (from a
  // loop event, not inside the process callback). Thread-safe, callable from on_frame.
  void report_import_rejected(PixelFormat format, uint64_t modifier);

  // Readable from any thread.
  StreamStats stats() const;
  // Our own node's id (0 until PipeWire has assigned it).
  uint32_t node_id() const;

  struct Impl;

 private:
  explicit Stream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::capture
