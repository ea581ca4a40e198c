#pragma once
// Helpers shared by the output tests: write a whole encoded stream, decode and read back frame
// numbers, run a piece of a test in a child process that may be killed.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "encoded_stream.hpp"
#include "output/sink.hpp"
#include "support/decode.hpp"

namespace zc::test {

inline Result<void> write_stream(output::Sink& sink, const EncodedStream& stream, size_t first = 0) {
  if (auto r = sink.begin({stream.info}); !r) return r;
  for (size_t i = first; i < stream.packets.size(); ++i) {
    if (auto r = sink.write(stream.packets[i]); !r) return r;
  }
  return {};
}

struct Decoded {
  DecodeResult result;
  std::vector<int> numbers;  // frame numbers read from the pixels, in decode order
};

Decoded decode_numbers(const std::string& path);

// True when numbers == first, first+1, ..., first+n-1.
bool consecutive(const std::vector<int>& numbers, int first);

// Packs a small report through a pipe from a forked child (which may be killed or may crash).
struct ChildReport {
  int written = 0;  // packets the child wrote successfully
  int error_code = -1;
  char message[512] = {};
  int decoded = -1;  // frames the child decoded itself (when the file is only visible to it)
  int numbers_ok = 0;
};

// Forks; the child runs `body` (it reports progress with `send`), then _exits. The parent calls
// `on_progress` with each report until it returns false or the child ends; then, if the child
// is still running, SIGKILLs it. Returns the last report received, if any.
std::optional<ChildReport> run_child(
    const std::function<void(const std::function<void(const ChildReport&)>& send)>& body,
    const std::function<bool(const ChildReport&)>& on_progress, std::chrono::milliseconds timeout);

int64_t total_bytes(const EncodedStream& stream, size_t first = 0);

// Sends everything written to fd 2 (spdlog's sink, FFmpeg's log) to a file until text().
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Stops capturing (restores fd 2) and returns what was written.
  std::string text();

 private:
  int saved_ = -1;
  std::string path_;
};

}  // namespace zc::test
