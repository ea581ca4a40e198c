// Capturing producers other than our in-process test source: a separate `zerocast test-source`
// process, and GStreamer's pipewiresink (a foreign producer, in its default follower mode).
// These run serially: frame counts against a foreign producer need the CPU to themselves.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
}

#include <nlohmann/json.hpp>

#include "capture/graph/source.hpp"
#include "capture/video/producer_formats.hpp"
#include "record_support.hpp"
#include "session/record_options.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;
using zc::test::consecutive_problem;
using zc::test::decode_numbers;
using zc::test::errors_first;
using zc::test::zerocast;

namespace {

// A `zerocast test-source` process (320x240 at 30 fps), once it printed its serial.
struct SourceProcess {
  zc::test::Process process;
  uint64_t serial = 0;
};
SourceProcess start_source_process(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"test-source", "--size", "320x240", "--fps", "30"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto process = zc::test::start_zerocast(args);
  const auto serial = zc::test::wait_for_serial(process, 10s);
  INFO(process.output());
  REQUIRE(serial);
  return SourceProcess{std::move(process), *serial};
}

}  // namespace

TEST_CASE("record: a test-source process captured by its serial", "[record][sources]") {
  zc::test::PipeWireDaemon pw;
  auto source = start_source_process();
  INFO(source.process.output());
  const auto out = zc::test::make_temp_dir("zc-src") + "/p.mkv";
  auto r =
      zerocast({"record", "--source", "serial:" + std::to_string(source.serial), "--frames", "45", "-o", out}, 30s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.numbers.size() == 45);
  CHECK(consecutive_problem(d.numbers).empty());
}

TEST_CASE("record: a 30 fps producer's GOP is two seconds of its own frames, not of a nominal 60",
          "[record][sources]") {
  zc::test::PipeWireDaemon pw;
  auto source = start_source_process();
  INFO(source.process.output());
  const auto out = zc::test::make_temp_dir("zc-src") + "/gop.mkv";
  // Low latency: no scene cuts, keyframes only where the GOP puts them.
  auto r = zerocast({"record", "--source", "serial:" + std::to_string(source.serial), "--encoder", "libx264",
                     "--low-latency", "--frames", "130", "-o", out},
                    40s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("gop 60") != std::string::npos);  // the encoder's open line
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  REQUIRE(d.decode.frames.size() == 130);
  std::vector<size_t> keyframes;
  for (size_t i = 0; i < d.decode.frames.size(); ++i) {
    if (d.decode.frames[i].keyframe) keyframes.push_back(i);
  }
  CHECK(keyframes == std::vector<size_t>{0, 60, 120});
}

TEST_CASE("record: GStreamer's pipewiresink, exactly as many frames as it sent", "[record][sources]") {
  if (!zc::test::have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 is not installed");
  zc::test::PipeWireDaemon pw;
  constexpr int kBuffers = 90;
  constexpr int kTail = 20;
  // kBuffers frames of the moving ball, then kTail black ones: pipewiresink 0.3.65 leaves its
  // stream at end of stream with whatever the graph has not taken yet (1 or 2 frames now and then
  // on a loaded machine; formats_test.cpp), so the tail takes that loss and the ball's frames are
  // counted exactly. Default (follower) mode; node.autoconnect=false keeps WirePlumber from
  // looking for a sink for it (it would kill the stream with "no node available").
  zc::test::Process gst({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=" + std::to_string(kBuffers),
                         "pattern=ball", "!", "concat", "name=c", "!",
                         "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1", "!", "pipewiresink",
                         "stream-properties=props,node.name=(string)zc-gst,node.autoconnect=(boolean)false,"
                         "node.latency=(string)800/48000",
                         "videotestsrc", "num-buffers=" + std::to_string(kTail), "pattern=black", "!", "c."});
  std::optional<zc::capture::Target> target;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!target && std::chrono::steady_clock::now() < deadline) {
    auto nodes = zc::capture::list_nodes(2s);
    if (nodes) {
      for (const auto& n : *nodes) {
        if (n.name == "zc-gst") target = zc::capture::Target{n.serial, n.id, n.name};
      }
    }
    if (!target) std::this_thread::sleep_for(50ms);
  }
  INFO(gst.output());
  REQUIRE(target);
  const auto out = zc::test::make_temp_dir("zc-src") + "/gst.mkv";
  auto r = zerocast({"record", "--source", "serial:" + std::to_string(target->serial), "-o", out}, 40s);
  INFO(errors_first(r.output));
  // It sends its buffers, then leaves: the capture ends with the producer.
  CHECK(r.status == 0);
  CHECK(r.output.find("producer ended") != std::string::npos);
  // A ball frame has the white ball in it; a black one has nothing above black (16, and a
  // little coding noise). The ball's frames come first, all of them, then the black ones.
  size_t ball = 0, black = 0, ball_after_black = 0;
  const auto d = zc::test::decode_file(out, [&](const AVFrame& f) {
    uint8_t brightest = 0;
    for (int y = 0; y < f.height; ++y) {
      const uint8_t* row = f.data[0] + static_cast<ptrdiff_t>(y) * f.linesize[0];
      brightest = std::max(brightest, *std::max_element(row, row + f.width));
    }
    if (brightest > 128) {
      ++ball;
      if (black > 0) ++ball_after_black;
    } else {
      ++black;
    }
  });
  REQUIRE(d.ok);
  CHECK(ball == static_cast<size_t>(kBuffers));
  CHECK(ball_after_black == 0);
  CHECK(black <= static_cast<size_t>(kTail));
  CHECK(black + 3 >= static_cast<size_t>(kTail));
}

TEST_CASE("record: a software encoder on a producer of shared memory only takes the CPU path without the GPU one",
          "[record][sources]") {
  // On a machine with the NVIDIA driver, bringing up EGL, Vulkan and CUDA for frames the CPU path
  // converts anyway cost 0.5-1.6 CPU-s and about 170 MB (README, the GPU machine). The producer's
  // EnumFormat says beforehand whether a dmabuf can come.
  zc::test::PipeWireDaemon pw;
  auto shm = start_source_process();
  auto dmabuf = start_source_process({"--mode", "dmabuf", "--dmabuf-alloc", "memfd", "--name", "zc-dmabuf-offer"});
  INFO(shm.process.output() << dmabuf.process.output());
  using Spec = zc::capture::SourceSpec;
  const auto shm_target = zc::capture::resolve_source(Spec{Spec::Kind::serial, shm.serial});
  const auto dmabuf_target = zc::capture::resolve_source(Spec{Spec::Kind::serial, dmabuf.serial});
  REQUIRE(shm_target);
  REQUIRE(dmabuf_target);
  const auto shm_offers = zc::capture::offers_dmabuf(*shm_target);
  const auto dmabuf_offers = zc::capture::offers_dmabuf(*dmabuf_target);
  REQUIRE(shm_offers);
  REQUIRE(dmabuf_offers);
  CHECK_FALSE(*shm_offers);
  CHECK(*dmabuf_offers);
  // A node that is gone: an error, which leaves the choice as it was.
  CHECK_FALSE(zc::capture::offers_dmabuf(zc::capture::Target{0, 999999, "gone"}, 1s));

  const std::string cpu_only = "import path cpu (libx264 on a producer that offers shared memory only)";
  const std::string dir = zc::test::make_temp_dir("zc-choice");
  const auto record = [&](uint64_t serial, const std::string& encoder) {
    auto r = zerocast({"record", "--source", "serial:" + std::to_string(serial), "--encoder", encoder, "--frames", "10",
                       "-o", dir + "/" + encoder + std::to_string(serial) + ".mkv"},
                      30s);
    INFO(errors_first(r.output));
    CHECK(r.status == 0);
    return r.output;
  };
  CHECK(record(shm.serial, "libx264").find(cpu_only) != std::string::npos);
  // A producer that may send dmabufs, and auto (NVENC takes CUDA frames): the GPU path stays in play.
  CHECK(record(dmabuf.serial, "libx264").find("offers shared memory only") == std::string::npos);
  CHECK(record(shm.serial, "auto").find("offers shared memory only") == std::string::npos);
}

TEST_CASE("sources: lists the video and sound nodes as --source and --audio take them", "[sources]") {
  zc::test::PipeWireDaemon pw(zc::test::PipeWireDaemon::Options{.null_sink = true});
  auto source = start_source_process();
  INFO(source.process.output());
  const auto r = zerocast({"sources"}, 20s);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto video = r.output.find("Video, for --source:");
  const auto sound = r.output.find("Sound, for --audio:");
  REQUIRE(video != std::string::npos);
  REQUIRE(sound != std::string::npos);
  // The test source under video only, the null sink under sound only.
  const std::string serial = "serial:" + std::to_string(source.serial) + " ";
  const auto source_at = r.output.find(serial);
  REQUIRE(source_at != std::string::npos);
  CHECK(source_at > video);
  CHECK(source_at < sound);
  CHECK(r.output.find(serial, source_at + 1) == std::string::npos);
  const auto sink_at = r.output.find("name:zc-null ");
  REQUIRE(sink_at != std::string::npos);
  CHECK(sink_at > sound);
  CHECK(r.output.find("through its monitor", sink_at) != std::string::npos);

  // The node id on the test source's line is the one record takes.
  const auto line_start = r.output.rfind("node:", source_at);
  REQUIRE(line_start != std::string::npos);
  const std::string node = r.output.substr(line_start, r.output.find(' ', line_start) - line_start);
  const auto out = zc::test::make_temp_dir("zc-src") + "/listed.mkv";
  const auto rec = zerocast({"record", "--source", node, "--frames", "5", "-o", out}, 30s);
  INFO(errors_first(rec.output));
  CHECK(rec.status == 0);
}

TEST_CASE("sources: --json lists the same for programs, each value one record takes", "[sources]") {
  zc::test::PipeWireDaemon pw(zc::test::PipeWireDaemon::Options{.null_sink = true});
  auto source = start_source_process();
  INFO(source.process.output());
  const auto r = zerocast({"sources", "--json"}, 20s);
  INFO(r.output);
  REQUIRE(r.status == 0);
  // The object is all of stdout; stderr (merged here) may carry PipeWire's own warnings.
  const auto open = r.output.find('{'), close = r.output.rfind('}');
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  const auto j = nlohmann::json::parse(r.output.substr(open, close - open + 1), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j["video"].is_array());
  REQUIRE(j["sound"].is_array());
  const auto find = [](const nlohmann::json& list, const auto& match) {
    std::vector<nlohmann::json> found;
    for (const auto& e : list)
      if (match(e)) found.push_back(e);
    return found;
  };
  // The test source: once, under video, with its serial, id and class.
  const auto by_serial = [&](const nlohmann::json& e) { return e.value("serial", uint64_t{0}) == source.serial; };
  const auto videos = find(j["video"], by_serial);
  REQUIRE(videos.size() == 1);
  CHECK(find(j["sound"], by_serial).empty());
  const auto& v = videos.front();
  CHECK(v["kind"] == "node");
  CHECK(v["media_class"] == "Video/Source");
  CHECK(v["value"] == "node:" + std::to_string(v["id"].get<uint32_t>()));
  CHECK(v["aliases"] == nlohmann::json::array({"serial:" + std::to_string(source.serial)}));
  CHECK(v["gamescope"] == false);
  CHECK(find(j["video"], [](const auto& e) { return e["value"] == "portal"; }).size() == 1);
  CHECK(find(j["video"], [](const auto& e) { return e["value"] == "test"; }).size() == 1);
  // The null sink: under sound, through its monitor, named.
  const auto sinks = find(j["sound"], [](const auto& e) { return e.value("name", "") == "zc-null"; });
  REQUIRE(sinks.size() == 1);
  CHECK(sinks.front()["monitor"] == true);
  const auto& aliases = sinks.front()["aliases"];
  CHECK(std::find(aliases.begin(), aliases.end(), "name:zc-null") != aliases.end());
  CHECK(find(j["sound"], [](const auto& e) { return e["value"] == "output"; }).size() == 1);

  // The video entry's value is what record takes.
  const auto out = zc::test::make_temp_dir("zc-src") + "/json.mkv";
  const auto rec = zerocast({"record", "--source", v["value"].get<std::string>(), "--frames", "5", "-o", out}, 30s);
  INFO(errors_first(rec.output));
  CHECK(rec.status == 0);
}

TEST_CASE("sources: without a PipeWire daemon it says so and fails", "[sources]") {
  const std::string empty = zc::test::make_temp_dir("zc-nopw");
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved_dir = saved ? saved : "";
  setenv("XDG_RUNTIME_DIR", empty.c_str(), 1);
  unsetenv("PIPEWIRE_REMOTE");
  const auto r = zerocast({"sources"}, 20s);
  saved ? setenv("XDG_RUNTIME_DIR", saved_dir.c_str(), 1) : unsetenv("XDG_RUNTIME_DIR");
  INFO(r.output);
  CHECK(r.status == zc::session::kExitRuntime);
  CHECK(r.output.find("sources:") != std::string::npos);
  CHECK(r.output.find("PipeWire") != std::string::npos);
  CHECK(r.output.find("Video, for --source:") == std::string::npos);
}
