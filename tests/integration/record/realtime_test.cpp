// The foundation's promise, measured in real time: 60 s of 1920x1080 at 60 fps from the test
// source, encoded by libx264 ultrafast on whatever this machine has (CI: 2 cores), with no frame
// dropped, duplicated or reordered — the frame numbers in the decoded file prove it.
// Label `realtime`: it runs alone, and only in the normal build (ASan is too slow for real time).
#include <catch2/catch.hpp>

#include "record_support.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;

namespace {

// How much faster than real time this machine runs the encoder alone on the same job: FFmpeg's
// libx264 (ultrafast, zerolatency, 8 Mbit/s, 2 threads) on 240 generated 1080p60 frames (4 s of
// video), wall time. The whole of zerocast (the producer drawing, capture, conversion, the
// encoder) shares the same cores, so below 2x the encoder alone leaves no room to keep up and a
// lost frame would say nothing about zerocast.
double encoder_realtime_factor() {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = zc::test::run({"ffmpeg",    "-hide_banner", "-nostdin",
                          "-loglevel", "error",        "-f",
                          "lavfi",     "-i",           "testsrc2=s=1920x1080:r=60",
                          "-frames:v", "240",          "-c:v",
                          "libx264",   "-preset",      "ultrafast",
                          "-tune",     "zerolatency",  "-b:v",
                          "8M",        "-threads",     "2",
                          "-f",        "null",         "-"},
                         60s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r.status == 0 && wall > 0 ? 4.0 / wall : 0;
}

}  // namespace

TEST_CASE("record: 60 s of 1080p60 with libx264 ultrafast, no frame lost", "[record][realtime]") {
  if (!zc::test::have_program("ffmpeg")) ZC_SKIP("ffmpeg (the encoder-alone reference) is not installed");
  const double factor = encoder_realtime_factor();
  if (factor < 2.0) {
    ZC_SKIP("this machine runs libx264 alone on 1080p60 at " + std::to_string(factor) +
            "x real time (under 2x): no room for the producer and capture beside it");
  }
  zc::test::PipeWireDaemon pw;
  const auto out = zc::test::make_temp_dir("zc-rt") + "/rt.mkv";
  auto r =
      zc::test::zerocast({"record", "--source", "test", "--test-size", "1920x1080", "--test-fps", "60", "--encoder",
                          "libx264", "--low-latency", "--bitrate", "8000", "--duration", "60", "-o", out},
                         150s);
  INFO(zc::test::errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("dropped   0 ") != std::string::npos);
  const auto d = zc::test::decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.decode.decode_errors == 0);
  // Every frame zerocast captured is in the file. The source itself skips a tick while its last
  // graph cycle has not reported done (a late consumer on a loaded machine: 7 of 3600 once in
  // CI; src/testsrc/README.md), so it may send a few less than 3600; at most 1 % less.
  const auto counts = zc::test::summary_counts(r.output);
  REQUIRE(counts);
  CHECK(d.numbers.size() == counts->captured);
  CHECK(d.numbers.size() >= 3564);
  CHECK(d.numbers.size() <= 3601);
  // A frame the producer numbered and queued that a graph cycle overwrote before capture took it
  // (seen at the start on a loaded machine: 'gap after 2: next is 4') is counted as missed, not
  // lost by zerocast: the numbers may skip exactly that many.
  CHECK(counts->missed <= 36);
  const auto problem = zc::test::consecutive_problem(d.numbers, counts->missed);
  INFO(problem);
  CHECK(problem.empty());
  REQUIRE(!d.decode.frames.empty());
  // The file spans the minute on the capture clock.
  const double span_s = static_cast<double>(d.decode.frames.back().pts_us - d.decode.frames.front().pts_us) / 1e6;
  CHECK(span_s > 59.5);
  CHECK(span_s < 60.5);
}
