#pragma once
// Puts a sink on its own thread behind a bounded queue, so a slow or dead network peer can never
// stall the encoder. When the queue is full the packet is dropped (counted); after a video packet
// so is the video up to the next keyframe, since a decoder cannot use frames whose reference is
// gone. Audio packets pass whenever there is room.
//
// Reconnecting (the daemon's job, later) fits inside: the worker would, on a failure, re-create
// its inner sink with backoff and resume at the next keyframe instead of stopping.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "output/sink.hpp"

namespace zc::output {

struct QueueOptions {
  size_t max_packets = 240;  // ~4 s at 60 fps
  size_t max_bytes = 64u * 1024 * 1024;
  // close() waits this long for the queue to drain, then interrupts the inner sink's I/O and
  // waits at most `abandon_after` more before leaving a wedged worker behind.
  std::chrono::milliseconds close_timeout{3000};
  std::chrono::milliseconds abandon_after{2000};
  // Called (on the writer's thread) after a drop, so the encoder can send a keyframe soon.
  std::function<void()> on_keyframe_needed{};
};

class QueuedSink final : public Sink {
 public:
  QueuedSink(std::unique_ptr<Sink> inner, QueueOptions options = {});
  QueuedSink(const QueuedSink&) = delete;
  QueuedSink& operator=(const QueuedSink&) = delete;
  ~QueuedSink() override;

  std::string describe() const override;
  // Never blocks on I/O: both only queue. An error only once the worker has failed.
  Result<void> begin(const ffmpeg::StreamList& streams) override;
  Result<void> write(const ffmpeg::EncodedPacket& packet) override;
  // Drains for up to close_timeout, then interrupts; never hangs on a dead peer.
  Result<void> close() override;
  SinkStats stats() const override;
  std::optional<Error> failure() const override;
  void interrupt() override;

  size_t queued() const;

 private:
  struct State;  // shared with the worker thread, which may outlive us if a peer wedges it

  std::shared_ptr<State> state_;
  std::thread worker_;
};

}  // namespace zc::output
