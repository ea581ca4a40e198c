#pragma once
// `zerocast record --source test --audio test`, run and measured: the helper both audio test
// files use.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "av_sync.hpp"
#include "record_support.hpp"

namespace zc::test {

inline constexpr uint32_t kFps = 30;
inline constexpr uint32_t kMarkEvery = kFps / 2;  // what `record` asks of the test source with --audio test

struct SoundRun {
  AvOffsets offsets;
  std::string log;  // zerocast's warnings and summary, for INFO
};

// The command line of a recording of the test source and its clicks.
inline std::vector<std::string> sound_args(const std::string& path, double seconds, double ppm,
                                           std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"record",
                                "--source",
                                "test",
                                "--test-size",
                                "320x240",
                                "--test-fps",
                                std::to_string(kFps),
                                "--audio",
                                "test",
                                "--test-audio-ppm",
                                std::to_string(ppm),
                                "--duration",
                                std::to_string(seconds),
                                "-o",
                                path};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A finished recording's measure: zerocast's warnings and summary, the clicks against their frames.
inline SoundRun measure_sound(const std::string& path, const std::string& output) {
  const auto warn = output.find("[W]");
  SoundRun run;
  run.log = output.substr(warn == std::string::npos ? 0 : warn, 3000) + "\n...\n" +
            output.substr(output.size() > 1500 ? output.size() - 1500 : 0);
  run.offsets = measure_av_offsets(path, kMarkEvery);
  return run;
}

inline SoundRun record_with_sound(const std::string& path, double seconds, double ppm,
                                  std::vector<std::string> extra = {}) {
  auto r =
      zerocast(sound_args(path, seconds, ppm, std::move(extra)), std::chrono::seconds(static_cast<int>(seconds) + 60));
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  return measure_sound(path, r.output);
}

}  // namespace zc::test
