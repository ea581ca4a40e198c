#pragma once
// Stream's inside, shared by its two files: stream.cpp (connecting, negotiating, buffers added and
// removed, the registry and the timers) and stream_frames.cpp (each buffer from the data thread's
// dequeue to its give-back: validation, explicit sync, the kept buffer). Nothing outside
// src/capture/stream*.cpp includes it.
#include <pipewire/pipewire.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "capture/graph/link_keeper.hpp"
#include "capture/graph/link_states.hpp"
#include "capture/pw/connection.hpp"
#include "capture/pw/handover.hpp"
#include "capture/pw/pw_handles.hpp"
#include "capture/video/buffer.hpp"
#include "capture/video/metas.hpp"
#include "capture/video/offer.hpp"
#include "capture/video/params.hpp"
#include "capture/video/stream.hpp"
#include "capture/video/sync_timeline.hpp"
#include "capture/video/timestamper.hpp"

namespace zc::capture::stream_detail {

// What capture keeps per PipeWire buffer (add_buffer points its user_data at one): its id and its
// explicit-sync state.
struct BufferSlot {
  uint64_t id = 0;
  SyncTimelineConsumer::Buffer sync;
};

inline BufferSlot* slot_of(const pw_buffer* b) {
  return static_cast<BufferSlot*>(b->user_data);
}

inline uint64_t buffer_id(const pw_buffer* b) {
  return b->user_data ? slot_of(b)->id : 0;
}

}  // namespace zc::capture::stream_detail

namespace zc::capture {

struct Stream::Impl {
  Impl(StreamOptions o, StreamObserver& obs) : options(std::move(o)), observer(obs) {}
  ~Impl();

  Result<void> connect();
  std::string target_text() const;
  // " (why the negotiation waits)", from the server's state of our links; "" without them.
  std::string link_why() const;
  void rebuild_enum_params();
  void arm_timeout();
  bool linked() const;                             // a format set and the stream streaming
  void arm_kick(std::chrono::milliseconds after);  // the stall kick, `after` from now
  void arm_kick_if_awaited();  // ... once a kick that came too early has its format and streaming state
  // The link keeper linked us again: the stall kick watches for the first buffer, as after a connect.
  void watch_relink();
  // Our port out of the graph, the format params offered again, back in (a renegotiation).
  void negotiate_again();
  void disarm_timeout();
  void report(StreamState state, const std::string& message);
  void finish(StreamState state, const std::string& message);
  void count_defect(const Defect& defect);
  void recover_unfilled(const Defect& defect);
  void take_buffer(pw_buffer* b);
  void handle_buffer(pw_buffer* b);
  // A buffer without a picture but with the cursor meta (mutter and KWin send one when only the
  // pointer moved): its cursor handed to the observer (and kept for the next frame), nothing else
  // read.
  void take_cursor_only(const spa_buffer& buf, const HeaderInfo& header, int64_t arrival);
  // A delivered buffer's number (the producer's, or our own count where it sends none) and its
  // time on the frames' clock: frames and cursor-only buffers alike.
  struct Placed {
    uint64_t sequence;
    int64_t pts_ns;
  };
  Placed place(const HeaderInfo& header, int64_t arrival);
  // The producer's numbers: missed ones counted; false for a stale buffer (skipped).
  bool follow_sequence(const HeaderInfo& header);
  // A buffer PipeWire took back (buffers renegotiated) after we dequeued it, before we read it.
  void lose_unread(pw_buffer* b);
  void give_back(pw_buffer* b);
  void give_back_kept();
  bool take_sync(pw_buffer* b, const spa_buffer& buf);
  void signal_release(stream_detail::BufferSlot& slot);

  static const pw_stream_events& stream_events();
  static const pw_registry_events& registry_events();
  static void on_state_changed(void* data, pw_stream_state old, pw_stream_state state, const char* error);
  static void on_param_changed(void* data, uint32_t id, const spa_pod* param);
  static void on_add_buffer(void* data, pw_buffer* b);
  static void on_remove_buffer(void* data, pw_buffer* b);
  static void on_process(void* data);
  static void on_frames_ready(void* data, uint64_t count);
  static void on_global(void* data, uint32_t id, uint32_t permissions, const char* type, uint32_t version,
                        const spa_dict* props);
  static void on_global_remove(void* data, uint32_t id);
  static void on_renegotiate(void* data, uint64_t count);
  static void on_timeout(void* data, uint64_t expirations);
  static void on_stall_kick(void* data, uint64_t expirations);
  static void on_release(void* data, uint64_t expirations);

  StreamOptions options;
  StreamObserver& observer;
  ModifierBook book;

  // Declared in teardown order (last destroyed first): hooks before their objects, all before the
  // connection that owns the loop.
  std::unique_ptr<Connection> connection;
  pw::RegistryPtr registry;
  std::unique_ptr<LinkStates> link_states;  // the server's word on our links, for a negotiation that times out
  pw::Hook registry_hook;
  pw::StreamPtr stream;
  pw::Hook stream_hook;
  std::unique_ptr<LinkKeeper> keeper;  // our links to the producer, made again if the session manager's go
  pw::LoopSource reneg_event;
  pw::LoopSource timeout_timer;
  pw::LoopSource kick_timer;
  pw::LoopSource release_timer;
  // Buffers dequeued on the data thread (on_process), handled on the loop thread
  // (on_frames_ready). The event outlives the stream: ~Impl resets it after the disconnect.
  BufferHandover handover;
  pw::LoopSource frames_event;
  ParamSet enum_params;
  ParamSet buffer_params;
  // Explicit sync: the DRM device the producer's syncobjs are imported on. Declared before the
  // buffer slots, whose handles live on it.
  std::optional<SyncTimelineConsumer> syncobj;
  std::list<stream_detail::BufferSlot> buffer_ids;  // stable addresses: pw_buffer::user_data points at one each

  // PipeWire thread only.
  std::optional<VideoFormat> format;
  std::optional<VideoFormat> reported_format;
  Timestamper timestamper;
  CursorCache cursor;
  uint64_t own_sequence = 0;
  std::optional<uint64_t> last_seq;      // the last buffer's header seq
  bool seq_counting = false;             // it moved forward before: the same number again is stale
  uint64_t missed_pending = 0;           // numbers skipped since the last frame handed on
  bool first_buffer_seen = false;        // its header seq logged (a frame lost before it is not ours)
  uint32_t unfilled_in_row = 0;          // buffers in a row whose memory the producer never filled in
  uint32_t unfilled_renegotiations = 0;  // new buffer sets asked for because of them, since a good frame
  bool streamed = false;
  bool timer_armed = false;
  bool kick_awaits_link = false;  // the stall kick came before the format or streaming: it runs stall_kick after both
  bool finished = false;
  bool stopping = false;
  uint32_t target_global = SPA_ID_INVALID;
  bool target_seen = false;   // the registry showed the target node at some point
  pw_buffer* kept = nullptr;  // dequeued after its frame: the observer's reads were in flight

  std::atomic<uint32_t> node_id{0};
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> renegotiations{0};
  std::atomic<uint64_t> format_changes{0};
  std::atomic<uint64_t> buffers_removed{0};
  std::atomic<uint64_t> buffers_kept{0};
  std::atomic<uint64_t> kept_until_timer{0};
  std::atomic<uint64_t> waited_in_place{0};
  std::atomic<uint64_t> acquire_waits{0};
  std::atomic<uint64_t> acquire_timeouts{0};
  std::atomic<uint64_t> releases{0};
  std::atomic<uint64_t> cursor_only{0};
  std::atomic<uint64_t> stall_kicks{0};
  bool release_failure_logged = false;
  std::array<std::atomic<uint64_t>, kDefectKinds> defects{};
};

}  // namespace zc::capture
