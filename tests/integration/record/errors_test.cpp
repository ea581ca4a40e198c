// `zerocast record` when things go wrong: bad requests are refused before anything opens, with a
// named error and the documented exit code; broken buffers are counted and skipped; a producer or
// an output that fails ends the run cleanly, for every encoder (SVT-AV1 must never be freed unfed).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "record_losses.hpp"
#include "record_support.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using zc::test::decode_numbers;
using zc::test::errors_first;
using zc::test::zerocast;

namespace {

std::string temp_dir() {
  return zc::test::make_temp_dir("zc-err");
}

zc::testsrc::Options small_source() {
  zc::testsrc::Options so;
  so.width = 320;
  so.height = 240;
  so.fps = 30;
  return so;
}

// small_source() carrying `defects` (parse_defect's texts).
zc::testsrc::Options source_with(std::initializer_list<const char*> defects) {
  auto so = small_source();
  for (const char* d : defects) {
    auto spec = zc::testsrc::parse_defect(d);
    REQUIRE(spec);
    so.defects.push_back(*spec);
  }
  return so;
}

// Starts `source` and runs `zerocast record --frames FRAMES -o OUT` from it.
zc::test::RunResult record_from(zc::testsrc::TestSource& source, int frames, const std::string& out) {
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  return zerocast(
      {"record", "--source", "serial:" + std::to_string(node->serial), "--frames", std::to_string(frames), "-o", out},
      30s);
}

// A record_from() that finished (exit 0), with what the checks read: the summary's losses (of
// `frames`, divisor 4) and counts, and the file's numbers (decoded, as many as recorded).
struct Recorded {
  zc::test::RunResult run;
  zc::test::Losses loss;
  zc::test::SummaryCounts counts;
  zc::test::NumberedDecode decoded;
};
Recorded record_and_decode(zc::testsrc::TestSource& source, int frames, const std::string& out) {
  Recorded rec{record_from(source, frames, out), {}, {}, {}};
  INFO(rec.run.output);
  REQUIRE(rec.run.status == 0);
  rec.loss = zc::test::check_losses(rec.run.output, static_cast<size_t>(frames), 4);
  const auto counts = zc::test::summary_counts(rec.run.output);
  REQUIRE(counts);
  rec.counts = *counts;
  rec.decoded = decode_numbers(out);
  REQUIRE(rec.decoded.decode.ok);
  CHECK(rec.decoded.numbers.size() == static_cast<size_t>(frames) - rec.loss.behind);
  REQUIRE_FALSE(rec.decoded.numbers.empty());
  REQUIRE(rec.decoded.numbers.front());
  return rec;
}

}  // namespace

TEST_CASE("record: impossible codec/container pairs are refused before anything opens", "[record][errors]") {
  const auto dir = temp_dir();
  struct Case {
    const char* codec;
    std::string output;
  };
  for (const Case& c :
       {Case{"av1", dir + "/x.ts"}, Case{"hevc", "rtmp://127.0.0.1:1/live/key"}, Case{"av1", "srt://127.0.0.1:9"}}) {
    auto r = zerocast({"record", "--source", "node:1", "--codec", c.codec, "-o", c.output}, 10s);
    INFO(c.codec << " " << c.output << "\n" << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.codec == std::string("av1") ? "AV1" : "HEVC") != std::string::npos);
    // Refused before PipeWire was asked anything: no private daemon, no capture attempt.
    CHECK(r.output.find("capture:") == std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/x.ts"));
}

TEST_CASE("record: bad arguments are usage errors", "[record][errors]") {
  CHECK(zerocast({"record", "-o", "/tmp/x.mkv", "--codec", "mpeg2"}, 10s).status == 2);
  CHECK(zerocast({"record", "-o", "/tmp/x.mkv", "--scale", "641x360"}, 10s).status == 2);
  CHECK(zerocast({"record", "-o", "/tmp/x.xyz"}, 10s).status == 2);
  CHECK(zerocast({"record", "-o", "/tmp/x.mkv", "--source", "bogus"}, 10s).status == 2);
  CHECK(zerocast({"record", "--source", "test", "-o", "/tmp/x.mkv", "--encoder", "libx265"}, 10s).status == 2);
  // No -o is no longer a mistake (a new file in the videos folder); the rest is still checked first.
  CHECK(zerocast({"record", "--codec", "mpeg2"}, 10s).status == 2);
}

TEST_CASE("record: a missing node is a source error that lists the video sources", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  auto r = zerocast({"record", "--source", "node:99999", "-o", temp_dir() + "/n.mkv"}, 20s);
  INFO(errors_first(r.output));
  CHECK(r.status == 3);
  CHECK(r.output.find("99999") != std::string::npos);
  CHECK(r.output.find("video sources") != std::string::npos);
}

TEST_CASE("record: credentials in URLs never appear in what zerocast prints", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  // Nobody listens on these ports: the outputs fail, and their errors must be redacted.
  auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "30", "-o",
                     "rtmp://alice:pa55word99@127.0.0.1:9/live/streamkey12345", "-o",
                     "srt://127.0.0.1:9?mode=caller&passphrase=secretphrase99&connect_timeout=500"},
                    40s);
  INFO(errors_first(r.output));
  CHECK(r.output.find("pa55word99") == std::string::npos);
  CHECK(r.output.find("streamkey12345") == std::string::npos);
  CHECK(r.output.find("secretphrase99") == std::string::npos);
  CHECK(r.output.find("***") != std::string::npos);
}

TEST_CASE("record: every injected defect is counted and skipped, the file holds the rest", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  zc::testsrc::TestSource source(source_with(
      {"corrupted-flag@10", "corrupted-chunk@15", "zero-chunk@20", "bad-stride@25", "short-buffer@30", "lost@35"}));
  const auto out = temp_dir() + "/d.mkv";
  auto r = record_from(source, 45, out);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  // The frame numbered but never sent is missed, not dropped: read off the producer's numbers.
  // Where losses are allowed (record_losses.hpp) there may be more, a defective one among them
  // (then missed, not invalid).
  const auto loss = zc::test::check_losses(r.output, 45, 4, 1);
  const auto counts = zc::test::summary_counts(r.output);
  REQUIRE(counts);
  const uint64_t link_lost = loss.missed - 1;
  CHECK(counts->invalid_buffers <= 5);
  CHECK(counts->invalid_buffers + link_lost >= 5);
  const auto decoded = decode_numbers(out);
  REQUIRE(decoded.decode.ok);
  REQUIRE(decoded.numbers.size() == 45 - loss.behind);
  // Exactly the defective frames are missing (and those lost as allowed); everything else is there
  // once, in order.
  std::vector<uint32_t> got;
  for (const auto& n : decoded.numbers) {
    REQUIRE(n);
    got.push_back(*n);
  }
  const auto defective = [](uint32_t n) { return n == 10 || n == 15 || n == 20 || n == 25 || n == 30 || n == 35; };
  std::vector<uint32_t> expected;
  for (uint32_t n = got.front(); n <= got.back(); ++n) {
    if (!defective(n)) expected.push_back(n);
  }
  INFO("lost in the link " << link_lost << " (defective ones among them " << 5 - counts->invalid_buffers
                           << "), encoder behind " << loss.behind);
  CHECK(std::is_sorted(got.begin(), got.end()));
  CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
  CHECK(std::includes(expected.begin(), expected.end(), got.begin(), got.end()));
  CHECK(expected.size() - got.size() == link_lost - (5 - counts->invalid_buffers) + loss.behind);
}

TEST_CASE("record: a buffer sent again with an older number is skipped and counted, the picture never goes back",
          "[record][errors]") {
  // What GStreamer's pipewiresink on PipeWire 1.4 now and then does (README, Defects): a buffer
  // sent again as its last fill left it. Taken, its older frame went out after newer ones.
  zc::test::PipeWireDaemon pw;
  // None after the last frame recorded: a capture still running then would count it.
  zc::testsrc::TestSource source(source_with({"stale@20", "stale@30", "stale@40"}));
  const auto [r, loss, counts, decoded] = record_and_decode(source, 50, temp_dir() + "/s.mkv");
  INFO(errors_first(r.output));
  REQUIRE(decoded.numbers.back());
  // The stale buffers sent between the first frame recorded and the last.
  uint64_t sent = 0;
  for (uint32_t n = 20; n <= std::min<uint32_t>(40, *decoded.numbers.back()); n += 10)
    sent += n > *decoded.numbers.front() ? 1 : 0;
  INFO("frames " << *decoded.numbers.front() << " to " << *decoded.numbers.back() << ", stale buffers sent " << sent);
  CHECK(sent >= 2);
  CHECK(source.stats().defect_count(zc::testsrc::DefectKind::Stale) == 3);
  // Each one skipped and counted; on PipeWire 1.x the link may lose one, unseen (an old number is
  // no gap in the numbers).
  CHECK(counts.invalid_buffers <= sent);
  CHECK(counts.invalid_buffers >= (zc::test::pipewire_loses_in_link() ? 1 : sent));
  CHECK(zc::test::count(r.output, "stale_buffer") >= 1);
  // Numbers may skip what the summary counts: missed in the link, or dropped while the encoder was
  // behind (the emulated guest only, record_losses.hpp).
  CHECK(zc::test::consecutive_problem(decoded.numbers, loss.skipped()).empty());
}

TEST_CASE("record: cursor-only buffers (a pointer moved) are frames of the last picture, not invalid buffers",
          "[record][errors]") {
  // What mutter and KWin send when only the pointer moves and the cursor is metadata: a buffer
  // whose picture is not to be looked at, with the cursor meta. Before, each one counted as an
  // invalid buffer in the summary (a GNOME user moving the mouse saw hundreds), and later it was
  // no frame at all (the pointer froze over a still picture until the next one).
  zc::test::PipeWireDaemon pw;
  auto so = source_with({"cursor-only@20/3"});
  so.cursor = true;
  zc::testsrc::TestSource source(so);
  const auto [r, loss, counts, decoded] = record_and_decode(source, 40, temp_dir() + "/c.mkv");
  INFO(errors_first(r.output));
  CHECK(counts.invalid_buffers == 0);
  CHECK(zc::test::count(r.output, "corrupted_chunk") == 0);
  // The producer's numbers from the first picture recorded: each picture in order, and at each
  // cursor-only number the picture before it again (the CPU path draws the pointer over its copy
  // of the last picture); no more pictures missing than the summary counts missed (PipeWire 1.x
  // loses one at the link's start) or dropped while the encoder was behind (the emulated guest).
  const auto cursor_only = [](uint32_t n) { return n >= 20 && (n - 20) % 3 == 0; };
  uint64_t misses = loss.skipped();
  uint64_t drawn = 0;
  uint32_t n = *decoded.numbers.front();
  std::optional<uint32_t> shown;
  for (const auto& got : decoded.numbers) {
    REQUIRE(got);
    INFO("picture " << *got << ", producer's number " << n);
    while (true) {
      if (cursor_only(n) && shown && *got == *shown) {
        ++drawn;  // the pointer move: the last picture again
        ++n;
        break;
      }
      if (*got == n && !cursor_only(n)) {
        shown = n++;
        break;
      }
      // Number n never became this picture: a cursor-only one the link lost or the encoder's
      // queue dropped, or a picture lost and counted.
      REQUIRE(*got > n);
      if (!cursor_only(n)) {
        REQUIRE(misses > 0);
        --misses;
      }
      ++n;
    }
  }
  INFO(drawn << " pointer moves recorded as pictures");
  CHECK(drawn >= 6);
  // Every cursor-only buffer of the recording was drawn (those after its end are not counted, as
  // frames then are not; the first came long after the first picture), and each drawn one
  // recorded (unless the encoder's queue dropped it, in the emulated guest).
  CHECK(counts.pointer_frames == counts.cursor_only);
  CHECK(drawn <= counts.pointer_frames);
  CHECK(drawn + loss.behind >= counts.pointer_frames);
  CHECK(counts.cursor_only <= source.stats().defect_count(zc::testsrc::DefectKind::CursorOnly));
}

TEST_CASE("record: a resize mid-stream starts a new file NAME-001", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  auto so = small_source();
  auto spec = zc::testsrc::parse_defect("resize@20:480x270");
  REQUIRE(spec);
  so.defects.push_back(*spec);
  zc::testsrc::TestSource source(so);
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  const auto dir = temp_dir();
  auto r = zerocast(
      {"record", "--source", "serial:" + std::to_string(node->serial), "--frames", "40", "-o", dir + "/r.mkv"}, 30s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  const auto a = decode_numbers(dir + "/r.mkv");
  const auto b = decode_numbers(dir + "/r-001.mkv");
  REQUIRE(a.decode.ok);
  REQUIRE(b.decode.ok);
  CHECK(a.decode.frames.front().width == 320);
  CHECK(b.decode.frames.front().width == 480);
  CHECK(b.decode.frames.front().height == 270);
  const auto loss = zc::test::check_losses(r.output, 40, 4);
  CHECK(a.numbers.size() + b.numbers.size() == 40 - loss.behind);
  REQUIRE(!a.numbers.empty());
  REQUIRE(!b.numbers.empty());
  // The second file goes on where the first stopped: one run of numbers across both.
  auto both = a.numbers;
  both.insert(both.end(), b.numbers.begin(), b.numbers.end());
  INFO(zc::test::consecutive_problem(both, loss.skipped()));
  CHECK(zc::test::consecutive_problem(both, loss.skipped()).empty());
}

TEST_CASE("record: a producer that vanishes ends the run cleanly, the file playable", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  auto so = small_source();
  auto spec = zc::testsrc::parse_defect("disappear@30");
  REQUIRE(spec);
  so.defects.push_back(*spec);
  zc::testsrc::TestSource source(so);
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  const auto out = temp_dir() + "/g.mkv";
  auto r = zerocast({"record", "--source", "serial:" + std::to_string(node->serial), "-o", out}, 30s);
  INFO(errors_first(r.output));
  CHECK(r.status == 0);
  CHECK(r.output.find("producer ended") != std::string::npos);
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  // Every frame sent before it vanished, less those lost as allowed (record_losses.hpp).
  const auto loss = zc::test::check_losses(r.output, 30, 4);
  CHECK(d.numbers.size() <= 30);
  CHECK(d.numbers.size() + zc::test::losses_allowed(30, 4) >= 30);
  INFO(zc::test::consecutive_problem(d.numbers, loss.skipped()));
  CHECK(zc::test::consecutive_problem(d.numbers, loss.skipped()).empty());
}

// The early-error paths, for every encoder: never hang (SVT-AV1 1.4 blocks forever when an
// encoder that got no frame is freed), always a named error and the documented exit code.
TEST_CASE("record: producer gone before the first frame, for every codec", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  for (const char* codec : {"h264", "hevc", "av1"}) {
    auto so = small_source();
    auto spec = zc::testsrc::parse_defect("disappear@0");
    REQUIRE(spec);
    so.defects.push_back(*spec);
    zc::testsrc::TestSource source(so);
    REQUIRE(source.start());
    auto node = source.wait_for_node(5s);
    REQUIRE(node);
    auto r = zerocast(
        {"record", "--source", "serial:" + std::to_string(node->serial), "--codec", codec, "-o", temp_dir() + "/e.mkv"},
        30s);
    INFO(codec << "\n" << r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.status == 3);
  }
}

TEST_CASE("record: an output that fails at its header, for every codec", "[record][errors]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = temp_dir();
  std::filesystem::create_symlink("/dev/full", dir + "/full.mkv");
  for (const char* codec : {"h264", "hevc", "av1"}) {
    auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "30",
                       "--codec", codec, "-o", dir + "/full.mkv"},
                      30s);
    INFO(codec << "\n" << r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.status == 5);
    CHECK(r.output.find("No space left on device") != std::string::npos);
  }
}
