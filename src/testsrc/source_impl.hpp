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

#include "capture/pw_handles.hpp"
#include "core/mapping.hpp"
#include "core/unique_fd.hpp"
#include "testsrc/cycle_gate.hpp"
#include "testsrc/dmabuf_alloc.hpp"
#include "testsrc/jpeg.hpp"
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

// The memory behind one PipeWire buffer (ours when we allocate, else PipeWire's mapping), and
// what the painter left in it.
struct Slot {
  UniqueFd fd;
  Mapping map;
  uint8_t* pixels = nullptr;  // memfd / shared memory: mapped for good
  // A GBM buffer instead: mapped for each paint (the mapping's stride may differ from the
  // buffer's; `paint_stride` is the one `paint` refers to).
  std::optional<zerocopy::gbm::Bo> bo;
  uint32_t paint_stride = 0;
  uint32_t stride = 0;  // row stride the chunk announces (ours, or the GBM buffer's)
  uint32_t offset = 0;  // where the image starts in the memory (the chunk's offset)
  PaintState paint;
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
  enum class Attached : uint8_t { gbm, use_memfd, failed };
  Attached attach_gbm(Slot& slot, spa_data& d);  // DmaBuf with a GBM device
  bool attach_memfd(Slot& slot, spa_data& d, bool dmabuf);
  void log_allocator(const Slot& slot);
  void on_remove_buffer(pw_buffer* b);
  void on_state(pw_stream_state state, const char* error);
  void on_tick(uint64_t expirations);
  bool cycle_busy();  // driving, and our last graph cycle has not finished yet (counts, warns)
  void produce(uint64_t frame);
  std::optional<Damage> paint(uint8_t* pixels, uint32_t stride, PaintState& state, uint64_t number);
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
  // Formats other than 32-bit RGB: the BGRx image the painter draws into, packed into each buffer.
  std::vector<uint8_t> canvas;
  PaintState canvas_paint;
  JpegEncoder jpeg;       // MJPEG: the canvas encoded per frame
  size_t jpeg_bytes = 0;  // the size of the last JPEG painted
  // DmaBuf mode's GBM device (none: memfds); declared before `slots` so it outlives their buffers.
  std::optional<zerocopy::gbm::Device> gbm_device;
  std::vector<std::pair<uint32_t, uint64_t>> gbm_refused;  // Auto: (fourcc, modifier) sent as memfds
  bool allocator_logged = false;                           // for the current format
  std::vector<std::unique_ptr<Slot>> slots;
  uint64_t next_frame = 0;
  uint64_t resized_at = UINT64_MAX;  // the frame a resize was last started for
  CycleGate cycle;                   // driving: our last triggered graph cycle, until trigger_done
  std::vector<uint8_t> cursor_bitmap;

  // Shared with other threads.
  mutable std::mutex mutex;
  mutable std::mutex marks_mutex;  // the audio source's thread reads the marks
  std::deque<int64_t> marks;       // capture times of marked frames sent
  std::condition_variable changed;
  Stats stats;
  uint32_t node_id = SPA_ID_INVALID;
  std::vector<NodeIdentity> named_nodes;  // registry globals with our node.name
};

}  // namespace zc::testsrc
