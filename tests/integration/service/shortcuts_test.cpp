// Global shortcuts ([shortcuts]): the daemon binds its actions through the GlobalShortcuts portal
// and each Activated does what `zerocast ctl` would. The real xdg-desktop-portal (Debian 12's
// 1.16) forwards to a backend of the tests' own (shortcuts_stub.hpp), found through a .portal file
// in a temporary XDG_DESKTOP_PORTAL_DIR; the Registry of 1.20+ (and the refusal of an unnamed
// application of 1.21+) is checked against a stand-in frontend of the tests' own; and a bus with
// no portal at all leaves the daemon as it was, saying so once.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "notification_server.hpp"
#include "shortcuts_stub.hpp"
#include "support/skip.hpp"
#include "support/text.hpp"

using namespace zc::test;
using namespace std::chrono_literals;
using Call = ShortcutsStub::Call;
using Notification = NotificationServer::Notification;

namespace {

constexpr const char* kFrontendBinary = "/usr/libexec/xdg-desktop-portal";

// The test config with a [shortcuts] table (and a replay buffer for save_replay).
std::string shortcuts_config(const std::string& start_stop = "CTRL+ALT+S") {
  return default_test_config() +
         "[replay]\nseconds = 5\n"
         "[audio]\nsources = \"input\"\n"
         "[shortcuts]\nsave_replay = \"CTRL+ALT+R\"\nreplay_seconds = 2\nstart_stop = \"" +
         start_stop + "\"\npause_resume = \"CTRL+ALT+P\"\nmute_microphone = \"CTRL+ALT+M\"\n";
}

std::string read_log(const DaemonHarness& d) {
  std::ifstream in(d.dir() + "/daemon.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

bool wait_log(const DaemonHarness& d, const std::string& part, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (has(read_log(d), part)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return has(read_log(d), part);
}

bool is_bind(const Call& c) {
  return c.member == "BindShortcuts";
}

// The four configured actions, each with its trigger and a description.
void check_bound(const Call& bind, const std::string& start_stop = "CTRL+ALT+S") {
  std::map<std::string, std::string> triggers;
  for (const auto& s : bind.shortcuts) {
    INFO(s.id);
    CHECK(!s.description.empty());
    triggers[s.id] = s.trigger;
  }
  CHECK(triggers == std::map<std::string, std::string>{{"save_replay", "CTRL+ALT+R"},
                                                       {"start_stop", start_stop},
                                                       {"pause_resume", "CTRL+ALT+P"},
                                                       {"mute_microphone", "CTRL+ALT+M"}});
  for (const auto& s : bind.shortcuts) {
    if (s.id == "save_replay") CHECK(s.description == "Save the last 2 s of the replay buffer");
  }
}

std::function<bool(const Notification&)> summary_is(const std::string& summary) {
  return [summary](const Notification& n) { return n.summary == summary; };
}

// The real frontend on the private bus, its backend chosen by XDG_CURRENT_DESKTOP.
struct RealPortal {
  std::string dir = make_temp_dir("zc-portal");
  std::unique_ptr<ShortcutsStub> backend;
  std::unique_ptr<Process> frontend;

  void start() {
    std::filesystem::create_directories(dir + "/portals");
    std::ofstream(dir + "/portals/zctest.portal") << ShortcutsStub::portal_file();
    backend = std::make_unique<ShortcutsStub>(ShortcutsStub::Role::backend);
    Process::Options o;
    o.log_path = dir + "/portal.log";
    o.env = {{"XDG_CURRENT_DESKTOP", ShortcutsStub::kDesktop},
             {"XDG_DESKTOP_PORTAL_DIR", dir + "/portals"},  // 1.16 reads its .portal files from here
             {"XDG_DATA_HOME", dir + "/data"},
             {"GIO_USE_VFS", "local"},
             {"GSETTINGS_BACKEND", "memory"}};
    frontend = std::make_unique<Process>(std::vector<std::string>{kFrontendBinary, "-r", "-v"}, o);
    const auto end = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < end && frontend->running()) {
      if (run({"busctl", "--user", "status", "org.freedesktop.portal.Desktop"}, 5s).status == 0) return;
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("xdg-desktop-portal did not come up:\n" + frontend->output());
  }
  ~RealPortal() {
    frontend.reset();
    std::error_code ec;
    if (!std::getenv("ZC_TEST_KEEP")) std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("the real xdg-desktop-portal: every action bound with its trigger, each Activated does its thing",
          "[daemon][shortcuts]") {
  if (!have_program(kFrontendBinary)) ZC_SKIP("xdg-desktop-portal is not installed");
  RealPortal portal;
  DaemonOptions o;
  o.config = shortcuts_config();
  o.before_start = [&portal] { portal.start(); };
  DaemonHarness d(o);
  NotificationServer server;
  ShortcutsStub& backend = *portal.backend;
  INFO("portal log:\n" << portal.frontend->output());

  // The frontend passed CreateSession and BindShortcuts on to our backend.
  auto created = backend.wait_for([](auto& c) { return c.member == "CreateSession"; }, 15s);
  REQUIRE(created);
  auto bind = backend.wait_for(is_bind, 15s);
  REQUIRE(bind);
  CHECK(bind->session == created->session);
  check_bound(*bind);
  REQUIRE(wait_log(d, "global shortcuts: the desktop bound 4 of 4", 10s));
  CHECK(has(read_log(d), "start_stop (CTRL+ALT+S)"));

  // start_stop with no capture: one starts with the daemon's defaults, recording into ~/Videos.
  backend.activate("start_stop");
  REQUIRE(d.wait_property(
      kManager, kManagerIface, "Captures", [](auto& v) { return has(v, kCapture1); }, 20s));
  auto started = server.wait_for(summary_is("Recording started"), 10s);
  REQUIRE(started);
  CHECK(has(started->body, "Capture 1 records to " + d.dir() + "/Videos/"));

  // save_replay: the file SaveReplay wrote, named by the daemon's own notification.
  // A full buffer (5 s), so that a clip of all it holds would be longer than the 2 s asked for
  // plus the run back to a keyframe (gop_seconds 2).
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "ReplaySeconds", [](auto& v) { return std::stod(v) >= 4.6; }, 20s));
  backend.activate("save_replay");
  auto saved = server.wait_for(summary_is("Replay saved"), 15s);
  REQUIRE(saved);
  const std::smatch file = [&] {
    std::smatch m;
    std::regex_search(saved->body, m, std::regex(R"(^([0-9.]+) s: (/.*)$)"));
    return m;
  }();
  REQUIRE(file.size() == 3);
  CHECK(std::stod(file[1].str()) >= 1.9);  // shortcuts.replay_seconds, from the keyframe before
  CHECK(std::stod(file[1].str()) <= 4.1);
  CHECK(std::filesystem::file_size(file[2].str()) > 0);

  // pause_resume flips Paused one way, then back.
  backend.activate("pause_resume");
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "Paused", [](auto& v) { return v == "true"; }, 10s));
  CHECK(server.wait_for(summary_is("Recording paused"), 10s));
  backend.activate("pause_resume");
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "Paused", [](auto& v) { return v == "false"; }, 10s));
  CHECK(server.wait_for(summary_is("Recording resumed"), 10s));

  // mute_microphone: the capture's "input" source is muted, then unmuted.
  const std::regex muted(R"("input" "[^"]*" true)"), unmuted(R"("input" "[^"]*" false)");
  const std::string sources = d.property(kCapture1, kCaptureIface, "AudioSources");
  INFO("AudioSources: " << sources);
  REQUIRE(std::regex_search(sources, unmuted));
  backend.activate("mute_microphone");
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto& v) { return std::regex_search(v, muted); }, 10s));
  auto mute_note = server.wait_for(summary_is("Microphone muted"), 10s);
  REQUIRE(mute_note);
  CHECK(mute_note->body == "Capture 1: input");
  backend.activate("mute_microphone");
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto& v) { return std::regex_search(v, unmuted); }, 10s));

  // start_stop with the capture running: it stops, its file finished.
  backend.activate("start_stop");
  REQUIRE(d.wait_property(
      kManager, kManagerIface, "Captures", [](auto& v) { return !has(v, kCapture1); }, 30s));
  auto stopped = server.wait_for(summary_is("Recording stopped"), 10s);
  REQUIRE(stopped);
  CHECK(stopped->body == "Capture 1 stopped; its files are finished");
  size_t recordings = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.dir() + "/Videos")) {
    if (e.path() != file[2].str() && e.file_size() > 0) ++recordings;
  }
  CHECK(recordings == 1);

  // A reload with another trigger binds again in a new session; the old one is closed.
  {
    std::ofstream out(d.config_path());
    out << shortcuts_config("LOGO+F9");
  }
  const size_t before = backend.calls().size();
  REQUIRE(d.ctl({"reload"}).status == 0);
  auto rebind = backend.wait_for(is_bind, 15s, before);
  REQUIRE(rebind);
  check_bound(*rebind, "LOGO+F9");
  CHECK(rebind->session != bind->session);
  CHECK(backend.wait_for([&](auto& c) { return c.member == "Close" && c.session == bind->session; }, 10s, before));
  // The new session's Activated is heard.
  backend.activate("start_stop");
  CHECK(d.wait_property(
      kManager, kManagerIface, "Captures", [](auto& v) { return has(v, "/capture/2"); }, 20s));
}

TEST_CASE("a stand-in frontend with the Registry (as 1.21+): the daemon registers its app id before CreateSession",
          "[daemon][shortcuts]") {
  std::unique_ptr<ShortcutsStub> frontend;
  DaemonOptions o;
  o.config = shortcuts_config();
  o.before_start = [&frontend] { frontend = std::make_unique<ShortcutsStub>(ShortcutsStub::Role::frontend); };
  DaemonHarness d(o);
  NotificationServer server;

  auto bind = frontend->wait_for(is_bind, 15s);
  REQUIRE(bind);
  check_bound(*bind);
  const auto calls = frontend->calls();
  REQUIRE(calls.size() >= 3);
  CHECK(calls[0].member == "Register");
  CHECK(calls[0].app_id == "io.github.zerocast");
  CHECK(calls[0].error.empty());
  CHECK(calls[1].member == "CreateSession");
  CHECK(calls[1].error.empty());  // registered first, so not refused
  CHECK(calls[1].sender == calls[0].sender);
  REQUIRE(wait_log(d, "global shortcuts: the desktop bound 4 of 4", 10s));

  // Its Activated reaches the daemon as the real frontend's does.
  frontend->activate("start_stop");
  CHECK(d.wait_property(
      kManager, kManagerIface, "Captures", [](auto& v) { return has(v, kCapture1); }, 20s));
  CHECK(server.wait_for(summary_is("Recording started"), 10s));

  // What the daemon would have met without registering: the stand-in refuses as 1.21+ does.
  std::string message;
  const std::string refused = call_error_name(
      "/org/freedesktop/portal/desktop", "org.freedesktop.portal.GlobalShortcuts", "CreateSession",
      [](sd_bus_message* m) { return sd_bus_message_append(m, "a{sv}", 0); }, &message, nullptr,
      "org.freedesktop.portal.Desktop");
  CHECK(refused == "org.freedesktop.portal.Error.NotAllowed");
  CHECK(message == "An app id is required");
}

// The private bus activates what /usr/share/dbus-1/services offers: where xdg-desktop-portal is
// installed it comes up without any GlobalShortcuts backend (1.16 has no Registry either), where it
// is not, nobody owns org.freedesktop.portal.Desktop. One line either way.
TEST_CASE("no GlobalShortcuts portal on the bus: the daemon says so once and ctl does the work",
          "[daemon][shortcuts]") {
  DaemonOptions o;
  o.config = shortcuts_config();
  DaemonHarness d(o);
  const auto end = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < end && !has(read_log(d), "; zerocast ctl"))
    std::this_thread::sleep_for(50ms);
  const std::string said = read_log(d);
  INFO(said);
  REQUIRE((has(said, "global shortcuts: the desktop offers no portal (org.freedesktop.portal.Desktop") ||
           has(said, "global shortcuts: the desktop offers no GlobalShortcuts portal;")));
  auto started = d.ctl({"start", "--replay", "5"});
  INFO(started.output);
  REQUIRE(started.status == 0);
  CHECK(d.ctl({"pause"}).status == 0);
  CHECK(d.property(kCapture1, kCaptureIface, "Paused") == "true");
  CHECK(d.ctl({"status"}).status == 0);
  const std::string log = read_log(d);
  // One line above debug level (debug lines may say more).
  CHECK(count_of(log, "[I] global shortcuts:") + count_of(log, "[W] global shortcuts:") +
            count_of(log, "[E] global shortcuts:") ==
        1);
  CHECK(has(log, "zerocast ctl save-replay, start, stop, pause, resume and mute do the same"));
}
