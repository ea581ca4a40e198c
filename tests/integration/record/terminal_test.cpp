// `zerocast record` as a person runs it on a machine without a desktop session: in a terminal,
// with no PipeWire running (zerocast starts a private one), stopped with Ctrl-C or killed.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "record_support.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"
#include "support/terminal.hpp"

using namespace std::chrono_literals;
using zc::test::decode_numbers;
using zc::test::make_temp_dir;
using zc::test::Terminal;
using zc::test::zerocast_bin;

namespace {

// An environment where no PipeWire daemon answers: an empty runtime directory, no remote, no
// session bus.
std::map<std::string, std::string> no_desktop_env(const std::string& runtime_dir) {
  return {{"XDG_RUNTIME_DIR", runtime_dir}};
}
const std::vector<std::string> kUnset = {"PIPEWIRE_REMOTE", "PIPEWIRE_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
                                         "WAYLAND_DISPLAY"};

// Options for a child that finds no PipeWire and no desktop: no_desktop_env in a fresh runtime
// directory, kUnset removed.
zc::test::Process::Options without_desktop() {
  zc::test::Process::Options o;
  o.env = no_desktop_env(make_temp_dir("zc-terminal-runtime"));
  o.unset_env = kUnset;
  return o;
}

// The private runtime directory zerocast said it started PipeWire in; empty before it said so.
std::string private_dir(const std::string& output) {
  static const std::regex said("starting a private one for this run in (/tmp/zerocast-pipewire-[A-Za-z0-9]+)");
  std::smatch m;
  return std::regex_search(output, m, said) ? m[1].str() : std::string();
}

// Pids of the live processes whose environment names `dir` (the private stack runs with
// XDG_RUNTIME_DIR=dir). Zombies have no environment left and are not counted.
std::vector<pid_t> processes_using(const std::string& dir) {
  std::vector<pid_t> found;
  const std::string needle = "XDG_RUNTIME_DIR=" + dir;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ(entry.path() / "environ", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    if (text.find(needle + '\0') != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

bool grown(const std::string& path, uintmax_t bytes) {
  std::error_code ec;
  return std::filesystem::file_size(path, ec) >= bytes && !ec;
}

}  // namespace

TEST_CASE("record in a terminal: Ctrl-C finishes the file and exits 0, the private PipeWire stopped last",
          "[record][terminal]") {
  const std::string dir = make_temp_dir("zc-terminal");
  const std::string runtime = make_temp_dir("zc-terminal-runtime");
  const std::string out = dir + "/ctrl-c.mkv";
  Terminal term({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "--test-fps", "30", "-o", out},
                {.env = no_desktop_env(runtime), .unset_env = kUnset});
  REQUIRE(zc::test::wait_until([&] { return grown(out, 4096) || term.wait(0ms); }, 30s));
  std::this_thread::sleep_for(500ms);
  const std::string stack = private_dir(term.screen());
  INFO(term.screen());
  REQUIRE_FALSE(stack.empty());  // it did start its own PipeWire: what this case is about
  REQUIRE_FALSE(processes_using(stack).empty());
  term.type("\x03");  // SIGINT to the terminal's whole foreground process group
  const auto status = term.wait(20s);
  INFO(term.screen());
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(term.screen().find("interrupted") != std::string::npos);
  CHECK(term.screen().find("disconnected") == std::string::npos);
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.decode.frames.size() > 10);
  CHECK(processes_using(stack).empty());
  CHECK_FALSE(std::filesystem::exists(stack));
}

TEST_CASE("record in a terminal: a second Ctrl-C abandons the run with 130, the file keeps what was written",
          "[record][terminal]") {
  const std::string dir = make_temp_dir("zc-terminal");
  const std::string runtime = make_temp_dir("zc-terminal-runtime");
  const std::string out = dir + "/twice.mkv";
  // Full HD with the file tuning's look-ahead: finishing takes the encoder a while, long enough
  // for the second Ctrl-C to come before the end.
  Terminal term({zerocast_bin(), "record", "--source", "test", "--test-size", "1920x1080", "-o", out},
                {.env = no_desktop_env(runtime), .unset_env = kUnset});
  REQUIRE(zc::test::wait_until([&] { return grown(out, 4096) || term.wait(0ms); }, 30s));
  term.type("\x03");
  // Two signals pending at once are one: the second only after zerocast took the first.
  REQUIRE(zc::test::wait_until([&] { return term.screen().find("again to abandon") != std::string::npos; }, 5s));
  term.type("\x03");
  const auto status = term.wait(20s);
  INFO(term.screen());
  REQUIRE(status);
  CHECK(*status == 130);
  CHECK(term.screen().find("again") != std::string::npos);
  const auto d = decode_numbers(out);
  CHECK(d.decode.frames.size() > 0);
}

TEST_CASE("record killed with SIGKILL: its private PipeWire dies with it, the next run removes the directory",
          "[record][terminal]") {
  const std::string dir = make_temp_dir("zc-terminal");
  const std::string out = dir + "/killed.mkv";
  const zc::test::Process::Options o = without_desktop();
  zc::test::Process p({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "-o", out}, o);
  REQUIRE(zc::test::wait_until([&] { return grown(out, 4096) || !p.running(); }, 30s));
  const std::string stack = private_dir(p.output());
  INFO(p.output());
  REQUIRE_FALSE(stack.empty());
  REQUIRE_FALSE(processes_using(stack).empty());
  ::kill(p.pid(), SIGKILL);
  p.wait(5s);
  // dbus-daemon, PipeWire and WirePlumber get SIGTERM from the kernel as zerocast dies.
  CHECK(zc::test::wait_until([&] { return processes_using(stack).empty(); }, 10s));
  INFO("left: " << processes_using(stack).size());
  REQUIRE(std::filesystem::exists(stack));  // nobody was left to remove it
  const auto next = zc::test::run({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "--duration",
                                   "1", "-o", dir + "/next.mkv"},
                                  60s, o);
  INFO(next.output);
  CHECK(next.status == 0);
  CHECK_FALSE(std::filesystem::exists(stack));
}

TEST_CASE("record --help names Ctrl-C's behaviour and every exit code the README's table has", "[record][terminal]") {
  const auto r = zc::test::run({zerocast_bin(), "record", "--help"}, 10s);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("Ctrl-C") != std::string::npos);
  std::ifstream readme(zc::test::source_dir() + "/README.md");
  const std::string text((std::istreambuf_iterator<char>(readme)), std::istreambuf_iterator<char>());
  const size_t table = text.find("### Exit codes");
  REQUIRE(table != std::string::npos);
  static const std::regex row(R"(\n\| (\d+) \|)");
  int rows = 0;
  for (auto it = std::sregex_iterator(text.begin() + static_cast<std::ptrdiff_t>(table), text.end(), row);
       it != std::sregex_iterator() && rows < 20; ++it) {
    const std::string code = (*it)[1].str();
    if (it->position() > 2000) break;  // past the table
    ++rows;
    CHECK(r.output.find(code + " ") != std::string::npos);
  }
  CHECK(rows == 7);
}

TEST_CASE("record without --source on a machine with no desktop session: an error naming --source test",
          "[record][terminal]") {
  const std::string dir = make_temp_dir("zc-terminal");
  const zc::test::Process::Options o = without_desktop();
  const auto r = zc::test::run({zerocast_bin(), "record", "-o", dir + "/screen.mkv"}, 30s, o);
  INFO(r.output);
  CHECK(r.status == 3);
  CHECK(r.output.find("no desktop session") != std::string::npos);
  CHECK(r.output.find("--source test") != std::string::npos);
  CHECK(private_dir(r.output).empty());  // the test source's private PipeWire was not started
  CHECK_FALSE(std::filesystem::exists(dir + "/screen.mkv"));
}

TEST_CASE("record: options are checked before a private PipeWire starts, and durations take units",
          "[record][terminal]") {
  const std::string dir = make_temp_dir("zc-terminal");
  const zc::test::Process::Options o = without_desktop();
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c :
       {Case{{"-o", dir + "/x.avi"}, "avi"}, Case{{"--duration", "0", "-o", dir + "/x.mkv"}, "--duration"},
        Case{{"--duration", "-1", "-o", dir + "/x.mkv"}, "--duration"},
        Case{{"--duration", "10x", "-o", dir + "/x.mkv"}, "5s, 2m"},
        Case{{"-o", "rtmp://127.0.0.1:1/live/x", "--codec", "av1"}, "AV1"}}) {
    std::vector<std::string> argv = {zerocast_bin(), "record", "--source", "test"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = zc::test::run(argv, 30s, o);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.says) != std::string::npos);
    CHECK(private_dir(r.output).empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/x.mkv"));
  const auto ok = zc::test::run({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "--duration",
                                 "1s", "-o", dir + "/1s.mkv"},
                                60s, o);
  INFO(ok.output);
  CHECK(ok.status == 0);
  const auto d = decode_numbers(dir + "/1s.mkv");
  REQUIRE(d.decode.ok);
  CHECK(d.decode.frames.size() >= 28);  // 1 s at the test source's 30 fps
  CHECK(d.decode.frames.size() <= 31);
}

TEST_CASE("a mistyped command, option or variable gets the nearest name", "[record][terminal]") {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c : {Case{{"recrod"}, "did you mean 'record'?"}, Case{{"ctl", "statsu"}, "did you mean 'status'?"},
                        Case{{"record", "--duratoin", "5", "-o", "/tmp/x.mkv"}, "did you mean --duration?"}}) {
    std::vector<std::string> argv = {zerocast_bin()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = zc::test::run(argv, 10s);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.says) != std::string::npos);
  }
  zc::test::Process::Options o;
  o.env = {{"ZEROCAST_CAPTURE_CODEX", "hevc"}, {"ZEROCAST_AUDIO_SORCES", "input"}};
  const auto r = zc::test::run({zerocast_bin(), "--version"}, 10s, o);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("ZEROCAST_CAPTURE_CODEX is not a zerocast variable and is ignored; did you mean "
                      "ZEROCAST_CAPTURE_CODEC?") != std::string::npos);
  CHECK(r.output.find("ZEROCAST_AUDIO_SORCES is not a zerocast variable") != std::string::npos);
}

TEST_CASE("record reads the daemon's config file, and its own options win over it", "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-record-config");
  std::filesystem::create_directories(dir + "/zerocast");
  std::ofstream(dir + "/zerocast/config.toml") << "[capture]\ncodec = \"hevc\"\n";
  zc::test::Process::Options o;
  o.env = {{"XDG_CONFIG_HOME", dir}};
  const std::vector<std::string> base = {zerocast_bin(), "record",  "--source", "test",
                                         "--test-size",  "320x240", "--frames", "10"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return zc::test::run(argv, 60s, o);
  };
  const auto from_file = with({"-o", dir + "/file.mkv"});
  INFO(from_file.output);
  REQUIRE(from_file.status == 0);
  CHECK(decode_numbers(dir + "/file.mkv").decode.codec == "hevc");
  const auto given = with({"--codec", "h264", "-o", dir + "/given.mkv"});
  INFO(given.output);
  REQUIRE(given.status == 0);
  CHECK(decode_numbers(dir + "/given.mkv").decode.codec == "h264");
  std::ofstream(dir + "/zerocast/config.toml") << "[capture]\ncodec = \"hevc\"\nbitrate = -4\n";
  const auto bad = with({"-o", dir + "/bad.mkv"});
  INFO(bad.output);
  CHECK(bad.status == 2);
  CHECK(bad.output.find("config.toml:3") != std::string::npos);
  CHECK(bad.output.find("capture.bitrate") != std::string::npos);
}

TEST_CASE("record is quiet by default (the summary, no info lines), -v says what each stage does, -q only errors",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-quiet");
  zc::test::Process::Options o;
  o.unset_env = {"ZEROCAST_LOG"};
  auto run = [&](const std::string& flag, const std::string& name) {
    std::vector<std::string> argv = {zerocast_bin(), "record",   "--source", "test", "--test-size",
                                     "320x240",      "--frames", "20",       "-o",   dir + "/" + name + ".mkv"};
    if (!flag.empty()) argv.push_back(flag);
    return zc::test::run(argv, 60s, o);
  };
  const auto quiet = run("", "default");
  INFO(quiet.output);
  CHECK(quiet.status == 0);
  CHECK(quiet.output.find("[I]") == std::string::npos);
  CHECK(quiet.output.find("zerocast record: finished") != std::string::npos);
  CHECK(quiet.output.find("written   ") != std::string::npos);
  const auto verbose = run("-v", "verbose");
  INFO(verbose.output);
  CHECK(verbose.status == 0);
  CHECK(verbose.output.find("[I] record: capturing") != std::string::npos);
  // Why the import path is the one it is: said once among the info lines (and in the summary).
  std::smatch path;
  REQUIRE(std::regex_search(verbose.output, path, std::regex(R"(import path \w+ \((.+)\)\n)")));
  int said = 0;
  std::istringstream lines(verbose.output);
  for (std::string line; std::getline(lines, line);)
    said += line.rfind("[I] ", 0) == 0 && line.find(path[1].str()) != std::string::npos ? 1 : 0;
  INFO("reason: " << path[1].str());
  CHECK(said == 1);
  const auto silent = run("-q", "silent");
  INFO(silent.output);
  CHECK(silent.status == 0);
  CHECK(silent.output.find("zerocast record") == std::string::npos);  // no summary
  CHECK(silent.output.find("[I] ") == std::string::npos);
  CHECK(silent.output.find("[W] ") == std::string::npos);
  CHECK(decode_numbers(dir + "/silent.mkv").decode.frames.size() == 20);
}

TEST_CASE("record in a terminal: one status line that fits 80 columns, with the time left, never inside a log line",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-status");
  Terminal term({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "--test-fps", "30",
                 "--duration", "4", "-v", "-o", dir + "/s.mkv"},
                {});
  const auto status = term.wait(30s);
  INFO(term.screen());
  REQUIRE(status);
  CHECK(*status == 0);
  // Each redraw is "\r\033[K" then the line; a log line clears it first and draws it again after.
  const std::string screen = term.screen();
  size_t lines = 0;
  for (size_t at = screen.find("\r\033[K"); at != std::string::npos; at = screen.find("\r\033[K", at + 1)) {
    const size_t start = at + 4;
    const size_t end = screen.find_first_of("\r\n", start);
    const std::string line = screen.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.find(" fps ") == std::string::npos) continue;
    ++lines;
    INFO(line);
    CHECK(line.size() <= 79);
    CHECK(line.find(" left") != std::string::npos);
    CHECK(line.find("[I]") == std::string::npos);
  }
  CHECK(lines >= 2);
  // Every log line starts a line of its own: none follows a status line's text on the same line.
  static const std::regex glued(R"(fps[^\r\n]*\[[IWE]\])");
  CHECK_FALSE(std::regex_search(screen, glued));
}

TEST_CASE("record to a stream nobody receives fails with exit 5 and says so per output", "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-dead-peer");
  const auto r = zc::test::run({zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "--duration",
                                "2", "-o", dir + "/kept.mkv", "-o", "rtmp://127.0.0.1:1/live/x"},
                               60s);
  INFO(r.output);
  CHECK(r.status == 5);
  CHECK(r.output.find("rtmp://127.0.0.1:1/live/*** never took a packet") != std::string::npos);  // the key redacted
  CHECK(r.output.find("network   rtmp://127.0.0.1:1/live/***: 0 packets sent") != std::string::npos);
  // The file beside it is whole all the same.
  const auto d = decode_numbers(dir + "/kept.mkv");
  REQUIRE(d.decode.ok);
  CHECK(d.decode.frames.size() >= 55);  // 2 s at 30 fps
}

TEST_CASE("record: a file that exists is refused without --force and replaced with it, a missing folder is made",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-exists");
  const std::string kept = dir + "/kept.mkv";
  const std::string yesterday = "yesterday's recording";
  std::ofstream(kept) << yesterday;
  const std::vector<std::string> base = {zerocast_bin(), "record",  "--source", "test",
                                         "--test-size",  "320x240", "--frames", "10"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return zc::test::run(argv, 60s);
  };
  const auto refused = with({"-o", kept});
  INFO(refused.output);
  CHECK(refused.status == 2);
  CHECK(refused.output.find(kept + " exists: give --force to replace it") != std::string::npos);
  CHECK(std::filesystem::file_size(kept) == yesterday.size());
  const auto forced = with({"-o", kept, "--force"});
  INFO(forced.output);
  CHECK(forced.status == 0);
  CHECK(decode_numbers(kept).decode.frames.size() == 10);
  // Folders are made as the daemon and a saved replay make them.
  const std::string deep = dir + "/made/for/it/new.mkv";
  const auto folder = with({"-o", deep});
  INFO(folder.output);
  CHECK(folder.status == 0);
  CHECK(decode_numbers(deep).decode.frames.size() == 10);
  // One that cannot be made (under a file) is an output error before anything starts.
  const auto blocked = with({"-o", kept + "/under/a/file.mkv"});
  INFO(blocked.output);
  CHECK(blocked.status == 5);
  CHECK(blocked.output.find("cannot make the folder " + kept + "/under/a") != std::string::npos);
}

TEST_CASE("record: no -o writes a new dated file in the videos folder, templates expand, and names never collide",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string videos = make_temp_dir("zc-videos");
  zc::test::Process::Options env;
  env.env["XDG_VIDEOS_DIR"] = videos;
  const std::vector<std::string> base = {zerocast_bin(), "record",  "--source", "test",
                                         "--test-size",  "320x240", "--frames", "4"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return zc::test::run(argv, 60s, env);
  };
  auto files = [&](const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  // Twice with no -o, and once into the folder named: three files, none replaced.
  for (int i = 0; i < 2; ++i) {
    const auto r = with({});
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  const auto into = with({"-o", videos + "/"});
  INFO(into.output);
  REQUIRE(into.status == 0);
  const auto made = files(videos);
  REQUIRE(made.size() == 3);
  for (const auto& name : made) {
    INFO(name);
    CHECK(name.rfind("zerocast-20", 0) == 0);
    CHECK(name.ends_with(".mkv"));
    CHECK(decode_numbers(videos + "/" + name).decode.frames.size() == 4);
  }
  // A template: the source, the time; the same name again gets -2.
  const std::string dir = make_temp_dir("zc-template");
  for (int i = 0; i < 2; ++i) {
    const auto r = with({"-o", dir + "/{source}-{id}-%Y.mp4"});
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  const auto year = std::to_string(1900 + [] {
    const std::time_t now = std::time(nullptr);
    std::tm t{};
    localtime_r(&now, &t);
    return t.tm_year;
  }());
  CHECK(files(dir) == std::vector<std::string>{"test-record-" + year + "-2.mp4", "test-record-" + year + ".mp4"});
  const auto bad = with({"-o", dir + "/{user}.mkv"});
  CHECK(bad.status == 2);
  CHECK(bad.output.find("unknown field {user}") != std::string::npos);
  // A run that captured nothing leaves no empty file behind.
  const auto failed =
      zc::test::run({zerocast_bin(), "record", "--source", "node:99999", "-o", dir + "/gone-%Y.mkv"}, 60s, env);
  INFO(failed.output);
  CHECK(failed.status == 3);
  CHECK(files(dir).size() == 2);
}

TEST_CASE("record: a disk that fills mid-recording fails the run with 1, the file playable up to there",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-fills");
  const std::string out = dir + "/filled.mkv";
  // A file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) fills the "disk" at 32 KiB: writes past it
  // fail with EFBIG, as they would with ENOSPC, after the header and some seconds of frames (the
  // whole run would be about 90 KB).
  const std::string command = "ulimit -f 32 && trap '' XFSZ && exec " + zerocast_bin() +
                              " record --source test --test-size 640x360 --frames 600 -o " + out;
  const auto r = zc::test::run({"/bin/bash", "-c", command}, 120s);
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find(out + " failed after") != std::string::npos);
  CHECK(r.output.find("what was written before stays") != std::string::npos);
  const auto d = decode_numbers(out);
  INFO(d.decode.error);
  CHECK(d.decode.frames.size() >= 10);
  CHECK(d.decode.frames.size() < 600);
  CHECK(std::filesystem::file_size(out) <= 32 * 1024);
}

TEST_CASE("record: a stream that finds no peer for network.give_up_seconds fails the run by itself",
          "[record][terminal]") {
  zc::test::PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-give-up");
  zc::test::Process::Options o;
  o.env = {{"ZEROCAST_NETWORK_GIVE_UP_SECONDS", "3"}};
  // No --duration: without the bound it would retry until killed.
  const auto started = std::chrono::steady_clock::now();
  const auto r = zc::test::run(
      {zerocast_bin(), "record", "--source", "test", "--test-size", "320x240", "-o", "rtmp://127.0.0.1:1/live/x"}, 60s,
      o);
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(r.output);
  CHECK_FALSE(r.timed_out);
  CHECK(r.status == 5);
  CHECK(took < 30s);
  CHECK(r.output.find("giving up after 3 s without a peer") != std::string::npos);
  CHECK(r.output.find("no peer for 3 s, gave up") != std::string::npos);
  CHECK(r.output.find("never took a packet") != std::string::npos);
  // The refusal is said in full for the first attempt only (FFmpeg's two lines and the output's
  // own), not again for each retry: those are info lines of ours.
  std::istringstream lines(r.output);
  int refusals = 0;
  for (std::string line; std::getline(lines, line);)
    refusals += line.rfind("[E] ffmpeg: ", 0) == 0 || line.rfind("[E] output:rtmp: cannot open", 0) == 0 ? 1 : 0;
  CHECK(refusals >= 1);
  CHECK(refusals <= 3);
  CHECK(r.output.find("still unreachable") != std::string::npos);
}
