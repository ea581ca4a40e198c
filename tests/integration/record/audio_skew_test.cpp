// A sound card's clock 2000 ppm off the system clock, for a minute: uncorrected, the sound would
// end 120 ms off the picture. Its own executable, run alone: two real-time minutes.
#include <catch2/catch.hpp>

#include "audio_record.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"

using namespace zc;
using namespace zc::test;

TEST_CASE("record --audio: a sample clock 2000 ppm fast or slow stays on the picture for a minute",
          "[record][audio][skew]") {
  PipeWireDaemon pw;
  for (double ppm : {2000.0, -2000.0}) {
    DYNAMIC_SECTION(ppm << " ppm") {
      // Uncorrected, the last click would land 120 ms off.
      const std::string path = make_temp_dir("zc-audio") + "/skew.mkv";
      const SoundRun run = record_with_sound(path, 60, ppm);
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
}
