#pragma once
// The built-in test source: a PipeWire Video/Source node that sends a frame-numbered pattern
// (pattern.hpp) at a steady rate, in shared memory or dmabufs with modifier fixation (real ones
// from GBM where a render node exists, memfd-backed otherwise), and that can inject defects. It runs on its own
// pw_thread_loop with its own pw_context and pw_core; the daemon it reaches is the one the process environment names
// (XDG_RUNTIME_DIR / PIPEWIRE_REMOTE), which is how tests point it at a private PipeWire.
//
// Every public method is thread-safe.
#include <chrono>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "testsrc/options.hpp"

namespace zc::testsrc {

class TestSource {
 public:
  explicit TestSource(Options options);
  ~TestSource();  // stop()
  TestSource(const TestSource&) = delete;
  TestSource& operator=(const TestSource&) = delete;

  // Connects to PipeWire and creates the node. Fails on invalid options or when no PipeWire
  // daemon answers. Frames flow once a consumer links and negotiation is done.
  Result<void> start();

  // The node's id and object serial, once the registry shows it (Errc::timeout otherwise).
  Result<NodeIdentity> wait_for_node(std::chrono::milliseconds timeout);

  // Waits until at least `frames` frames were queued (Errc::timeout otherwise; Errc::pipewire if
  // the stream failed or vanished first).
  Result<void> wait_for_frames(uint64_t frames, std::chrono::milliseconds timeout);

  Stats stats() const;

  // Capture times (CLOCK_MONOTONIC ns, the frames' header pts) of the marked frames sent, in
  // [from_ns, to_ns), appended to `out`. Recent ones only (the last 256).
  void marks_between(int64_t from_ns, int64_t to_ns, std::vector<int64_t>& out) const;

  // SyncMode::Explicit: whether the consumer has signalled the release point of `frame` (one of
  // the last 64 sent with a sync timeline); nullopt when unknown. Any thread (tests ask from
  // their consumer's callbacks).
  std::optional<bool> release_signalled(uint64_t frame) const;

  // Destroys the stream and the connection. Idempotent.
  void stop();

  const Options& options() const { return options_; }

  struct Impl;  // the PipeWire side, in test_source.cpp

 private:
  Options options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::testsrc
