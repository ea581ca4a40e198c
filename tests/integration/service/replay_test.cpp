// start → record → save replay → stop, through `zerocast ctl`, with every file decoded and its
// frame numbers (drawn by the test source) checked.
#include <filesystem>
#include <regex>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

double span_seconds(const DecodeResult& r) {
  if (r.frames.size() < 2) return 0;
  int64_t lo = r.frames.front().pts_us, hi = lo;
  for (const auto& f : r.frames) {
    lo = std::min(lo, f.pts_us);
    hi = std::max(hi, f.pts_us);
  }
  return static_cast<double>(hi - lo) / 1e6 + 1.0 / 30;  // + one frame at the test source's 30 fps
}

}  // namespace

TEST_CASE("a replay saved mid-capture has the requested length from a keyframe, the main file no gap",
          "[daemon][replay]") {
  DaemonHarness d;
  SignalRecorder signals;
  const std::string main_file = d.dir() + "/main.mkv";
  const std::string clip_file = d.dir() + "/clip.mkv";
  // One keyframe a second (30 frames at 30 fps): a saved replay is within one GOP of the request.
  auto started = d.ctl({"start", "-o", "main.mkv", "--replay", "10", "--gop", "30"});
  INFO(errors_first(started.output));
  REQUIRE(started.status == 0);
  const std::string path = kCapture1;
  CHECK(started.output.find(path) != std::string::npos);
  // ctl made the relative path absolute (the daemon's working directory is not the caller's).
  CHECK(d.property(path, kCaptureIface, "Outputs") == "1 \"" + main_file + "\"");

  REQUIRE(d.wait_property(
      path, kCaptureIface, "ReplaySeconds", [](auto& v) { return std::stod(v) >= 4.5; }, 20s));
  auto saved = d.ctl({"save-replay", "clip.mkv", "--seconds", "3"});
  INFO(saved.output);
  REQUIRE(saved.status == 0);
  CHECK(saved.output.find(clip_file) != std::string::npos);
  auto signal = signals.wait_for([&](auto& s) { return s.member == "ReplaySaved"; }, 5s);
  REQUIRE(signal);
  CHECK(signal->args[0] == clip_file);
  // The requested length or more (checked against the file below, with its upper bound).
  const double announced = std::stod(signal->args[1]);
  CHECK(announced >= 3.0);

  // The capture goes on after the save; then it stops and the main file is finished.
  const auto before = std::stoull(d.property(path, kCaptureIface, "FramesEncoded"));
  REQUIRE(d.wait_property(
      path, kCaptureIface, "FramesEncoded", [&](auto& v) { return std::stoull(v) >= before + 30; }, 10s));
  auto stopped = d.ctl({"stop"});
  REQUIRE(stopped.status == 0);
  CHECK(stopped.output.find("stopped " + path) != std::string::npos);

  const Numbers clip = decode_numbers(clip_file);
  INFO(clip.result.error);
  REQUIRE(clip.result.ok);
  CHECK(clip.result.decode_errors == 0);
  REQUIRE(!clip.result.frames.empty());
  CHECK(clip.result.frames.front().keyframe);
  CHECK(clip.unreadable == 0);
  std::string listed;
  for (auto n : clip.numbers)
    listed += std::to_string(n) + " ";
  INFO("clip numbers: " << listed);
  CHECK(consecutive(clip.numbers));
  // The requested length, on the capture clock: the decoded timestamps cover 3 s (less one frame
  // for the container's millisecond rounding), and what was announced.
  const double span = span_seconds(clip.result);
  CHECK(span >= 3.0 - 1.0 / 30);
  CHECK(span == Approx(announced).margin(0.05));
  // At most one GOP more: the clip starts at the latest keyframe that gives 3 s, so from its next
  // keyframe (at most 30 frames on, the --gop) the rest covers less than 3 s. Measured in time,
  // not counted in frames: on a loaded machine the source sends fewer than 30 a second.
  size_t next_key = 1;
  while (next_key < clip.result.frames.size() && !clip.result.frames[next_key].keyframe)
    ++next_key;
  REQUIRE(next_key < clip.result.frames.size());
  CHECK(next_key <= 30);
  const double first_gop =
      static_cast<double>(clip.result.frames[next_key].pts_us - clip.result.frames.front().pts_us) / 1e6;
  INFO("first GOP: " << next_key << " frames, " << first_gop << " s");
  CHECK(announced < 3.0 + first_gop + 0.002);  // + the container's millisecond rounding

  const Numbers main = decode_numbers(main_file);
  REQUIRE(main.result.ok);
  CHECK(main.result.decode_errors == 0);
  CHECK(main.unreadable == 0);
  REQUIRE(!main.numbers.empty());
  // No gap in the main file, saving or not; the clip is a stretch of it; the main file went on.
  CHECK(consecutive(main.numbers));
  REQUIRE(!clip.numbers.empty());
  CHECK(clip.numbers.front() >= main.numbers.front());
  CHECK(clip.numbers.back() + 30 <= main.numbers.back());
}

TEST_CASE("a replay with no path goes to the replay directory, and a replay-only capture needs no output",
          "[daemon][replay]") {
  DaemonHarness d;
  auto started = d.ctl({"start", "--replay", "5"});
  REQUIRE(started.status == 0);
  const std::string path = kCapture1;
  CHECK(d.property(path, kCaptureIface, "Outputs") == "0");
  // ReplaySeconds counts every packet held; a clip leaves out the newest ones while B-frames
  // shown before them are not encoded yet, and capture-clock timestamps jitter. 1.5 s held is
  // comfortably more than the 30 frames (1 s at 30 fps) asked of the clip below.
  REQUIRE(d.wait_property(
      path, kCaptureIface, "ReplaySeconds", [](auto& v) { return std::stod(v) >= 1.5; }, 20s));
  auto saved = d.ctl({"save-replay"});
  INFO(saved.output);
  REQUIRE(saved.status == 0);
  // $XDG_VIDEOS_DIR unset: ~/Videos, created on demand.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(d.dir() + "/Videos"))
    files.push_back(e.path().string());
  REQUIRE(files.size() == 1);
  CHECK(std::regex_search(files[0], std::regex("/zerocast-replay-1-[0-9]{8}-[0-9]{6}\\.mkv$")));
  // ctl says which file it wrote, and how long it is.
  CHECK(saved.output.find("saved to " + files[0] + " (") != std::string::npos);
  // Saved again at once (within the second, as a key pressed twice): a file of its own.
  auto again = d.ctl({"save-replay"});
  INFO(again.output);
  REQUIRE(again.status == 0);
  std::smatch second;
  REQUIRE(std::regex_search(again.output, second, std::regex("saved to (/\\S+\\.mkv) \\(")));
  CHECK(second[1].str() != files[0]);
  CHECK(std::regex_search(second[1].str(), std::regex("/zerocast-replay-1-[0-9]{8}-[0-9]{6}(-2)?\\.mkv$")));
  CHECK(decode_numbers(second[1].str()).result.ok);
  CHECK(std::filesystem::file_size(files[0]) > 0);
  const Numbers clip = decode_numbers(files[0]);
  REQUIRE(clip.result.ok);
  CHECK(clip.result.frames.front().keyframe);
  CHECK(consecutive(clip.numbers));
  CHECK(clip.numbers.size() >= 30);
  CHECK(d.ctl({"stop"}).status == 0);
}
