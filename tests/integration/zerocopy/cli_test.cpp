// `zerocast zerocopy-probe` and ZEROCAST_ZEROCOPY through the real binary on a machine without
// NVIDIA or a VA-API driver (CI): the probe says so plainly with exit code 3, naming the missing
// render node; =1 makes `record` fail at start naming
// the stage; a bad value is a usage error; =0 records on the CPU path and says why.
#include <catch2/catch.hpp>

#include <unistd.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "cli/probe.hpp"
#include "record_support.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;

namespace {

bool has_nvidia() {
  return access("/dev/nvidiactl", F_OK) == 0;
}

// The probe's "no VA-API" verdict needs a machine without render nodes (CI's; the guest has some).
bool has_render_node() {
  return access("/dev/dri", F_OK) == 0;
}

zc::test::RunResult zerocast_env(std::vector<std::string> args, const std::string& zerocopy) {
  args.insert(args.begin(), zc::test::zerocast_bin());
  zc::test::Process::Options o;
  o.env["ZEROCAST_ZEROCOPY"] = zerocopy;
  return zc::test::run(std::move(args), 60s, o);
}

}  // namespace

TEST_CASE("zerocopy-probe --json: every stage, the encoders, exit code 3 without NVIDIA or VA-API") {
  if (has_nvidia()) ZC_SKIP("this machine has an NVIDIA device (the GPU tests cover it)");
  if (has_render_node()) ZC_SKIP("this machine has DRM render nodes (the VA-API guest tests cover them)");
  const auto r = zc::test::zerocast({"zerocopy-probe", "--json"});
  INFO(zc::test::errors_first(r.output));
  CHECK(r.status == 3);
  for (const char* key : {"\"probe\": \"zerocast zerocopy-probe\"", "\"exit_code\": 3", "\"cuda\": false",
                          "\"gpu_import\": false", "\"nvenc\": false", "\"stages\": ["})
    CHECK(r.output.find(key) != std::string::npos);
  for (const char* stage : {"cuda.driver", "cuda.device", "egl.device", "gl.cuda", "vulkan.cuda", "dmabuf.tiled",
                            "dmabuf.linear", "nvenc.session", "nvenc.hevc", "vaapi.device", "vaapi.entrypoints",
                            "vaapi.h264", "vaapi.hevc", "vaapi.av1", "ffmpeg.encoders"})
    CHECK(r.output.find(std::string("\"name\": \"") + stage + "\"") != std::string::npos);
  CHECK(r.output.find("\"libx264\": \"present\"") != std::string::npos);
  CHECK(r.output.find("not reached: needs cuda.driver") != std::string::npos);
  CHECK(r.output.find("no NVIDIA driver or device") != std::string::npos);
  CHECK(r.output.find("\"vaapi\": false") != std::string::npos);
  CHECK(r.output.find("no DRM render node (/dev/dri/renderD*)") != std::string::npos);
  CHECK(r.output.find("not reached: needs vaapi.device") != std::string::npos);
}

TEST_CASE("zerocopy-probe (text): says plainly there is no NVIDIA driver and no VA-API") {
  if (has_nvidia()) ZC_SKIP("this machine has an NVIDIA device");
  if (has_render_node()) ZC_SKIP("this machine has DRM render nodes (the VA-API guest tests cover them)");
  const auto r = zc::test::zerocast({"zerocopy-probe"});
  INFO(zc::test::errors_first(r.output));
  CHECK(r.status == 3);
  CHECK(r.output.find(
            "no NVIDIA driver or device and no VA-API encoder: capture and encoding use the CPU (exit code 3)") !=
        std::string::npos);
  CHECK(r.output.find("ffmpeg.encoders") != std::string::npos);
}

TEST_CASE("ffmpeg.encoders lists the nine encoders with what the linked FFmpeg has") {
  const auto s = zc::cli::ffmpeg_encoders_stage();
  REQUIRE(s.details.size() == 9);
  CHECK(s.details[3].first == "h264_vaapi");
  CHECK(s.details[3].second == (avcodec_find_encoder_by_name("h264_vaapi") ? "present" : "missing"));
  CHECK(s.details[6].first == "libx264");
  CHECK(s.details[6].second == (avcodec_find_encoder_by_name("libx264") ? "present" : "missing"));
  CHECK(s.verdict == zc::probe::Verdict::Ok);
}

TEST_CASE("ZEROCAST_ZEROCOPY=1 without a GPU import path: record fails at start, naming the stage") {
  if (has_nvidia()) ZC_SKIP("this machine has an NVIDIA device");
  const std::string out = zc::test::make_temp_dir("zc-zc") + "/x.mkv";
  const auto r = zerocast_env({"record", "--source", "test", "--frames", "5", "-o", out}, "1");
  INFO(zc::test::errors_first(r.output));
  CHECK(r.status == 1);
  CHECK(r.output.find("ZEROCAST_ZEROCOPY=1 but the GPU import path cannot come up") != std::string::npos);
  CHECK(r.output.find("zerocopy:cuda") != std::string::npos);
  CHECK(access(out.c_str(), F_OK) != 0);  // nothing was opened
}

TEST_CASE("ZEROCAST_ZEROCOPY with a bad value is a usage error") {
  const auto r = zerocast_env({"record", "--source", "test", "--frames", "5", "-o", "/tmp/zc-never.mkv"}, "maybe");
  INFO(zc::test::errors_first(r.output));
  CHECK(r.status == 2);
  CHECK(r.output.find("ZEROCAST_ZEROCOPY must be auto, 1 or 0") != std::string::npos);
}

TEST_CASE("ZEROCAST_ZEROCOPY=0 and auto record on the CPU path and say why") {
  const auto [value, why] =
      GENERATE(std::pair{"0", "cpu (ZEROCAST_ZEROCOPY=0)"}, std::pair{"auto", "cpu (no NVIDIA driver or device"});
  if (std::string(value) == "auto" && has_nvidia()) ZC_SKIP("this machine has an NVIDIA device");
  zc::test::PipeWireDaemon pw;
  const std::string out = zc::test::make_temp_dir("zc-zc") + "/x.mkv";
  const auto r =
      zerocast_env({"record", "--source", "test", "--test-size", "320x240", "--frames", "10", "-o", out}, value);
  INFO(zc::test::errors_first(r.output));
  CHECK(r.status == 0);
  CHECK(r.output.find(why) != std::string::npos);  // the summary's import path
}
