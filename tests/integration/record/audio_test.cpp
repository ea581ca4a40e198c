// `zerocast record` with sound, end to end: the test source's picture and its clicking audio (on
// a clock that may run fast or slow), a real PipeWire, real encoders; the offsets measured in the
// decoded file, click by click.
#include <filesystem>

#include <catch2/catch.hpp>

#include "audio_record.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;

TEST_CASE("record --audio: the sound is on the picture at every marked frame", "[record][audio]") {
  PipeWireDaemon pw;
  const std::string path = make_temp_dir("zc-audio") + "/sync.mkv";
  const SoundRun run = record_with_sound(path, 10, 0);
  const AvOffsets& o = run.offsets;
  INFO(o.describe());
  INFO(run.log);
  REQUIRE(o.error.empty());
  CHECK(o.marked_frames >= 18);
  // A click for (nearly) every mark: a loaded machine may delay a mark past its click's cycle.
  CHECK(o.offsets_ms.size() * 10 >= static_cast<size_t>(o.marked_frames) * 9);
  CHECK(o.worst_ms() <= 10.0);
  CHECK(std::fabs(o.audio_s - o.video_s) <= 0.022);  // within one audio frame (and mkv's 1 ms ticks)
}

TEST_CASE("record --audio: every audio codec in every container that carries it", "[record][audio]") {
  PipeWireDaemon pw;
  struct Case {
    const char* ext;
    const char* codec;
  };
  for (const Case c :
       {Case{"mkv", "aac"}, Case{"mp4", "opus"}, Case{"mp4", "aac"}, Case{"ts", "aac"}, Case{"ts", "opus"}}) {
    DYNAMIC_SECTION(c.ext << " " << c.codec) {
      const std::string path = make_temp_dir("zc-audio") + "/pair." + c.ext;
      SoundRun run = record_with_sound(path, 4, 0, {"--audio-codec", c.codec});
      AvOffsets o = run.offsets;
      INFO(o.describe());
      INFO(run.log);
      REQUIRE(o.error.empty());
      if (std::string(c.ext) == "mp4") {
        // FFmpeg 5.1's fragmented mp4 starts every track at 0: the first audio packet moves to the
        // video's first dts (README, Durability); from the second packet on, the sound is in place.
        while (!o.at_s.empty() && o.at_s.front() < 0.1) {
          o.at_s.erase(o.at_s.begin());
          o.offsets_ms.erase(o.offsets_ms.begin());
        }
      }
      CHECK(o.offsets_ms.size() >= 7);
      CHECK(o.worst_ms() <= 10.0);
      // Opus in mkv says how much to trim (pre-skip, end padding): within a frame. AAC's 1024
      // priming samples and its encoder's flush, and Opus in mp4 and MPEG-TS, are decoded as
      // they are: up to three frames more.
      const bool aac = std::string(c.codec) == "aac";
      const bool trimmed = !aac && std::string(c.ext) == "mkv";  // fragmented mp4 keeps no edit list
      const double frame_s = aac ? 1024.0 / 48000 : 960.0 / 48000;
      CHECK(o.audio_s >= o.video_s - frame_s);
      CHECK(o.audio_s <= o.video_s + (trimmed ? 1 : 3) * frame_s + 0.001);
    }
  }
  SECTION("FLV carries no Opus: refused before anything opens") {
    auto r = zerocast({"record", "--source", "test", "--audio", "test", "--audio-codec", "opus", "--duration", "1",
                       "-o", "rtmp://127.0.0.1:1/live/x"});
    INFO(errors_first(r.output));
    CHECK(r.status == 2);
    CHECK(r.output.find("FLV/RTMP carries only AAC audio") != std::string::npos);
  }
}

TEST_CASE("record --audio: two sources mixed into one track, or a track each", "[record][audio]") {
  PipeWireDaemon pw(PipeWireDaemon::Options{.null_sink = true});  // `output`: the null sink's monitor
  const std::string dir = make_temp_dir("zc-audio-tracks");
  for (const char* tracks : {"mix", "separate"}) {
    DYNAMIC_SECTION(tracks) {
      const std::string path = dir + "/" + tracks + ".mkv";
      const SoundRun run = record_with_sound(path, 4, 0, {"--audio", "output,volume=-6", "--audio-tracks", tracks});
      INFO(run.log);
      const auto probe = probe_streams(path);
      INFO(probe.error);
      REQUIRE(probe.ok);
      const bool mix = std::string(tracks) == "mix";
      REQUIRE(probe.streams.size() == (mix ? 2u : 3u));
      const auto* video = probe.first(false);
      REQUIRE(video);
      for (const auto& s : probe.streams) {
        if (!s.audio) continue;
        CHECK(s.codec == "opus");
        CHECK(s.decode_errors == 0);
        // Every track as long as the picture: the track ends with the last picture, the encoder
        // pads its last 20 ms frame (seen: 27 ms longer on a loaded CI machine), Matroska's 1 ms
        // ticks.
        CHECK(std::fabs(static_cast<double>(s.duration_us() - video->duration_us())) / 1e6 <= 0.030);
      }
      // The test source's clicks (the first source, and the mix) on the picture.
      const AvOffsets& o = run.offsets;
      INFO(o.describe());
      REQUIRE(o.error.empty());
      CHECK(o.offsets_ms.size() * 10 >= static_cast<size_t>(o.marked_frames) * 9);
      CHECK(o.worst_ms() <= 10.0);
    }
  }
}
