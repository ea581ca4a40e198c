// `zerocast zerocopy-probe --json` on the tests' fake VA driver: the VA-API stages name the driver,
// list its entrypoints per profile, prove h264_vaapi by encoding a frame, say why hevc_vaapi does
// not open (the driver encodes H.264 only), and the exit code is 5 (VA-API encodes, the NVIDIA path
// is incomplete: the guest has no NVIDIA device).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/process.hpp"
#include "vaapi_support.hpp"

using namespace std::chrono_literals;
namespace va = zc::test::vaapi;

namespace {

struct Probe {
  zc::test::RunResult run;
  nlohmann::json json;
  std::string node;
  std::string stats_path;
};

Probe probe(const std::string& variant) {
  Probe p;
  p.node = va::node_or_skip();
  if (access("/dev/nvidiactl", F_OK) == 0) ZC_SKIP("an NVIDIA device is present: the exit code would differ");
  p.stats_path = zc::test::make_temp_dir("zc-va-probe") + "/stats";
  zc::test::Process::Options o;
  o.env = va::fake_driver_env(variant, p.stats_path);
  o.env["ZEROCAST_VAAPI_DEVICE"] = p.node;
  o.unset_env = va::kFakeKnobs;
  p.run = zc::test::run({zc::test::zerocast_bin(), "zerocopy-probe", "--json"}, 90s, o);
  // The object is all of stdout, from its own "{" line on; stderr (merged here) has the log.
  const std::string& out = p.run.output;
  size_t from = out.rfind("{\n", 0) == 0 ? 0 : out.find("\n{\n");
  REQUIRE(from != std::string::npos);
  if (from > 0) ++from;
  const size_t close = out.rfind('}');
  REQUIRE(close > from);
  p.json = nlohmann::json::parse(out.substr(from, close - from + 1), nullptr, false);
  REQUIRE_FALSE(p.json.is_discarded());
  return p;
}

// The stage named `name` (null when the probe has none).
nlohmann::json stage(const nlohmann::json& j, const std::string& name) {
  for (const auto& s : j["stages"])
    if (s["name"] == name) return s;
  return nullptr;
}

}  // namespace

TEST_CASE("zerocopy-probe --json on the fake VA driver: exit code 5, its entrypoints, h264 encodes, hevc does not",
          "[probe]") {
  const auto p = probe("full");
  INFO(p.run.output);
  CHECK(p.run.status == 5);
  CHECK(p.json["exit_code"] == 5);
  CHECK(p.json["vaapi"] == true);
  CHECK(p.json["nvenc"] == false);

  const auto device = stage(p.json, "vaapi.device");
  REQUIRE(device.is_object());
  CHECK(device["verdict"] == "ok");
  CHECK(device["reason"].get<std::string>() == p.node + ": zerocast fake VA driver");

  const auto entry = stage(p.json, "vaapi.entrypoints");
  REQUIRE(entry.is_object());
  CHECK(entry["verdict"] == "ok");
  CHECK(entry["details"]["H264High"] == "EncSlice");
  CHECK(entry["details"]["H264Main"] == "EncSlice");
  CHECK(entry["details"]["H264ConstrainedBaseline"] == "EncSlice");
  CHECK_FALSE(entry["details"].contains("HEVCMain"));  // the driver lists no HEVC profile

  const auto h264 = stage(p.json, "vaapi.h264");
  REQUIRE(h264.is_object());
  CHECK(h264["verdict"] == "ok");
  CHECK(h264["reason"].get<std::string>().find("h264_vaapi encoded a") != std::string::npos);
  // The probe frame went through the driver.
  CHECK(va::stat_number(va::read_stats(p.stats_path), "pictures_encoded") == 1);

  const auto hevc = stage(p.json, "vaapi.hevc");
  REQUIRE(hevc.is_object());
  CHECK(hevc["verdict"] != "ok");
  // Why, naming the node and the driver.
  CHECK(hevc["reason"].get<std::string>().find("the VA-API driver on " + p.node + " (zerocast fake VA driver") !=
        std::string::npos);
}

TEST_CASE("zerocopy-probe --json on a low-power-only VA driver lists EncSliceLP and still encodes", "[probe]") {
  const auto p = probe("lowpower");
  INFO(p.run.output);
  CHECK(p.run.status == 5);
  const auto entry = stage(p.json, "vaapi.entrypoints");
  REQUIRE(entry.is_object());
  CHECK(entry["details"]["H264High"] == "EncSliceLP");
  CHECK(stage(p.json, "vaapi.h264")["verdict"] == "ok");
  CHECK(va::read_stats(p.stats_path).at("entrypoint") == "EncSliceLP");
}
