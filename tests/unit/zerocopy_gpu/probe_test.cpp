// The probe without NVIDIA: a missing driver library is reported plainly (exit 3), the JSON is
// well-formed and carries every stage, and the exit code follows issue 3 §6.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cuda/cuda_api.hpp"
#include "probe/probe.hpp"
#include "support/skip.hpp"

using namespace zc;
using namespace zc::probe;

namespace {

ProbeOptions without_nvidia() {
  ProbeOptions o;
  o.cuda_library = "/nonexistent/zerocast-test/libcuda.so.1";
  o.nvenc_library = "/nonexistent/zerocast-test/libnvidia-encode.so.1";
  o.vaapi = false;  // the VA-API stages have a case of their own
  return o;
}

}  // namespace

TEST_CASE("a missing CUDA driver is not_found, with the loader's reason") {
  auto api = cuda::load_cuda("/nonexistent/zerocast-test/libcuda.so.1");
  REQUIRE_FALSE(api);
  CHECK(api.error().code == Errc::not_found);
  CHECK(api.error().message.find("/nonexistent/zerocast-test/libcuda.so.1") != std::string::npos);
}

TEST_CASE("probe without NVIDIA: exit code 3, every stage reported, nothing ok") {
  const ProbeReport r = run_probe(without_nvidia());
  CHECK(r.exit_code() == 3);
  CHECK_FALSE(r.cuda);
  CHECK_FALSE(r.gpu_import);
  CHECK_FALSE(r.nvenc);
  REQUIRE(r.stages.size() >= 8);
  CHECK(r.stages[0].name == "cuda.driver");
  CHECK(r.stages[0].verdict == Verdict::Unavailable);
  CHECK(r.stages[0].reason.find("libcuda.so.1") != std::string::npos);
  for (const auto& s : r.stages) {
    INFO(s.name);
    // dmabuf.gbm needs no NVIDIA part: ok wherever GBM allocates on a DRM node.
    if (s.name != "dmabuf.gbm") CHECK(s.verdict != Verdict::Ok);
    CHECK_FALSE(s.reason.empty());
  }
  CHECK(render_text(r).find("no NVIDIA driver or device") != std::string::npos);
  // Every stage in its place, those never reached naming what held them up.
  const std::vector<std::string> order{"cuda.driver",
                                       "cuda.device",
                                       "egl.device",
                                       "gl.context",
                                       "egl.extensions",
                                       "egl.modifiers.XRGB8888",
                                       "egl.modifiers.ARGB8888",
                                       "egl.modifiers.XBGR8888",
                                       "egl.modifiers.ABGR8888",
                                       "gl.cuda",
                                       "vulkan.device",
                                       "vulkan.extensions",
                                       "vulkan.cuda",
                                       "dmabuf.tiled",
                                       "dmabuf.linear",
                                       "dmabuf.gbm",
                                       "nvenc.session",
                                       "nvenc.h264",
                                       "nvenc.hevc",
                                       "nvenc.av1"};
  REQUIRE(r.stages.size() == order.size());
  for (size_t i = 0; i < order.size(); ++i)
    CHECK(r.stages[i].name == order[i]);
  CHECK(r.stages[1].reason == "needs the CUDA driver");
  CHECK(r.stages.back().reason == "not reached: needs cuda.driver");
}

TEST_CASE("probe without a VA-API driver: its stages after the NVIDIA ones, each saying why, exit code 3") {
  ProbeOptions o = without_nvidia();
  o.vaapi = true;
  o.vaapi_device = "/nonexistent/zerocast-test/renderD128";
  const ProbeReport r = run_probe(o);
  CHECK(r.exit_code() == 3);
  CHECK_FALSE(r.vaapi);
  const std::vector<std::string> names{"vaapi.device", "vaapi.entrypoints", "vaapi.h264", "vaapi.hevc", "vaapi.av1"};
  auto first =
      std::find_if(r.stages.begin(), r.stages.end(), [](const ProbeStage& s) { return s.name == "vaapi.device"; });
  REQUIRE(first != r.stages.end());
  REQUIRE(static_cast<size_t>(r.stages.end() - first) == names.size());
  CHECK(std::find_if(r.stages.begin(), first, [](const ProbeStage& s) { return s.name == "nvenc.av1"; }) != first);
  for (size_t i = 0; i < names.size(); ++i) {
    const ProbeStage& s = first[static_cast<std::ptrdiff_t>(i)];
    INFO(s.name);
    CHECK(s.name == names[i]);
    CHECK(s.verdict == Verdict::Unavailable);
    CHECK((i == 0 ? s.reason.find("/nonexistent/zerocast-test/renderD128")
                  : s.reason.find("not reached: needs vaapi.device")) != std::string::npos);
  }
}

TEST_CASE("probe JSON is valid and carries the report") {
  ProbeReport r = run_probe(without_nvidia());
  // A stage as the lead adds it, with characters that need escaping.
  r.add({"ffmpeg.encoders",
         Verdict::Ok,
         "libx264 \"ultrafast\"\tok\n\\ done",
         {{"path", "C:\\x"}, {"ctl", "\x01"}, {"bytes", "ab\xff"}}});
  // parse() throws on anything that is not one well-formed JSON document.
  nlohmann::json j;
  REQUIRE_NOTHROW(j = nlohmann::json::parse(render_json(r)));
  REQUIRE(j.is_object());
  CHECK(j["probe"] == "zerocast zerocopy-probe");
  CHECK(j["version"] == 1);
  CHECK(j["exit_code"].is_number_integer());
  CHECK(j["exit_code"] == 3);
  CHECK(j["cuda"].is_boolean());
  CHECK(j["gpu_import"] == false);
  CHECK(j["summary"] == r.summary());
  const nlohmann::json& stages = j["stages"];
  REQUIRE(stages.is_array());
  REQUIRE(stages.size() == r.stages.size());
  for (size_t i = 0; i < r.stages.size(); ++i) {
    CHECK(stages[i]["name"] == r.stages[i].name);
    CHECK(stages[i]["reason"] == r.stages[i].reason);
    CHECK(stages[i]["details"].is_object());
    CHECK(stages[i]["details"].size() == r.stages[i].details.size());
    const std::string v = stages[i]["verdict"];
    CHECK((v == "ok" || v == "failed" || v == "unavailable" || v == "not_testable"));
  }
  const nlohmann::json& last = stages.back();
  CHECK(last["reason"] == "libx264 \"ultrafast\"\tok\n\\ done");
  CHECK(last["details"]["path"] == "C:\\x");
  CHECK(last["details"]["ctl"] == "\x01");
  CHECK(last["details"]["bytes"] == "ab\xef\xbf\xbd");  // not UTF-8 (a driver's message may not be): U+FFFD
}

TEST_CASE("exit codes follow issue 3: 0 full, 1 no NVENC, 2 no import, 3 no NVIDIA, 4 probe failed") {
  ProbeReport r;
  CHECK(r.exit_code() == 3);
  r.cuda = true;
  CHECK(r.exit_code() == 2);
  r.nvenc = true;  // NVENC without an import path is still "no GPU import"
  CHECK(r.exit_code() == 2);
  r.gpu_import = true;
  CHECK(r.exit_code() == 0);
  r.nvenc = false;
  CHECK(r.exit_code() == 1);
  r.probe_error = true;
  CHECK(r.exit_code() == 4);
  CHECK(to_string(Verdict::NotTestable) == "not testable here");
  CHECK(json_name(Verdict::NotTestable) == "not_testable");
}

TEST_CASE("probe without a DRM node: the GBM proof is not testable, and says why") {
  ProbeOptions o = without_nvidia();
  o.drm_dir = "/nonexistent/zerocast-test/dri";
  const ProbeReport r = run_probe(o);
  const auto it = std::find_if(r.stages.begin(), r.stages.end(), [](const auto& s) { return s.name == "dmabuf.gbm"; });
  REQUIRE(it != r.stages.end());
  CHECK(it->verdict == Verdict::NotTestable);
  CHECK(it->reason == "no DRM node (/nonexistent/zerocast-test/dri/renderD*, /nonexistent/zerocast-test/dri/card*)");
  CHECK(r.exit_code() == 3);
}

// Runs where a DRM node exists (the vm tests' guest: vgem and virtio_gpu, Mesa's GBM): real
// dmabufs from GBM, read back by the CPU path between DMA_BUF_IOCTL_SYNC calls.
TEST_CASE("probe: the GBM proof on a real DRM node reads the pattern back through the CPU path") {
  const ProbeReport r = run_probe(without_nvidia());
  const auto it = std::find_if(r.stages.begin(), r.stages.end(), [](const auto& s) { return s.name == "dmabuf.gbm"; });
  REQUIRE(it != r.stages.end());
  INFO(it->reason);
  if (it->verdict == Verdict::NotTestable) ZC_SKIP("no real dmabufs here: " + it->reason);
  CHECK(it->verdict == Verdict::Ok);
  std::map<std::string, std::string> details(it->details.begin(), it->details.end());
  CHECK(details["node"].rfind("/dev/dri/", 0) == 0);
  CHECK(std::stoul(details["stride"]) >= 256 * 4);
  // Every dmabuf exports its implicit fences since Linux 6.0: nothing is pending after the write.
  CHECK(details["implicit_fence"] == "exported (DMA_BUF_IOCTL_EXPORT_SYNC_FILE), signalled");
  CHECK(r.exit_code() == 3);  // still no NVIDIA
}
