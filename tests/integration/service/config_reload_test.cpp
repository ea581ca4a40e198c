// The config file from the daemon's side: refused at start with file, line and key; on SIGHUP
// or ReloadConfig a broken file keeps the last good config and the error reaches D-Bus.
#include <signal.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "support/paths.hpp"
#include "support/text.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("the daemon refuses to start on an invalid config, naming file, line and key", "[daemon][config]") {
  DaemonOptions o;
  o.config = default_test_config() + "[replay]\nseconds = 30\nmax_megabytes = \"lots\"\n";
  o.wait_ready = false;
  DaemonHarness d(o);
  auto status = d.process().wait(20s);
  REQUIRE(status);
  CHECK(*status == 2);
  const std::string out = d.process().output();
  INFO(out);
  // default_test_config() has 10 lines; the bad key is on line 13.
  CHECK(has(out, d.config_path() + ":13"));
  CHECK(has(out, "'replay.max_megabytes' must be an integer, not a string"));

  SECTION("the environment and the command line are checked too, and win over the file") {
    const std::string example = zc::test::source_dir() + "/config/zerocast.toml";
    auto r = run({zerocast_bin(), "daemon", "--config", example, "--set", "daemon.max_captures=0"}, 20s);
    CHECK(r.status == 2);
    CHECK(has(r.output, "daemon.max_captures"));
    Process::Options env;
    env.env["ZEROCAST_CAPTURE_CODEC"] = "mpeg2";
    auto e = run({zerocast_bin(), "daemon", "--config", example}, 20s, env);
    CHECK(e.status == 2);
    CHECK(has(e.output, "ZEROCAST_CAPTURE_CODEC"));
    auto missing = run({zerocast_bin(), "daemon", "--config", "/nonexistent/zerocast.toml"}, 20s);
    CHECK(missing.status == 2);
    CHECK(has(missing.output, "/nonexistent/zerocast.toml: does not exist"));
  }
}

TEST_CASE("SIGHUP and ReloadConfig keep the last good config and report a broken one", "[daemon][config]") {
  DaemonOptions o;
  o.config = default_test_config("max_captures = 3\n");
  DaemonHarness d(o);
  SignalRecorder signals;

  // Broken: the daemon goes on with what it had, and says why (property + signal).
  write(d.config_path(), "[daemon]\nmax_captures = 1\n\n[capture]\nbitrat = 5000\n");
  d.process().signal(SIGHUP);
  auto error = signals.wait_for([](auto& s) { return s.path == kManager && s.member == "Error"; }, 10s);
  REQUIRE(error);
  CHECK(has(error->args[0], d.config_path() + ":5"));
  CHECK(has(error->args[0], "unknown key 'capture.bitrat'"));
  CHECK(signals.wait_for(
      [](auto& s) {
        return s.path == kManager && s.member == "PropertiesChanged" &&
               std::find(s.args.begin(), s.args.end(), "ConfigError") != s.args.end();
      },
      3s));
  CHECK(has(d.property(kManager, kManagerIface, "ConfigError"), "capture.bitrat"));
  auto status = d.ctl({"status"});
  CHECK(has(status.output, "config error"));
  auto reload = d.ctl({"reload"});
  CHECK(reload.status == 1);
  CHECK(has(reload.output, "capture.bitrat"));
  CHECK(has(reload.output, "(Config)"));
  // Still max_captures = 3 from the last good config (the broken file said 1).
  REQUIRE(d.ctl({"start", "--replay", "2"}).status == 0);
  REQUIRE(d.ctl({"start", "--replay", "2"}).status == 0);

  // Fixed: the new values apply to captures started from now on.
  write(d.config_path(), default_test_config("max_captures = 2\n"));
  const size_t mark = signals.count();
  d.process().signal(SIGHUP);
  REQUIRE(d.wait_property(
      kManager, kManagerIface, "ConfigError", [](auto& v) { return v.empty(); }, 10s));
  CHECK(signals.wait_for(
      [](auto& s) {
        return s.member == "PropertiesChanged" &&
               std::find(s.args.begin(), s.args.end(), "ConfigError") != s.args.end();
      },
      3s, mark));
  auto third = d.ctl({"start", "--replay", "2"});
  CHECK(third.status == 1);
  CHECK(has(third.output, "(TooManyCaptures)"));
  CHECK(has(third.output, "the limit is 2"));
  CHECK(d.ctl({"reload"}).status == 0);
  CHECK(d.process().running());
}
