#pragma once
// A minimal raw pw_stream consumer for the test source's integration tests: it links to a node
// by serial (through WirePlumber), offers formats with or without modifiers, records every
// buffer it gets (metas, chunk, data type, the pattern's number read from the pixels, mapping
// dmabuf fds itself) and can renegotiate. Independent of src/capture on purpose.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <pipewire/pipewire.h>

#include "capture/pw/pw_handles.hpp"
#include "core/mapping.hpp"
#include "core/pixel_format.hpp"
#include "core/unique_fd.hpp"

namespace zc::testsrc::test {

using capture::pw::ContextPtr;
using capture::pw::CorePtr;
using capture::pw::LoopLock;
using capture::pw::LoopSource;
using capture::pw::ProxyPtr;
using capture::pw::StreamPtr;
using capture::pw::ThreadLoopPtr;

struct ConsumerOptions {
  uint64_t target_serial = 0;
  std::vector<PixelFormat> formats{PixelFormat::BGRx};
  std::vector<uint64_t> modifiers;  // offered with DONT_FIXATE before shared memory (if any)
  bool offer_shm = true;
  bool request_metas = true;  // Header, VideoDamage, VideoCrop, Cursor
  uint32_t buffers = 4;       // buffers asked for (2..16)
  // PipeWire 0.3.65 now and then hands a consumer producer-allocated buffers before their memory
  // is attached (data type SPA_ID_INVALID). Like a real consumer, renegotiate to get new ones.
  bool recover_broken_buffers = true;
  // Be the graph's driver (higher priority than the source) and trigger cycles at `driver_rate`:
  // the source follows (queued frames go out on our cycles). Both ways every frame arrives; the
  // driving source waits for its last cycle (src/testsrc/README.md).
  bool driver = false;
  uint32_t driver_rate = 100;
};

struct ReceivedFrame {
  bool has_header = false;
  uint64_t seq = 0;
  int64_t pts = 0;
  uint32_t header_flags = 0;
  uint32_t data_type = 0;  // SPA_DATA_*
  bool broken = false;     // no usable memory (see ConsumerOptions::recover_broken_buffers)
  int fd = -1;
  uint32_t chunk_offset = 0;
  uint32_t chunk_size = 0;
  int32_t chunk_stride = 0;
  uint32_t chunk_flags = 0;
  uint32_t maxsize = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  bool has_modifier = false;
  uint64_t modifier = 0;
  std::optional<uint32_t> number;  // read from the pixels
  // R,G,B of the pixel at (width * 11 / 16, height - 1): the pattern's red bar (192, 0, 0).
  std::array<uint8_t, 3> red_bar{};
  uint32_t damage_regions = 0;  // valid regions in VideoDamage
  uint32_t crop_width = 0;      // VideoCrop region width (0: no crop meta)
  bool cursor_valid = false;
  bool cursor_bitmap = false;
  int64_t arrival_ns = 0;
};

struct FormatSeen {
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  bool has_modifier = false;
  bool needs_fixation = false;
  std::vector<uint64_t> modifiers;
};

class Consumer {
 public:
  explicit Consumer(ConsumerOptions options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Connects; throws std::runtime_error on failure.
  void start();
  void stop();

  // Offers new formats (update_params with EnumFormat) from the stream's loop.
  void renegotiate(std::vector<uint64_t> modifiers, bool offer_shm);

  std::vector<ReceivedFrame> frames() const;
  std::vector<FormatSeen> formats() const;
  std::vector<pw_stream_state> states() const;
  std::string error() const;
  uint32_t recoveries() const;  // renegotiations done because of broken buffers
  bool driving() const;

  // Waits until `done` (called with the lock held on the frames seen so far) is true.
  bool wait_until(const std::function<bool(const std::vector<ReceivedFrame>&)>& done,
                  std::chrono::milliseconds timeout);
  bool wait_frames(size_t count, std::chrono::milliseconds timeout);
  bool wait_state(pw_stream_state state, std::chrono::milliseconds timeout);
  // Until the stream, having streamed, is in another state (its link gone: UNCONNECTED where the
  // session manager removes the stream, PAUSED where it only drops the link).
  bool wait_left_streaming(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The frames after the last broken buffer: PipeWire 0.3.65 now and then (about 1 run in 100 here)
// attaches producer-allocated memory too late for the consumer, which then renegotiates
// (ConsumerOptions::recover_broken_buffers); what the source sent into those buffers is lost.
std::vector<ReceivedFrame> steady(const std::vector<ReceivedFrame>& frames);

}  // namespace zc::testsrc::test
