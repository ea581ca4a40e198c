#include "record_support.hpp"

#include <regex>
#include <thread>

extern "C" {
#include <libavutil/frame.h>
}

#include "support/paths.hpp"
#include "testsrc/pattern.hpp"

namespace zc::test {

NumberedDecode decode_numbers(const std::string& path) {
  NumberedDecode out;
  out.decode = decode_file(path, [&](const AVFrame& f) {
    out.numbers.push_back(testsrc::read_number_luma(f.data[0], static_cast<uint32_t>(f.linesize[0]),
                                                    static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height)));
  });
  return out;
}

std::string consecutive_problem(const std::vector<std::optional<uint32_t>>& numbers, uint64_t missed) {
  uint64_t skipped = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (!numbers[i]) return "picture " + std::to_string(i) + " has no readable number";
    if (i == 0) continue;
    const uint32_t prev = *numbers[i - 1], cur = *numbers[i];
    if (cur == prev + 1) continue;
    if (cur == prev) return "picture " + std::to_string(i) + " repeats number " + std::to_string(cur);
    if (cur < prev)
      return "picture " + std::to_string(i) + " goes back from " + std::to_string(prev) + " to " + std::to_string(cur);
    skipped += cur - prev - 1;
    if (skipped > missed) {
      return "gap after " + std::to_string(prev) + ": next is " + std::to_string(cur) + " (" + std::to_string(skipped) +
             " skipped, " + std::to_string(missed) + " missed by the capture)";
    }
  }
  if (skipped != missed) {
    return std::to_string(missed) + " frames counted as missed, but the numbers skip " + std::to_string(skipped);
  }
  return {};
}

uint64_t skipped_numbers(const std::vector<std::optional<uint32_t>>& numbers) {
  uint64_t skipped = 0;
  for (size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i - 1] && numbers[i] && *numbers[i] > *numbers[i - 1] + 1) skipped += *numbers[i] - *numbers[i - 1] - 1;
  }
  return skipped;
}

std::optional<SummaryCounts> summary_counts(const std::string& output) {
  std::smatch f, d;
  if (!std::regex_search(output, f, std::regex(R"(frames +(\d+) captured, (\d+) encoded \((\d+) repeated\))")) ||
      !std::regex_search(
          output, d,
          std::regex(R"(dropped +\d+ \(encoder behind (\d+), invalid buffers (\d+), import failures (\d+)\))"))) {
    return std::nullopt;
  }
  const auto n = [](const std::ssub_match& m) { return std::stoull(m.str()); };
  SummaryCounts c{n(f[1]), n(f[2]), n(f[3]), n(d[1]), n(d[2]), n(d[3])};
  std::smatch m;
  if (std::regex_search(output, m, std::regex(R"(missed +(\d+) )"))) c.missed = n(m[1]);
  if (std::regex_search(output, m, std::regex(R"(pointer +(\d+) cursor-only updates?.*, (\d+) drawn as frames)"))) {
    c.cursor_only = n(m[1]);
    c.pointer_frames = n(m[2]);
  }
  return c;
}

std::optional<uint64_t> first_taken_seq(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"(capture: first buffer from .*: producer's seq (\d+))"))) {
    return std::nullopt;
  }
  return std::stoull(m[1].str());
}

RunResult zerocast(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), zerocast_bin());
  return run(std::move(args), timeout);
}

Process start_zerocast(std::vector<std::string> args) {
  args.insert(args.begin(), zerocast_bin());
  return Process(std::move(args));
}

std::optional<uint64_t> wait_for_serial(const Process& p, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string key = "object.serial=";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = p.output();
    const size_t at = text.find(key);
    const size_t end = at == std::string::npos ? at : text.find(' ', at);
    if (end != std::string::npos) return std::stoull(text.substr(at + key.size(), end - at - key.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

}  // namespace zc::test
