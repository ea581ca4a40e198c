// The probe without NVIDIA: a missing driver library is reported plainly (exit 3), the JSON is
// well-formed and carries every stage, and the exit code follows issue 3 §6.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "cuda/cuda_api.hpp"
#include "support/skip.hpp"
#include "zerocopy/gpu/probe/probe.hpp"

using namespace zc;
using namespace zc::zerocopy::gpu;

namespace {

// A strict little JSON reader: enough to prove the rendering is valid JSON and to read it back.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json& operator[](const std::string& key) const {
    for (const auto& [k, v] : members)
      if (k == key) return v;
    static const Json none;
    return none;
  }
};

struct Parser {
  const std::string& t;
  size_t i = 0;
  void ws() {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i])))
      ++i;
  }
  bool eat(char c) {
    ws();
    if (i < t.size() && t[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::string str() {
    REQUIRE(eat('"'));
    std::string out;
    while (i < t.size() && t[i] != '"') {
      if (t[i] == '\\') {
        ++i;
        REQUIRE(i < t.size());
        const char e = t[i];
        if (e == 'u') {
          REQUIRE(i + 4 < t.size());
          out += static_cast<char>(std::stoi(t.substr(i + 1, 4), nullptr, 16));
          i += 4;
        } else {
          REQUIRE(std::string("\"\\/bfnrt").find(e) != std::string::npos);
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        }
      } else {
        REQUIRE(static_cast<unsigned char>(t[i]) >= 0x20);
        out += t[i];
      }
      ++i;
    }
    REQUIRE(i < t.size());
    ++i;
    return out;
  }
  Json value() {
    ws();
    REQUIRE(i < t.size());
    Json j;
    if (t[i] == '{') {
      ++i;
      j.kind = Json::Object;
      if (eat('}')) return j;
      do {
        ws();
        std::string k = str();
        REQUIRE(eat(':'));
        j.members.emplace_back(k, value());
      } while (eat(','));
      REQUIRE(eat('}'));
    } else if (t[i] == '[') {
      ++i;
      j.kind = Json::Array;
      if (eat(']')) return j;
      do
        j.items.push_back(value());
      while (eat(','));
      REQUIRE(eat(']'));
    } else if (t[i] == '"') {
      j.kind = Json::String;
      j.s = str();
    } else if (t.compare(i, 4, "true") == 0 || t.compare(i, 5, "false") == 0) {
      j.kind = Json::Bool;
      j.b = t[i] == 't';
      i += j.b ? 4 : 5;
    } else {
      j.kind = Json::Number;
      size_t used = 0;
      j.n = std::stod(t.substr(i), &used);
      REQUIRE(used > 0);
      i += used;
    }
    return j;
  }
  Json document() {
    Json j = value();
    ws();
    REQUIRE(i == t.size());
    return j;
  }
};

Json parse(const std::string& text) {
  Parser p{text};
  return p.document();
}

ProbeOptions without_nvidia() {
  ProbeOptions o;
  o.cuda_library = "/nonexistent/zerocast-test/libcuda.so.1";
  o.nvenc_library = "/nonexistent/zerocast-test/libnvidia-encode.so.1";
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

TEST_CASE("probe JSON is valid and carries the report") {
  ProbeReport r = run_probe(without_nvidia());
  // A stage as the lead adds it, with characters that need escaping.
  r.add({"ffmpeg.encoders", Verdict::Ok, "libx264 \"ultrafast\"\tok\n\\ done", {{"path", "C:\\x"}, {"ctl", "\x01"}}});
  const Json j = parse(render_json(r));
  REQUIRE(j.kind == Json::Object);
  CHECK(j["exit_code"].kind == Json::Number);
  CHECK(j["exit_code"].n == 3);
  CHECK(j["cuda"].kind == Json::Bool);
  CHECK_FALSE(j["gpu_import"].b);
  CHECK(j["summary"].s == r.summary());
  const Json& stages = j["stages"];
  REQUIRE(stages.kind == Json::Array);
  REQUIRE(stages.items.size() == r.stages.size());
  for (size_t i = 0; i < r.stages.size(); ++i) {
    CHECK(stages.items[i]["name"].s == r.stages[i].name);
    CHECK(stages.items[i]["reason"].s == r.stages[i].reason);
    CHECK(stages.items[i]["details"].kind == Json::Object);
    const std::string v = stages.items[i]["verdict"].s;
    CHECK((v == "ok" || v == "failed" || v == "unavailable" || v == "not_testable"));
  }
  const Json& last = stages.items.back();
  CHECK(last["reason"].s == "libx264 \"ultrafast\"\tok\n\\ done");
  CHECK(last["details"]["path"].s == "C:\\x");
  CHECK(last["details"]["ctl"].s == "\x01");
  // The lead's stage does not change the exit code.
  CHECK(j["exit_code"].n == 3);
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
