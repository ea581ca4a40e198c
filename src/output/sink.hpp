#pragma once
// The output seam: a Sink receives the encoded stream. Files, URLs, the replay ring and the tee
// all implement it.
#include <string>

#include "core/error.hpp"
#include "core/packet.hpp"

namespace zc::output {

class Sink {
 public:
  virtual ~Sink() = default;

  // Path or URL with credentials redacted: safe for logs, status lines and errors.
  virtual std::string describe() const = 0;

  // A stream starts: the first one, or a new generation after the encoder was re-created. A file
  // sink closes its current file and continues in NAME-001.ext, NAME-002.ext, ...; a network sink
  // carries on with the new in-band parameter sets.
  virtual Result<void> begin(const StreamInfo& info) = 0;
  virtual Result<void> write(const EncodedPacket& packet) = 0;
  // Normal end: write the trailer and close. Idempotent.
  virtual Result<void> close() = 0;
};

}  // namespace zc::output
