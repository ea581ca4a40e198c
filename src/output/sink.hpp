#pragma once
// The output seam: a Sink receives a session's encoded streams (the video stream and the audio
// tracks beside it), packets of all of them in the order they were encoded. Files, URLs, the
// replay ring, the queue, the reconnecting output and the tee all implement it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::output {

// Per-sink counters. Readable from any thread (status lines, metrics) while the sink writes.
struct SinkStats {
  uint64_t packets = 0;  // handed to the muxer and written
  uint64_t bytes = 0;    // payload bytes of those packets
  uint64_t dropped = 0;  // not written: before the first keyframe, queue full, after a failure
  uint64_t errors = 0;   // I/O failures (disk full, peer gone, timeout)

  SinkStats& operator+=(const SinkStats& o) {
    packets += o.packets;
    bytes += o.bytes;
    dropped += o.dropped;
    errors += o.errors;
    return *this;
  }
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Path or URL with credentials redacted: safe for logs, status lines and errors.
  virtual std::string describe() const = 0;

  // The streams start: the first time, or a new generation after the video encoder was
  // re-created. A file sink closes its current file and continues in NAME-001.ext, NAME-002.ext,
  // ... with every stream (audio goes on where the last file stopped); a network sink carries on
  // with the new in-band parameter sets. `streams` is never empty; streams[0] is the video.
  virtual Result<void> begin(const ffmpeg::StreamList& streams) = 0;
  // A packet of one of the streams (EncodedPacket::stream). An error means this sink is out of
  // the stream (failure() keeps why); the caller detaches it.
  virtual Result<void> write(const ffmpeg::EncodedPacket& packet) = 0;
  // Normal end: write the trailer and close. Idempotent. Quick on a sink that has failed.
  virtual Result<void> close() = 0;

  virtual SinkStats stats() const = 0;
  // Why the sink stopped (vanished peer, full disk, timeout), or nothing while it is healthy.
  // Thread-safe, so a status thread (or a later reconnect policy) can poll it.
  virtual std::optional<Error> failure() const = 0;
  // Makes blocking I/O in progress, and all later I/O, fail at once. Thread-safe; used so that
  // close() never hangs on a dead peer.
  virtual void interrupt() {}
};

}  // namespace zc::output
