// Sound faults in `zerocast record`: a device that goes away mid-recording and comes back. The
// video goes on, the track goes on in silence (counted), capture resumes when the device returns,
// and the file is whole.
#include <cmath>
#include <csignal>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "graph.hpp"
#include "record_support.hpp"
#include "support/decode.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// The id of the node named `name`, if there is one.
std::optional<std::string> node_id(const std::string& name) {
  const auto ids = node_ids(name);
  return ids.empty() ? std::nullopt : std::optional<std::string>(ids.back());
}

}  // namespace

TEST_CASE("record --audio: a device removed mid-recording is silence, and capture resumes when it returns",
          "[record][audio][faults]") {
  PipeWireDaemon pw;
  pw.create_null_sink("zc-dev");
  const std::string path = make_temp_dir("zc-audio-fault") + "/fault.mkv";
  // Stopped by SIGINT once the return was seen, not by --duration: a fixed length raced the steps
  // below on a loaded machine (CI, ASan), ending the recording before the device came back.
  Process rec = start_zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "--audio",
                                "name:zc-dev", "-o", path});
  const std::string capturing = "audio: name:zc-dev: capturing";
  REQUIRE(wait_until([&] { return count(rec.output(), capturing) >= 1; }, 15s));
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1500ms);

  // The device goes (a USB card unplugged: its node destroyed).
  const auto id = node_id("zc-dev");
  REQUIRE(id);
  REQUIRE(run({"pw-cli", "destroy", *id}, 5s).status == 0);
  INFO(rec.output());
  CHECK(wait_until([&] { return rec.output().find("goes on in silence") != std::string::npos; }, 5s));
  std::this_thread::sleep_for(2s);  // retried once a second meanwhile, quietly

  // It comes back under the same name: found again.
  pw.create_null_sink("zc-dev");
  CHECK(wait_until([&] { return count(rec.output(), capturing) >= 2; }, 8s));
  std::this_thread::sleep_for(1500ms);  // sound after the return, in the file
  rec.signal(SIGINT);
  const auto recorded = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto status = rec.wait(30s);
  REQUIRE(status);
  CHECK(*status == 0);
  const std::string out = rec.output();
  CHECK(count(out, "goes on in silence") == 1);  // warned once for the outage, not per retry
  // The summary counts the hole and the reconnection.
  std::smatch m;
  REQUIRE(std::regex_search(
      out, m,
      std::regex(R"(sound +name:zc-dev: [^,]+, ([0-9.]+) s, (\d+) holes? filled \(([0-9.]+) s\).*reconnected (\d+))")));
  CHECK(std::stoi(m[2]) >= 1);
  CHECK(std::stod(m[3]) >= 1.0);  // two seconds away, less what the device's last cycles covered
  CHECK(std::stoi(m[4]) >= 1);

  // The file: both streams whole, the sound as long as the picture.
  const auto probe = probe_streams(path);
  INFO(probe.error);
  REQUIRE(probe.ok);
  REQUIRE(probe.streams.size() == 2);
  const auto* video = probe.first(false);
  const auto* audio = probe.first(true);
  REQUIRE(video);
  REQUIRE(audio);
  CHECK(audio->decode_errors == 0);
  // At least what passed between the first "capturing" and the interrupt (the picture began before).
  CHECK(static_cast<double>(video->duration_us()) / 1e6 >= recorded - 0.2);
  CHECK(std::fabs(static_cast<double>(audio->duration_us() - video->duration_us())) / 1e6 <= 0.022);
}
