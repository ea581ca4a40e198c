#pragma once
// A small PipeWire video producer for tests, in the manner of PipeWire's video-src-fixate (whose
// Debian 0.3.65 build only offers 24-bit RGB, which capture does not take): a 32-bit format, an
// optional DMA-BUF offer with DONT_FIXATE modifiers that it fixates itself, memfd-backed buffers
// (so "dmabufs" are real fds that can be mapped), a frame counter in every pixel row, header pts,
// and a mid-stream resize.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/graph/source.hpp"
#include "capture/video/stream.hpp"
#include "core/pixel_format.hpp"

namespace zc::capture::test {

class FixateProducer {
 public:
  struct Options {
    std::string name = "zc-fixate";
    PixelFormat format = PixelFormat::BGRx;
    uint32_t width = 320;
    uint32_t height = 240;
    uint32_t fps = 60;
    std::vector<uint64_t> modifiers;  // empty: shared memory only
    // Also attach VideoCrop (10 px border), VideoDamage (one 32x16 rect at 8,4) and Cursor (a
    // 16x16 ARGB bitmap, sent on every 10th frame only, at 50,60 with hotspot 2,3) metas.
    bool metas = false;
    // Sends nothing while it streams the first time, as a link PipeWire 0.3.65 now and then
    // leaves wedged after a (re)negotiation; it starts sending from its next start (a consumer
    // that negotiates again brings one).
    bool silent_first_start = false;
    // Numbers its frames (header seq and pixel rows) from 0 again at each new format.
    bool count_again_on_format = false;
  };

  // Throws std::runtime_error when it cannot connect (the test then fails loudly).
  explicit FixateProducer(Options options);
  ~FixateProducer();  // the node disappears: consumers see the producer go
  FixateProducer(const FixateProducer&) = delete;
  FixateProducer& operator=(const FixateProducer&) = delete;

  // Offers a new size (renegotiation of a live stream, as a compositor output resize does).
  void resize(uint32_t width, uint32_t height);

  uint64_t frames_sent() const { return frames_sent_.load(); }
  uint32_t starts() const { return starts_.load(); }  // times its stream went to STREAMING

  // Stream options aimed at this producer's node, once the registry shows it (throws
  // std::runtime_error when it does not within `timeout`).
  StreamOptions stream_options(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  bool dmabuf_negotiated() const { return dmabuf_.load(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> frames_sent_{0};
  std::atomic<uint32_t> starts_{0};
  std::atomic<bool> dmabuf_{false};
};

// Polls the registry until a node called `name` shows up.
std::optional<NodeInfo> wait_for_node(const std::string& name, std::chrono::milliseconds timeout);

// Stream options aimed at `node`, everything else default.
StreamOptions options_for(const NodeInfo& node);

}  // namespace zc::capture::test
