// `zerocast ctl`: the README's examples run as shown, and the client's own rules (which capture,
// exit codes, error kinds).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "support/paths.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// The object path `ctl start` printed.
std::string capture_path(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex("/io/github/zerocast/Zerocast1/capture/[0-9]+")) ? m.str() : "";
}

std::vector<std::string> example_lines() {
  std::ifstream in(source_dir() + "/tests/integration/service/ctl_examples.sh");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t$");
  if (b == std::string::npos) return "";
  s = s.substr(b);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
    s.pop_back();
  return s;
}

const std::string kCapture2 = "/io/github/zerocast/Zerocast1/capture/2";

}  // namespace

TEST_CASE("every README example of zerocast ctl works as shown", "[daemon][ctl]") {
  const auto lines = example_lines();
  REQUIRE(lines.size() >= 8);

  // README.md may show only examples this test runs.
  std::ifstream readme(source_dir() + "/README.md");
  std::string line;
  while (std::getline(readme, line)) {
    const std::string t = trim(line);
    if (t.rfind("zerocast ctl ", 0) != 0) continue;
    // A trailing comment in the README is commentary, not part of the command.
    const std::string command = trim(t.substr(0, t.find("  #")));
    INFO("README.md shows an example the test does not run: " << command);
    CHECK(std::find(lines.begin(), lines.end(), command) != lines.end());
  }

  DaemonHarness d;
  std::filesystem::create_directories(d.dir() + "/Videos");
  Process::Options o;
  o.cwd = d.dir();
  o.env["HOME"] = d.dir();
  o.env["PATH"] = std::filesystem::path(zerocast_bin()).parent_path().string() + ":" + std::getenv("PATH");
  for (const auto& command : lines) {
    // A person types more slowly than this loop: let what the previous line started get going.
    for (const auto& path : {kCapture1, kCapture2}) {
      if (d.property(kManager, kManagerIface, "Captures").find(path) == std::string::npos) continue;
      REQUIRE(d.wait_property(
          path, kCaptureIface, "State", [](auto& v) { return v == "capturing"; }, 20s));
      REQUIRE(d.wait_property(
          path, kCaptureIface, "ReplaySeconds", [](auto& v) { return std::stod(v) > 1; }, 20s));
    }
    auto r = run({"sh", "-c", command}, 90s, o);
    INFO(command << "\n" << r.output);
    REQUIRE(r.status == 0);
    if (command == lines[0]) CHECK(r.output == kCapture1 + "\n");
    if (command.find("status") != std::string::npos) {
      CHECK(r.output.find("state     capturing") != std::string::npos);
      CHECK(r.output.find(d.dir() + "/Videos/desk.mkv") != std::string::npos);
    }
    if (command.find("--bitrate 6000") != std::string::npos) CHECK(r.output == kCapture2 + "\n");
    if (command == "zerocast ctl pause") {
      CHECK(r.output == "paused " + kCapture1 + "\n");
      CHECK(d.property(kCapture1, kCaptureIface, "Paused") == "true");
    }
    if (command == "zerocast ctl resume") CHECK(r.output == "resumed " + kCapture1 + "\n");
    if (command.find("ctl bitrate 4000") != std::string::npos) {
      CHECK(r.output.find("4000 kbit/s") != std::string::npos);
      CHECK(d.property(kCapture2, kCaptureIface, "Bitrate") == "4000");
      CHECK(d.property(kCapture2, kCaptureIface, "Outputs").find("srt://127.0.0.1:9000") != std::string::npos);
    }
  }
  CHECK(d.property(kManager, kManagerIface, "Captures") == "0");
  const Numbers clip = decode_numbers(d.dir() + "/Videos/clip.mkv");
  CHECK(clip.result.ok);
  CHECK(!clip.numbers.empty());
  CHECK(consecutive(clip.numbers));
  const Numbers desk = decode_numbers(d.dir() + "/Videos/desk.mkv");
  CHECK(desk.result.ok);
  // One break: the frames that came between `ctl pause` and `ctl resume` (two ctl runs apart, more
  // than a frame), left out.
  const std::string desk_breaks = breaks(desk.numbers);
  INFO(desk_breaks);
  CHECK(std::count(desk_breaks.begin(), desk_breaks.end(), ' ') == 1);
  CHECK(desk.numbers.size() > clip.numbers.size());
}

TEST_CASE("zerocast ctl names the captures when it cannot tell which one, and the error's kind", "[daemon][ctl]") {
  DaemonHarness d;
  REQUIRE(d.ctl({"start", "--replay", "5"}).status == 0);
  REQUIRE(d.ctl({"start", "--replay", "5"}).status == 0);
  auto ambiguous = d.ctl({"keyframe"});
  CHECK(ambiguous.status == 2);
  CHECK(ambiguous.output.find("2 captures are running") != std::string::npos);
  CHECK(ambiguous.output.find(kCapture1) != std::string::npos);
  CHECK(ambiguous.output.find(kCapture2) != std::string::npos);
  CHECK(ambiguous.output.find("--capture") != std::string::npos);

  auto zero = d.ctl({"bitrate", "0", "--capture", "1"});
  CHECK(zero.status == 1);
  CHECK(zero.output.find("(InvalidArgument)") != std::string::npos);
  auto pair = d.ctl({"start", "-o", "x.ts", "--codec", "av1"});
  CHECK(pair.status == 1);
  CHECK(pair.output.find("(Unsupported)") != std::string::npos);
  auto gone = d.ctl({"stop", "--capture", "99"});
  INFO(gone.output);
  CHECK(gone.status == 2);
  CHECK(gone.output.find("no capture '99' is running (zerocast ctl status lists them)") != std::string::npos);
  CHECK(gone.output.find("UnknownObject") == std::string::npos);
  // Started without a bitrate: constant quality, which says how to get one.
  auto quality = d.ctl({"bitrate", "4000", "--capture", "1"});
  INFO(quality.output);
  CHECK(quality.status == 1);
  CHECK(quality.output.find("zerocast ctl start --bitrate") != std::string::npos);
  // StartCapture's keys in ctl's words.
  auto nothing = d.ctl({"start"});
  INFO(nothing.output);
  CHECK(nothing.status == 1);
  CHECK(nothing.output.find("--output") != std::string::npos);
  CHECK(nothing.output.find("--replay") != std::string::npos);
  CHECK(nothing.output.find("'outputs'") == std::string::npos);
  auto usage = d.ctl({"bitrate"});
  CHECK(usage.status == 2);
  // A file that exists is refused in ctl's words, and replaced with --force; a missing folder is made.
  const std::string kept = d.dir() + "/kept.mkv", made = d.dir() + "/made/here/new.mkv";
  std::ofstream(kept) << "yesterday's recording";
  auto exists = d.ctl({"start", "-o", kept});
  INFO(exists.output);
  CHECK(exists.status == 1);
  CHECK(exists.output.find(kept + " exists; to replace it, set --force") != std::string::npos);
  CHECK(std::filesystem::file_size(kept) == std::string("yesterday's recording").size());
  auto forced = d.ctl({"start", "-o", kept, "--force"});
  INFO(forced.output);
  REQUIRE(forced.status == 0);
  CHECK(d.ctl({"stop", "--capture", capture_path(forced.output)}).status == 0);
  CHECK(std::filesystem::file_size(kept) > 1000);
  auto folder = d.ctl({"start", "-o", made});
  INFO(folder.output);
  REQUIRE(folder.status == 0);
  CHECK(d.ctl({"stop", "--capture", capture_path(folder.output)}).status == 0);
  CHECK(std::filesystem::file_size(made) > 1000);

  CHECK(d.ctl({"stop", "--capture", "1"}).status == 0);
  auto only = d.ctl({"keyframe"});  // one left: no --capture needed
  CHECK(only.status == 0);
  CHECK(only.output.find(kCapture2) != std::string::npos);
  CHECK(d.ctl({"stop"}).status == 0);
  auto none = d.ctl({"stop"});
  CHECK(none.status == 1);
  CHECK(none.output.find("no capture is running") != std::string::npos);
}

TEST_CASE("the daemon's test source without a running PipeWire says what to start", "[daemon][ctl]") {
  DaemonHarness d;
  d.pipewire().kill_pipewire();
  auto r = d.ctl({"start", "--source", "test", "-o", d.dir() + "/t.mkv"});
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("cannot connect to the PipeWire daemon") != std::string::npos);
  CHECK(r.output.find("systemctl --user start pipewire wireplumber") != std::string::npos);
  CHECK(r.output.find("zerocast record --source test") != std::string::npos);
}

TEST_CASE("zerocast ctl without a daemon says so", "[daemon][ctl]") {
  PipeWireDaemon bus_only;  // a session bus where nobody owns the daemon's name
  auto r = run({zerocast_bin(), "ctl", "status"}, 30s);
  CHECK(r.status == 3);
  CHECK(r.output.find("no zerocast daemon on the session bus") != std::string::npos);
}
