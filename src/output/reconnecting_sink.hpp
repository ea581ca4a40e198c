#pragma once
// A network output that survives its peer: when the inner sink fails (peer gone, refused, timed
// out) it is dropped and a new one is made from a factory after a backoff (doubling up to a
// maximum), resuming at the next video keyframe (audio in between has no peer to go to). A lost peer
// is not a failure for the writer, so a tee keeps it attached and the other outputs (the replay
// buffer) go on untouched, until no peer was found for `give_up_after`: then write() fails, once,
// and the tee detaches it (the run's verdict: never connected, or lost).
//
// Meant to sit inside a QueuedSink: reconnecting blocks (connect timeouts), which must happen on
// the queue's writer thread, never on the encoder's. begin/write/close come from that one
// thread; describe, stats, status and interrupt from any.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "output/sink.hpp"

namespace zc::output {

using SinkFactory = std::function<Result<std::unique_ptr<Sink>>()>;

struct ReconnectOptions {
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  // Without a peer this long from the first failure (connected or not), it fails; 0: never.
  std::chrono::milliseconds give_up_after{60000};
  // Called (on the writer's thread) when a reconnect is due and waits for a keyframe.
  std::function<void()> on_keyframe_needed{};
};

struct ReconnectStatus {
  bool connected = false;   // an inner sink exists and its last write succeeded
  uint64_t failures = 0;    // inner sinks lost or refused
  uint64_t reconnects = 0;  // inner sinks that wrote again after a failure
  std::optional<Error> last_error;
};

class ReconnectingSink final : public Sink {
 public:
  // `description` is the redacted target (the factory's sinks describe the same thing).
  ReconnectingSink(std::string description, SinkFactory factory, ReconnectOptions options = {});
  ~ReconnectingSink() override;
  ReconnectingSink(const ReconnectingSink&) = delete;
  ReconnectingSink& operator=(const ReconnectingSink&) = delete;

  std::string describe() const override { return description_; }
  Result<void> begin(const ffmpeg::StreamList& streams) override;
  Result<void> write(const ffmpeg::EncodedPacket& packet) override;
  Result<void> close() override;
  SinkStats stats() const override;
  // Never set: a lost peer is waited for (see status()); giving up fails write().
  std::optional<Error> failure() const override { return std::nullopt; }
  // Stops reconnecting for good and interrupts the inner sink's I/O.
  void interrupt() override;

  ReconnectStatus status() const;

 private:
  std::unique_ptr<Sink> take_inner();
  void lose(const Error& error, int64_t now_ns);
  bool try_connect(int64_t now_ns);
  bool gave_up(int64_t now_ns) const;

  const std::string description_;
  const SinkFactory factory_;
  const ReconnectOptions options_;

  // Writer thread only.
  std::optional<ffmpeg::StreamList> streams_;
  int64_t next_attempt_ns_ = 0;
  std::chrono::milliseconds backoff_;
  bool asked_keyframe_ = false;
  bool fresh_ = false;                // the inner sink has not written yet
  int64_t unreachable_since_ns_ = 0;  // the first failure since a peer last took a packet; 0: none
  bool closed_ = false;

  // Shared with interrupt(), stats() and status(); never held across I/O.
  mutable std::mutex mutex_;
  std::unique_ptr<Sink> inner_;
  bool interrupted_ = false;
  SinkStats past_;  // of inner sinks already dropped
  uint64_t dropped_ = 0;
  ReconnectStatus status_;
};

}  // namespace zc::output
