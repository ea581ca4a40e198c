// Pause and Resume in the daemon (D-Bus, `zerocast ctl`): a capture paused for 3 of its 9 s
// writes a 6 s file whose timestamps run on without a gap, with a keyframe after the pause and the
// test source's clicks still on their frames; the Paused property, ctl status and the counters
// say so while it is paused, and nothing is encoded then.
#include <cmath>
#include <thread>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "pause_check.hpp"
#include "support/text.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// Frames an encoder that falls behind may drop in a row (a sanitizer build on a busy machine)
// without that counting as the pause's jump in the test source's numbers (about 90 at 30 fps).
constexpr uint32_t kDropsAllowed = 15;

constexpr uint32_t kMarkEvery = 15;  // the 30 fps test source clicks twice a second

uint64_t frames_encoded(DaemonHarness& d) {
  return std::stoull(d.property(kCapture1, kCaptureIface, "FramesEncoded"));
}

}  // namespace

TEST_CASE("daemon: Pause and Resume leave the paused time out of the file, sound on the picture",
          "[daemon][audio][pause]") {
  DaemonHarness d;
  const std::string path = d.dir() + "/paused.mkv";
  auto started = d.ctl({"start", "-o", path, "--audio", "test"});
  INFO(errors_first(started.output));
  REQUIRE(started.status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 1; }, 20s));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(d.property(kCapture1, kCaptureIface, "Paused") == "false");

  std::this_thread::sleep_until(t0 + 3s);
  const auto pause_call = std::chrono::steady_clock::now();
  auto paused = d.ctl({"pause"});
  INFO(paused.output);
  REQUIRE(paused.status == 0);
  CHECK(has(paused.output, "paused " + kCapture1));
  CHECK(d.property(kCapture1, kCaptureIface, "Paused") == "true");
  auto again = d.ctl({"pause"});
  CHECK(again.status == 0);
  CHECK(has(again.output, "already paused"));
  // Nothing is encoded while paused (what was queued before drains within the first second).
  std::this_thread::sleep_until(t0 + 4s);
  const uint64_t encoded = frames_encoded(d);
  std::this_thread::sleep_until(t0 + 5500ms);
  CHECK(frames_encoded(d) == encoded);
  auto status = d.ctl({"status"});
  CHECK(has(status.output, "(paused)"));
  CHECK(has(d.property(kCapture1, kCaptureIface, "Counters"), "\"frames_paused\""));

  std::this_thread::sleep_until(t0 + 6s);
  auto resumed = d.ctl({"resume"});
  INFO(resumed.output);
  REQUIRE(resumed.status == 0);
  CHECK(has(resumed.output, "resumed " + kCapture1));
  CHECK(d.property(kCapture1, kCaptureIface, "Paused") == "false");
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [&](auto& v) { return std::stoull(v) > encoded + 30; }, 5s));
  std::this_thread::sleep_until(t0 + 9s);
  const double paused_s = std::stod(d.property(kCapture1, kCaptureIface, "PausedSeconds"));
  CHECK(paused_s >= 2.8);
  CHECK(paused_s <= 3.4);
  const auto stop_call = std::chrono::steady_clock::now();
  auto stopped = d.ctl({"stop"});
  REQUIRE(stopped.status == 0);

  const PausedFile f = read_paused_file(path, kMarkEvery, kDropsAllowed);
  INFO(f.describe());
  INFO(d.logs().substr(0, 4000));
  REQUIRE(f.error.empty());
  REQUIRE(f.av.error.empty());
  CHECK(f.largest_gap_ms <= 1.5 * 1000.0 / 30);
  REQUIRE(f.jumps.size() == 1);
  // About 9 s of capture less the paused 3. The first frame's moment as the file says it: the
  // pause call less where the jump sits (a poll of FramesEncoded can see the first frame late
  // on a loaded machine); both ctl calls take about as long, so their latencies cancel.
  const double captured_s = std::chrono::duration<double>(stop_call - pause_call).count() + f.jumps[0].at_s;
  CHECK(std::fabs(f.av.video_s - (captured_s - paused_s)) <= 0.3);
  CHECK(f.av.video_s >= 5.0);
  CHECK(f.av.video_s <= 7.0);
  CHECK(std::fabs(f.jumps[0].to - f.jumps[0].from - 1 - paused_s * 30) <= 3);
  CHECK(f.jumps[0].keyframe);
  CHECK(f.av.offsets_ms.size() * 10 >= static_cast<size_t>(f.av.marked_frames) * 9);
  CHECK(f.av.worst_ms() <= 10.0);
  CHECK(std::fabs(f.av.audio_s - f.av.video_s) <= 0.022);
}
