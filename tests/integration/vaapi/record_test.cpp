// `zerocast record --source test` encoding with VA-API on the tests' fake driver (libva loads it in
// the child, from the environment given to it): every frame the test source numbered reaches each
// container, the driver encoded them (its stats), `--encoder auto` takes h264_vaapi when it works
// and says why not when it does not, and a driver without packed headers still gives files that
// play. Each case has its own PipeWire; the recordings are short (20 frames at 320x240): the guest
// these run in emulates every instruction.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "record_losses.hpp"
#include "record_support.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "vaapi_support.hpp"

using namespace std::chrono_literals;
using zc::test::consecutive_problem;
using zc::test::decode_numbers;
using zc::test::errors_first;
namespace va = zc::test::vaapi;

namespace {

constexpr size_t kFrames = 20;

struct Recording {
  zc::test::RunResult run;
  std::string dir;
  std::string stats_path;
};

// `zerocast record -v --source test` (320x240 at 30 fps, kFrames frames) with `--encoder encoder`
// into `files` (names in a fresh directory), libva loading `driver` (the fake one unless said) with
// `variant` on `node`.
Recording record(const std::string& node, const std::string& encoder, const std::vector<std::string>& files,
                 const std::string& variant, const std::string& driver = "zc_fake") {
  Recording r;
  r.dir = zc::test::make_temp_dir("zc-va-rec");
  r.stats_path = r.dir + "/stats";
  std::vector<std::string> argv{zc::test::zerocast_bin(),
                                "record",
                                "-v",
                                "--source",
                                "test",
                                "--test-size",
                                "320x240",
                                "--test-fps",
                                "30",
                                "--frames",
                                std::to_string(kFrames),
                                "--encoder",
                                encoder};
  for (const auto& f : files) {
    argv.push_back("-o");
    argv.push_back(r.dir + "/" + f);
  }
  zc::test::Process::Options o;
  o.env = va::fake_driver_env(variant, r.stats_path, driver);
  o.env["ZEROCAST_VAAPI_DEVICE"] = node;
  o.unset_env = va::kFakeKnobs;
  r.run = zc::test::run(argv, 90s, o);
  return r;
}

// `path` holds every frame the test source numbered (but those the summary counts as lost on the
// way: record_losses.hpp), in order, each once, from a keyframe on. Returns the pictures decoded.
size_t check_file(const std::string& path, const std::string& output) {
  INFO(path);
  const auto d = decode_numbers(path);
  INFO(d.decode.error);
  REQUIRE(d.decode.ok);
  CHECK(d.decode.codec == "h264");
  CHECK(d.decode.decode_errors == 0);
  const auto loss = zc::test::check_losses(output, kFrames, 4);
  REQUIRE(d.decode.frames.size() == kFrames - loss.behind);
  CHECK(d.decode.frames.front().keyframe);
  CHECK(d.decode.frames.front().width == 320);
  CHECK(d.decode.frames.front().height == 240);
  INFO(consecutive_problem(d.numbers, loss.skipped()));
  CHECK(consecutive_problem(d.numbers, loss.skipped()).empty());
  return d.decode.frames.size();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The driver encoded every picture written, and one more at most: the selector's proof of the
// encoder (a frame encoded before the recording, on the same device).
void check_pictures(const Recording& r, size_t written) {
  const auto stats = va::read_stats(r.stats_path);
  const long pictures = va::stat_number(stats, "pictures_encoded");
  INFO("pictures_encoded " << pictures << ", " << written << " written");
  CHECK(pictures >= static_cast<long>(written));
  CHECK(pictures <= static_cast<long>(written) + 1);
}

}  // namespace

TEST_CASE("record --encoder h264_vaapi into mkv, mp4 and ts: every numbered frame, encoded by the driver", "[record]") {
  const std::string node = va::node_or_skip();
  zc::test::PipeWireDaemon pw;
  const auto r = record(node, "h264_vaapi", {"a.mkv", "a.mp4", "a.ts"}, "full");
  INFO(errors_first(r.run.output));
  REQUIRE(r.run.status == 0);
  CHECK(has(r.run.output, "finished: frame count reached"));
  CHECK(has(r.run.output, "encoder   h264_vaapi"));
  CHECK(has(r.run.output, "encode: VA-API device " + node + " (zerocast fake VA driver"));
  size_t written = 0;
  for (const char* file : {"a.mkv", "a.mp4", "a.ts"}) {
    const size_t n = check_file(r.dir + "/" + file, r.run.output);
    if (written == 0) written = n;
    CHECK(n == written);  // one encoder feeds all three
  }
  check_pictures(r, written);
  CHECK(va::read_stats(r.stats_path).at("entrypoint") == "EncSlice");
}

TEST_CASE("record --encoder auto chooses h264_vaapi and says so", "[record]") {
  const std::string node = va::node_or_skip();
  zc::test::PipeWireDaemon pw;
  const auto r = record(node, "auto", {"auto.mkv"}, "full");
  INFO(errors_first(r.run.output));
  REQUIRE(r.run.status == 0);
  CHECK(has(r.run.output, "encode: h264_vaapi chosen for h264 320x240"));
  CHECK(!has(r.run.output, "h264_vaapi rejected"));
  CHECK(has(r.run.output, "encoder   h264_vaapi"));
  check_pictures(r, check_file(r.dir + "/auto.mkv", r.run.output));
}

TEST_CASE("record on a VA driver without packed headers: mkv and mp4 play (extradata from the first keyframe)",
          "[record]") {
  const std::string node = va::node_or_skip();
  zc::test::PipeWireDaemon pw;
  const auto r = record(node, "h264_vaapi", {"none.mkv", "none.mp4"}, "none");
  INFO(errors_first(r.run.output));
  REQUIRE(r.run.status == 0);
  const auto stats = va::read_stats(r.stats_path);
  CHECK(stats.at("variant") == "none");
  CHECK(stats.at("packed_headers_enabled") == "0x0");
  CHECK(va::stat_number(stats, "own_parameter_sets") > 0);
  // mp4 (avcC) and mkv (CodecPrivate) decode only with the parameter sets in the header: the
  // encoder had none to give (no global header), the file sink took them from the first keyframe.
  const size_t written = check_file(r.dir + "/none.mkv", r.run.output);
  CHECK(check_file(r.dir + "/none.mp4", r.run.output) == written);
  check_pictures(r, written);
}

TEST_CASE("record without a VA driver: auto falls back to libx264 saying why, h264_vaapi fails naming the node",
          "[record]") {
  const std::string node = va::node_or_skip();
  zc::test::PipeWireDaemon pw;
  {
    const auto r = record(node, "auto", {"x264.mkv"}, "full", "zc_missing");
    INFO(errors_first(r.run.output));
    REQUIRE(r.run.status == 0);
    CHECK(has(r.run.output, "encode: h264_vaapi rejected: " + node + ": "));
    CHECK(has(r.run.output, "encode: libx264 chosen for h264 320x240"));
    CHECK(has(r.run.output, "encoder   libx264"));
    check_file(r.dir + "/x264.mkv", r.run.output);
    CHECK(va::read_stats(r.stats_path).empty());  // the fake driver never loaded
  }
  {
    const auto r = record(node, "h264_vaapi", {"never.mkv"}, "full", "zc_missing");
    INFO(r.run.output);
    CHECK(r.run.status == 4);  // the encoder's exit code
    CHECK(has(r.run.output, "h264_vaapi rejected: " + node + ": no VA-API driver initialises on it"));
    CHECK(access((r.dir + "/never.mkv").c_str(), F_OK) != 0);  // refused before any output opened
  }
}
