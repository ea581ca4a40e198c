// `zerocast record --source test`: what a user runs first. Each test gets its own PipeWire; the
// decoded output must hold every frame the test source sent, in order, once.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "record_losses.hpp"
#include "record_support.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using zc::test::consecutive_problem;
using zc::test::decode_numbers;
using zc::test::errors_first;
using zc::test::zerocast;

namespace {

std::string temp_file(const std::string& name) {
  return zc::test::make_temp_dir("zc-rec") + "/" + name;
}

// The summary's counts add up: every frame captured was encoded or dropped for a reason. Frames
// that come while the recording ends are not captured ones.
void check_counts_add_up(const std::string& output) {
  const auto c = zc::test::summary_counts(output);
  REQUIRE(c);
  CHECK(c->captured == c->encoded - c->repeated + c->encoder_behind + c->import_failures);
}

// `output`: zerocast's, whose summary counts the frames lost and why (record_losses.hpp).
void check_file(const std::string& path, const std::string& output, size_t frames, uint32_t width, uint32_t height,
                const std::string& codec) {
  INFO(path);
  const auto d = decode_numbers(path);
  REQUIRE(d.decode.ok);
  CHECK(d.decode.codec == codec);
  CHECK(d.decode.decode_errors == 0);
  const auto loss = zc::test::check_losses(output, frames, 4);
  REQUIRE(d.decode.frames.size() == frames - loss.behind);
  CHECK(d.decode.frames.front().width == width);
  CHECK(d.decode.frames.front().height == height);
  CHECK(d.decode.frames.front().keyframe);
  INFO(consecutive_problem(d.numbers, loss.skipped()));
  CHECK(consecutive_problem(d.numbers, loss.skipped()).empty());
  // Timestamps on the capture clock: increasing, one frame interval apart at 30 fps on average.
  // Each step jitters with the producer's and PipeWire's wake-ups on a loaded machine (and a
  // late tick of the test source is a skipped slot), so one step is only bounded loosely; the
  // average over the whole file, per frame the producer numbered (a lost one leaves its slot
  // empty), is what the rate shows.
  constexpr int64_t kIntervalUs = 1'000'000 / 30;
  for (size_t i = 1; i < d.decode.frames.size(); ++i) {
    const int64_t step = d.decode.frames[i].pts_us - d.decode.frames[i - 1].pts_us;
    // Per numbered frame: a lost one (counted, above) leaves its interval in the step.
    const int64_t slots = d.numbers[i] && d.numbers[i - 1] && *d.numbers[i] > *d.numbers[i - 1]
                              ? static_cast<int64_t>(*d.numbers[i] - *d.numbers[i - 1])
                              : 1;
    INFO("picture " << i << ", step " << step << " us over " << slots << " numbers");
    CHECK(step > 0);
    CHECK(step < 250'000 * slots);
  }
  REQUIRE(d.numbers.front());
  REQUIRE(d.numbers.back());
  REQUIRE(*d.numbers.back() > *d.numbers.front());
  const double average_us = static_cast<double>(d.decode.frames.back().pts_us - d.decode.frames.front().pts_us) /
                            static_cast<double>(*d.numbers.back() - *d.numbers.front());
  CHECK(average_us == Approx(kIntervalUs).epsilon(0.25));
}

}  // namespace

TEST_CASE("record: every frame of the test source, in order, once (h264/mkv)", "[record]") {
  zc::test::PipeWireDaemon pw;
  const auto out = temp_file("a.mkv");
  auto r = zerocast(
      {"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "60", "-o", out});
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("finished: frame count reached") != std::string::npos);
  check_counts_add_up(r.output);
  check_file(out, r.output, 60, 320, 240, "h264");
  // The colour tags travel in the file.
  const auto d = zc::test::decode_file(out);
  CHECK(d.color_space == 6);  // AVCOL_SPC_SMPTE170M (BT.601)
  CHECK(d.color_range == 1);  // AVCOL_RANGE_MPEG (limited)
}

TEST_CASE("record: the producer's damage keeps the conversion to what changed, ZEROCAST_DAMAGE=0 converts all",
          "[record]") {
  zc::test::PipeWireDaemon pw;
  // The converted share from the summary, the frames checked in the file as everywhere (a
  // region left out would leave a stale number band: the numbers would not follow each other).
  const auto converted_share = [](bool damage) {
    const auto out = temp_file(damage ? "damage.mkv" : "full.mkv");
    if (!damage) setenv("ZEROCAST_DAMAGE", "0", 1);
    auto r = zerocast(
        {"record", "--source", "test", "--test-size", "640x360", "--test-fps", "30", "--frames", "45", "-o", out});
    unsetenv("ZEROCAST_DAMAGE");
    INFO(errors_first(r.output));
    REQUIRE(r.status == 0);
    check_file(out, r.output, 45, 640, 360, "h264");
    std::smatch m;
    REQUIRE(std::regex_search(r.output, m, std::regex(R"(converted ([0-9.]+) % of the pixels on the CPU \((.*)\))")));
    CHECK(m[2].str() == (damage ? "the rest unchanged, by the producer's damage" : "every frame in full"));
    return std::stod(m[1].str());
  };
  // The test source's band and moving box are about a fifth of a 640x360 picture (each region
  // widened to 64-pixel columns); the pool's first frames are converted in full.
  const double with = converted_share(true);
  CHECK(with < 40);
  CHECK(with > 5);
  CHECK(converted_share(false) == 100.0);
}

TEST_CASE("record: each codec in each container it fits", "[record]") {
  zc::test::PipeWireDaemon pw;
  struct Case {
    const char* codec;
    const char* file;
    const char* decoder;
  };
  for (const Case& c : {Case{"h264", "b.mp4", "h264"}, Case{"h264", "b.ts", "h264"}, Case{"hevc", "b.mkv", "hevc"},
                        Case{"av1", "b.mp4", "libdav1d"}}) {
    const auto out = temp_file(c.file);
    auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "30",
                       "--codec", c.codec, "-o", out});
    INFO(c.codec << " " << c.file << "\n" << r.output);
    REQUIRE(r.status == 0);
    const auto d = decode_numbers(out);
    REQUIRE(d.decode.ok);
    CHECK(d.decode.codec.find(c.decoder == std::string("libdav1d") ? "av1" : c.decoder) != std::string::npos);
    CHECK(d.decode.frames.size() == 30);
    CHECK(consecutive_problem(d.numbers).empty());
  }
}

TEST_CASE("record: --scale converts and scales in one pass, the pattern survives", "[record]") {
  zc::test::PipeWireDaemon pw;
  const auto out = temp_file("s.mkv");
  auto r = zerocast({"record", "--source", "test", "--test-size", "1280x720", "--test-fps", "30", "--frames", "30",
                     "--scale", "640x360", "-o", out});
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  check_file(out, r.output, 30, 640, 360, "h264");
}

TEST_CASE("record: one capture feeds several outputs", "[record]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-rec");
  auto r = zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--frames", "40", "-o",
                     dir + "/one.mkv", "-o", dir + "/two.ts"});
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  const auto a = decode_numbers(dir + "/one.mkv");
  const auto b = decode_numbers(dir + "/two.ts");
  const auto loss = zc::test::check_losses(r.output, 40, 4);
  REQUIRE(a.numbers.size() == 40 - loss.behind);
  CHECK(a.numbers == b.numbers);
  CHECK(consecutive_problem(a.numbers, loss.skipped()).empty());
}

TEST_CASE("record: SIGINT finishes the file cleanly", "[record]") {
  zc::test::PipeWireDaemon pw;
  const auto out = temp_file("i.mkv");
  auto p =
      zc::test::start_zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "-o", out});
  // Wait until frames are being written, then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (!std::filesystem::exists(out) || std::filesystem::file_size(out) < 4096)) {
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(500ms);
  p.signal(SIGINT);
  const auto status = p.wait(15s);
  INFO(p.output());
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(p.output().find("interrupted") != std::string::npos);
  check_counts_add_up(p.output());
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.decode.frames.size() > 10);
  const auto loss = zc::test::check_losses(p.output(), d.decode.frames.size(), 4);
  CHECK(consecutive_problem(d.numbers, loss.skipped()).empty());
}

TEST_CASE("record: --duration ends at that length, and the summary's counts add up", "[record]") {
  // At 240 fps, frames keep coming while the recording ends; they are not counted as captured
  // (stop 7 printed "260 captured, 240 encoded, 0 dropped" for this run).
  zc::test::PipeWireDaemon pw;
  const auto out = temp_file("d.mkv");
  auto r = zerocast(
      {"record", "--source", "test", "--test-size", "320x240", "--test-fps", "240", "--duration", "1", "-o", out});
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("finished: duration reached") != std::string::npos);
  check_counts_add_up(r.output);
  const auto d = zc::test::decode_file(out);
  REQUIRE(d.ok);
  REQUIRE(d.frames.size() > 10);
  const double span = static_cast<double>(d.frames.back().pts_us - d.frames.front().pts_us) / 1e6;
  CHECK(span <= 1.0 + 0.002);  // the container keeps milliseconds
  CHECK(span > 0.8);
}

namespace {

// A producer that sends 20 frames at 30 fps (0.67 s) and then nothing while staying connected, as
// a damage-driven compositor does over a still screen.
struct QuietProducer {
  static zc::testsrc::Options options() {
    zc::testsrc::Options so;
    so.width = 320;
    so.height = 240;
    so.fps = 30;
    so.frame_limit = 20;
    return so;
  }
  QuietProducer() {
    REQUIRE(source.start());
    auto node = source.wait_for_node(5s);
    REQUIRE(node);
    target = "serial:" + std::to_string(node->serial);
  }
  zc::test::PipeWireDaemon pw;  // first: the source connects to it
  zc::testsrc::TestSource source{options()};
  std::string target;  // for --source
};

}  // namespace

TEST_CASE("record: --duration ends by the clock when the producer goes quiet before it", "[record]") {
  // Before, the record waited for a frame at 2 s that never came, and ran until it was killed.
  QuietProducer quiet;
  const auto out = temp_file("quiet.mkv");
  const auto started = std::chrono::steady_clock::now();
  auto r = zerocast({"record", "--source", quiet.target, "--duration", "2", "-o", out}, 30s);
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("finished: duration reached") != std::string::npos);
  CHECK(r.output.find("no frame from the producer at that time") != std::string::npos);
  CHECK(took >= 2s);  // not before the duration asked for
  CHECK(took < 15s);  // about 3 s: the duration and a second's grace, and the start-up
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  // Every frame the producer sent, nothing added; PipeWire 1.x's link may lose one, counted
  // (a loaded PipeWire 1.4 guest missed 1 of the 20 on 2026-11-29).
  const auto loss = zc::test::check_losses(r.output, 20, 10);
  CHECK(d.numbers.size() == 20 - loss.skipped());
  CHECK(consecutive_problem(d.numbers, loss.skipped()).empty());
}

namespace {

// --cfr against a 30 fps producer that goes quiet, with `rate` ({"--fps", "30"} or none: the rate
// the producer announces is held).
void record_cfr(const std::vector<std::string>& rate) {
  QuietProducer quiet;
  const auto out = temp_file("c.mkv");
  std::vector<std::string> args{"record", "--source", quiet.target, "--cfr", "-o", out};
  args.insert(args.begin() + 3, rate.begin(), rate.end());
  auto p = zc::test::start_zerocast(args);
  REQUIRE(quiet.source.wait_for_frames(20, 10s));
  std::this_thread::sleep_for(2500ms);
  p.signal(SIGTERM);
  const auto status = p.wait(10s);
  INFO(p.output());
  REQUIRE(status);
  CHECK(*status == 0);
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  // 20 real frames, then about 30 repeats a second of the last one, at the constant rate. A real
  // frame more than 1.5 intervals late gets a repeat in front of it too: collapsing adjacent
  // repeats gives the numbers the producer sent, each once, in order.
  REQUIRE(d.numbers.size() > 60);
  for (size_t i = 0; i < d.numbers.size(); ++i) {
    INFO("picture " << i);
    REQUIRE(d.numbers[i].has_value());
  }
  std::vector<std::optional<uint32_t>> sent;
  size_t last_real = 0;  // index of the first picture of the last number: the repeats follow it
  for (size_t i = 0; i < d.numbers.size(); ++i) {
    if (i > 0 && d.numbers[i] == d.numbers[i - 1]) continue;
    sent.push_back(d.numbers[i]);
    last_real = i;
  }
  // Where losses are allowed (record_losses.hpp) a few may be gone, counted, or uncounted at
  // either end. Every frame zerocast took is in the file: none invalid, none failed to import.
  const auto loss = zc::test::check_losses(p.output(), 20, 4);
  const auto counts = zc::test::summary_counts(p.output());
  REQUIRE(counts);
  CHECK(counts->invalid_buffers == 0);
  CHECK(counts->import_failures == 0);
  check_counts_add_up(p.output());
  // The link's start may lose the first frame before zerocast takes any (CI's host run once
  // decoded 19 of 20 with nothing missed, invalid or behind; the link's start loses a frame on
  // PipeWire 1.4 and 0.3.65 in the testsrc 240 fps case too): capture logs the producer's number
  // of the first buffer it took, and numbers before it never reached us. One at most; every later
  // one must be in the file.
  const auto first_seq = zc::test::first_taken_seq(p.output());
  REQUIRE(first_seq);
  const uint64_t first_taken = *first_seq;
  CHECK(first_taken <= 1);
  INFO(consecutive_problem(sent, loss.skipped()) << "; first number taken " << first_taken);
  REQUIRE_FALSE(sent.empty());
  REQUIRE(sent.front());
  CHECK(*sent.front() == first_taken);
  CHECK(counts->captured + first_taken + loss.missed == 20);
  CHECK(sent.size() <= 20);
  CHECK(sent.size() + first_taken + zc::test::losses_allowed(20, 4) >= 20);
  CHECK(consecutive_problem(sent, loss.skipped()).empty());
  // The producer went quiet for 2.5 s: the recording goes on with repeats of its last frame.
  const size_t repeats = d.numbers.size() - 1 - last_real;
  INFO("repeats after the last real frame: " << repeats);
  CHECK(repeats > 40);
  // Real frames carry the producer's capture time, jitter and all; a repeat's is one interval
  // after the picture before it, so the repeats run at exactly the constant rate. Times never go
  // back, but may stand still: a real frame that arrived after a repeat stamped later than its
  // capture time is nudged 1 us past it, which the container's milliseconds do not show. The
  // repeats after such a last frame count from its capture time, so the first few may come
  // closer until they pass it (each a further nudge); from then on each is exactly one interval
  // on. The container stores milliseconds: 33 or 34 ms apart.
  constexpr int64_t kIntervalUs = 1'000'000 / 30;
  constexpr int64_t kRoundingUs = 1'500;
  constexpr size_t kSettle = 5;
  // Real frames carry the producer's timing, bounded loosely. In the emulated guest (PipeWire
  // 1.x) CI's run of 2026-11-25 saw two of them 254 ms apart (frame 16 to 17 of 20, none lost, the
  // guest under ctest -j2), so the bound is looser there; the repeats are held to the interval.
  const int64_t real_bound = zc::test::pipewire_loses_in_link() ? 500'000 : 250'000;
  for (size_t i = 1; i < d.decode.frames.size(); ++i) {
    const int64_t step = d.decode.frames[i].pts_us - d.decode.frames[i - 1].pts_us;
    INFO("picture " << i << " of " << d.decode.frames.size() << ", step " << step << " us");
    CHECK(step >= 0);
    CHECK(step < real_bound);
    if (i <= last_real) continue;
    CHECK(step <= kIntervalUs + kRoundingUs);  // never a hole: the rate is held
    if (i > last_real + kSettle) CHECK(step >= kIntervalUs - kRoundingUs);
  }
}

}  // namespace

TEST_CASE("record: --cfr repeats the last frame when the producer goes quiet", "[record]") {
  record_cfr({"--fps", "30"});
}

// Without --fps the rate the producer announces is held (a compositor's monitor rate), not a
// nominal 60: the repeats come 33 ms apart, as above, not 17.
TEST_CASE("record: --cfr without --fps holds the rate the producer announces", "[record]") {
  record_cfr({});
}
