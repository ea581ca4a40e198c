#pragma once
// Helpers for the `zerocast record` tests: run the real binary against a private PipeWire, decode
// what it wrote with FFmpeg, and read the test pattern's frame numbers out of every picture.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/decode.hpp"
#include "support/process.hpp"

namespace zc::test {

struct NumberedDecode {
  DecodeResult decode;
  std::vector<std::optional<uint32_t>> numbers;  // per decoded picture; nullopt: unreadable
};

// Decodes `path` and reads each picture's frame number from its luma plane.
NumberedDecode decode_numbers(const std::string& path);

// Empty if every number is readable and each is the previous + 1; else what is wrong first
// (a gap, a duplicate, a reordering or an unreadable picture) — for CHECK messages. With
// `missed` (the summary's frames the producer numbered that never reached zerocast), gaps are
// allowed that add up to exactly that many.
std::string consecutive_problem(const std::vector<std::optional<uint32_t>>& numbers, uint64_t missed = 0);
// The numbers the pictures skip going forwards (unreadable ones and steps back count nothing).
uint64_t skipped_numbers(const std::vector<std::optional<uint32_t>>& numbers);

// The counts of `zerocast record`'s end-of-run summary ("frames N captured, N encoded (N
// repeated)", "dropped N (encoder behind N, invalid buffers N, import failures N)"); nullopt when
// the output has no such summary.
struct SummaryCounts {
  uint64_t captured = 0;
  uint64_t encoded = 0;
  uint64_t repeated = 0;
  uint64_t encoder_behind = 0;
  uint64_t invalid_buffers = 0;
  uint64_t import_failures = 0;
  uint64_t missed = 0;          // "missed N": numbered by the producer, never delivered (0 when absent)
  uint64_t cursor_only = 0;     // "pointer N cursor-only updates" (0 when absent)
  uint64_t pointer_frames = 0;  // "..., N drawn as frames": those recorded as the last picture again
};
std::optional<SummaryCounts> summary_counts(const std::string& output);

// The producer's number of the first buffer capture took ("capture: first buffer from ...:
// producer's seq N"); nullopt when the output has no such line.
std::optional<uint64_t> first_taken_seq(const std::string& output);

// Runs `zerocast ARGS...` to completion; output (stdout+stderr) in the result.
RunResult zerocast(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(60));
// Starts `zerocast ARGS...` in the background.
Process start_zerocast(std::vector<std::string> args);

// The object.serial a `zerocast test-source` child printed, once it did.
std::optional<uint64_t> wait_for_serial(const Process& p, std::chrono::milliseconds timeout);

// How many times `part` occurs in `text` (overlapping occurrences counted).
inline size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

// Polls `done` every 50 ms until it holds or `timeout` passed; its last answer.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace zc::test
