// A sound card's clock 2000 ppm off the system clock, fast and slow, for a minute: uncorrected, the
// sound would end 120 ms off the picture. Its own executable, run alone: a real-time minute.
#include <catch2/catch.hpp>

#include "audio_record.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"

using namespace zc;
using namespace zc::test;

TEST_CASE("record --audio: a sample clock 2000 ppm fast or slow stays on the picture for a minute",
          "[record][audio][skew]") {
  // Both clocks at once, each its own zerocast with its own test source (320x240, cheap) on a
  // PipeWire of its own, so neither's graph (its quantum, its cycles) is the other's: one minute of
  // the suite's time instead of two. (Both in one graph, under ASan, the slow clock's clicks stood
  // a steady 11.7 ms early.)
  const std::vector<double> skews{2000.0, -2000.0};
  PipeWireDaemon fast, slow;
  const std::vector<std::string> runtime_dirs{fast.runtime_dir(), slow.runtime_dir()};
  std::vector<std::string> paths;
  std::vector<Process> runs;
  for (size_t i = 0; i < skews.size(); ++i) {
    paths.push_back(make_temp_dir("zc-audio") + "/skew.mkv");
    std::vector<std::string> args = sound_args(paths.back(), 60, skews[i]);
    args.insert(args.begin(), zerocast_bin());
    Process::Options o;
    o.env = {{"XDG_RUNTIME_DIR", runtime_dirs[i]}};
    runs.emplace_back(std::move(args), std::move(o));
  }
  for (size_t i = 0; i < skews.size(); ++i) {
    INFO(skews[i] << " ppm");
    const auto status = runs[i].wait(std::chrono::seconds(120));
    INFO(errors_first(runs[i].output()));
    REQUIRE(status);
    REQUIRE(*status == 0);
    // Uncorrected, the last click would land 120 ms off.
    const SoundRun run = measure_sound(paths[i], runs[i].output());
    const AvOffsets& o = run.offsets;
    INFO(o.describe());
    INFO(run.log);
    REQUIRE(o.error.empty());
    // A loaded machine makes the test source skip ticks (fewer frames, so fewer marks) and now
    // and then record a mark after its click's cycle went out (a missing click).
    CHECK(o.marked_frames >= 110);
    CHECK(o.offsets_ms.size() * 10 >= static_cast<size_t>(o.marked_frames) * 9);
    REQUIRE_FALSE(o.at_s.empty());
    CHECK(o.at_s.back() >= 59.0);  // measured up to the end
    CHECK(o.worst_ms() <= 10.0);
    CHECK(std::fabs(o.audio_s - o.video_s) <= 0.022);
  }
}
