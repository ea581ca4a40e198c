// `zerocast record` paused and resumed by its signals (SIGUSR1, SIGUSR2): the file leaves the
// paused time out, its timestamps run on without a gap, the picture after the pause is a keyframe
// and the test source's clicks stay on their frames across it.
#include <csignal>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "audio_record.hpp"
#include "pause_check.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// Frames an encoder that falls behind may drop in a row (a sanitizer build on a busy machine)
// without that counting as the pause's jump in the test source's numbers (about 90 at 30 fps).
constexpr uint32_t kDropsAllowed = 15;

// The summary's "paused    N time(s), S s left out (F frames)".
struct PausedLine {
  int times = -1;
  double seconds = -1;
};
PausedLine paused_line(const std::string& output) {
  PausedLine p;
  std::smatch m;
  if (std::regex_search(output, m, std::regex(R"(paused +([0-9]+) times?, ([0-9.]+) s left out)"))) {
    p.times = std::stoi(m[1]);
    p.seconds = std::stod(m[2]);
  }
  return p;
}

// Starts a recording of the test source with its clicks and waits for its first buffer; the
// moment it came (within the poll's 50 ms).
std::chrono::steady_clock::time_point start_recording(Process& p) {
  REQUIRE(wait_until([&] { return p.output().find("first buffer from") != std::string::npos; }, 30s));
  return std::chrono::steady_clock::now();
}

}  // namespace

TEST_CASE("record: SIGUSR1 pauses and SIGUSR2 resumes into one continuous file, sound on the picture",
          "[record][audio][pause]") {
  PipeWireDaemon pw;
  const std::string path = make_temp_dir("zc-pause") + "/paused.mkv";
  auto args = sound_args(path, 9, 0, {"-v"});
  Process p = start_zerocast(args);
  const auto t0 = start_recording(p);
  std::this_thread::sleep_until(t0 + 3s);
  p.signal(SIGUSR1);
  std::this_thread::sleep_until(t0 + 4s);
  p.signal(SIGUSR1);  // already paused: said, and nothing else
  std::this_thread::sleep_until(t0 + 6s);
  p.signal(SIGUSR2);
  const auto status = p.wait(60s);
  const std::string output = p.output();
  INFO(errors_first(output));
  REQUIRE(status == 0);
  CHECK(output.find("SIGUSR1 (pause) ignored: already paused") != std::string::npos);
  const PausedLine line = paused_line(output);
  REQUIRE(line.times == 1);
  CHECK(line.seconds >= 2.8);
  CHECK(line.seconds <= 3.3);

  const PausedFile f = read_paused_file(path, kMarkEvery, kDropsAllowed);
  INFO(f.describe());
  REQUIRE(f.error.empty());
  REQUIRE(f.av.error.empty());
  // The file is the 9 s less the paused time (to a frame and a half: where the run ends).
  CHECK(std::fabs(f.av.video_s + line.seconds - 9.0) <= 0.05);
  // No gap in the timestamps: the pictures follow each other at the rate across the pause.
  CHECK(f.largest_gap_ms <= 1.5 * 1000.0 / kFps);
  // One jump in the test source's numbers: the paused frames, about 3 s of them, then a keyframe.
  REQUIRE(f.jumps.size() == 1);
  const double skipped = f.jumps[0].to - f.jumps[0].from - 1;
  CHECK(std::fabs(skipped - line.seconds * kFps) <= 3);
  CHECK(std::fabs(f.jumps[0].at_s - 3.0) <= 0.3);
  CHECK(f.jumps[0].keyframe);
  // The sound was cut at the same moments: every click still on its frame, before and after.
  CHECK(f.av.offsets_ms.size() * 10 >= static_cast<size_t>(f.av.marked_frames) * 9);
  CHECK(f.av.worst_ms() <= 10.0);
  const auto after = std::count_if(f.av.at_s.begin(), f.av.at_s.end(), [&](double at) { return at > f.jumps[0].at_s; });
  CHECK(after >= 5);
  CHECK(std::fabs(f.av.audio_s - f.av.video_s) <= 0.022);
}

TEST_CASE("record: a recording that ends while paused ends where the picture stopped, its sound too",
          "[record][audio][pause]") {
  PipeWireDaemon pw;
  const std::string path = make_temp_dir("zc-pause") + "/ends-paused.mkv";
  Process p = start_zerocast(sound_args(path, 4, 0, {"-v"}));
  const auto t0 = start_recording(p);
  std::this_thread::sleep_until(t0 + 1500ms);
  p.signal(SIGUSR1);
  const auto status = p.wait(60s);
  const std::string output = p.output();
  INFO(errors_first(output));
  REQUIRE(status == 0);
  const PausedLine line = paused_line(output);
  REQUIRE(line.times == 1);
  const PausedFile f = read_paused_file(path, kMarkEvery, kDropsAllowed);
  INFO(f.describe());
  REQUIRE(f.av.error.empty());
  // --duration counts the clock: the paused rest of it (2.5 s) is not in the file.
  CHECK(f.av.video_s >= 1.3);
  CHECK(f.av.video_s <= 1.8);
  CHECK(f.jumps.empty());
  CHECK(std::fabs(f.av.audio_s - f.av.video_s) <= 0.022);
}
