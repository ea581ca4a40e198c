#pragma once
// Helpers for the `zerocast record` tests: run the real binary against a private PipeWire, decode
// what it wrote with FFmpeg, and read the test pattern's frame numbers out of every picture.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
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
// (a gap, a duplicate, a reordering or an unreadable picture) — for CHECK messages.
std::string consecutive_problem(const std::vector<std::optional<uint32_t>>& numbers);

// Runs `zerocast ARGS...` to completion; output (stdout+stderr) in the result.
RunResult zerocast(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(60));
// Starts `zerocast ARGS...` in the background.
Process start_zerocast(std::vector<std::string> args);

// The object.serial a `zerocast test-source` child printed, once it did.
std::optional<uint64_t> wait_for_serial(const Process& p, std::chrono::milliseconds timeout);

}  // namespace zc::test
