// Desktop notifications (daemon.notifications): the daemon's Notify calls as a notification server
// of the tests' own receives them, the setting that turns them off, and a bus without any server.
// One sender's messages to one receiver keep their order, so "nothing else came" is proved by the
// next notification arriving as the next one, not by waiting.
#include <fstream>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "notification_server.hpp"
#include "support/net.hpp"
#include "support/text.hpp"

using namespace zc::test;
using namespace std::chrono_literals;
using Notification = NotificationServer::Notification;

namespace {

// SaveReplay through sd-bus (as a client would call it): the file it answered, or "" with the
// error in `error`.
std::string save_replay(uint32_t seconds, std::string* error = nullptr) {
  std::string message, file;
  const std::string name = call_error_name(
      kCapture1, kCaptureIface, "SaveReplay",
      [&](sd_bus_message* m) { return sd_bus_message_append(m, "su", "", seconds); }, &message, &file);
  if (!name.empty()) {
    if (error) *error = name + ": " + message;
    return "";
  }
  return file;
}

// A capture holding only a replay buffer, once it holds enough for a 1 s clip.
void start_replay_capture(DaemonHarness& d) {
  auto started = d.ctl({"start", "--replay", "5"});
  INFO(started.output);
  REQUIRE(started.status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "ReplaySeconds", [](auto& v) { return std::stod(v) >= 1.5; }, 20s));
}

std::function<bool(const Notification&)> body_has(const std::string& part) {
  return [part](const Notification& n) { return has(n.body, part); };
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("a saved replay: one notification naming the file SaveReplay answered", "[daemon][notify]") {
  DaemonHarness d;
  NotificationServer server;
  start_replay_capture(d);

  std::string error;
  const std::string first = save_replay(1, &error);
  INFO(error);
  REQUIRE(!first.empty());
  auto n = server.wait_for(body_has(first), 5s);
  REQUIRE(n);
  CHECK(n->app_name == "zerocast");
  CHECK(n->summary == "Replay saved");
  CHECK(has(n->body, " s: " + first));
  CHECK(n->hints["urgency"] == "1");
  CHECK(n->hints["category"] == "transfer.complete");
  CHECK(n->expire_timeout == -1);
  CHECK(n->replaces_id == 0);
  CHECK(n->actions.empty());

  // A second save: its notification is the second one received, so the first save sent one.
  const std::string second = save_replay(1, &error);
  REQUIRE(!second.empty());
  REQUIRE(second != first);
  REQUIRE(server.wait_for(body_has(second), 5s));
  const auto all = server.all();
  REQUIRE(all.size() == 2);
  CHECK(has(all[0].body, first));
  CHECK(has(all[1].body, second));
  CHECK(all[1].id == all[0].id + 1);
}

TEST_CASE("an error that ends a capture, and one that stops it starting: one critical notification each",
          "[daemon][notify]") {
  DaemonOptions o;
  // The capture's only output is a TCP peer that never listens: after 1 s of refusals it gives up,
  // and with nothing left to write to, the capture fails.
  o.args = {"--set", "network.give_up_seconds=1"};
  DaemonHarness d(o);
  NotificationServer server;
  SignalRecorder signals;
  const int port = free_port(Proto::tcp);
  REQUIRE(port > 0);
  auto started = d.ctl({"start", "-o", "tcp://127.0.0.1:" + std::to_string(port)});
  INFO(started.output);
  REQUIRE(started.status == 0);

  REQUIRE(signals.wait_for(state_is("failed"), 30s));
  REQUIRE(signals.wait_for([](auto& s) { return s.member == "CaptureRemoved"; }, 10s));
  // The last Error signal the capture sent (all of them came before CaptureRemoved).
  std::string last_error;
  for (const auto& s : signals.all()) {
    if (s.path == kCapture1 && s.member == "Error" && !s.args.empty()) last_error = s.args[0];
  }
  INFO("last Error signal: " << last_error);
  REQUIRE(!last_error.empty());
  auto ended = server.wait_for([](auto& n) { return n.hints.count("urgency") && n.hints.at("urgency") == "2"; }, 10s);
  REQUIRE(ended);
  CHECK(ended->app_name == "zerocast");
  CHECK(ended->summary == "Capture stopped");
  CHECK(has(ended->body, "Capture 1 failed: "));
  CHECK(has(ended->body, last_error));

  // A capture that cannot start (a node that does not exist): StartCapture's caller gets the error,
  // the desktop a notification of its own, the next one received.
  auto refused = d.ctl({"start", "--source", "node:99999", "--replay", "5"});
  INFO(refused.output);
  CHECK(refused.status != 0);
  CHECK(has(refused.output, "99999"));
  auto not_started = server.wait_for(body_has("could not start"), 10s);
  REQUIRE(not_started);
  CHECK(not_started->summary == "Capture failed");
  CHECK(has(not_started->body, "Capture 2 could not start: "));
  CHECK(has(not_started->body, "99999"));
  CHECK(not_started->hints["urgency"] == "2");
  CHECK(server.count() == 2);
  CHECK(d.ctl({"status"}).status == 0);
}

TEST_CASE("daemon.notifications = false: SaveReplay works and nothing is sent until a reload turns them on",
          "[daemon][notify]") {
  DaemonOptions o;
  o.config = default_test_config("notifications = false\n");
  DaemonHarness d(o);
  NotificationServer server;
  start_replay_capture(d);

  std::string error;
  const std::string quiet = save_replay(1, &error);
  INFO(error);
  REQUIRE(!quiet.empty());
  // The same configuration without the key: notifications are on again for what follows.
  {
    std::ofstream out(d.config_path());
    out << default_test_config();
  }
  REQUIRE(d.ctl({"reload"}).status == 0);
  const std::string heard = save_replay(1, &error);
  REQUIRE(!heard.empty());
  REQUIRE(server.wait_for(body_has(heard), 5s));
  // Had the first save sent anything, it would have come first.
  const auto all = server.all();
  CHECK(all.size() == 1);
  CHECK(!has(all[0].body, quiet));
}

TEST_CASE("no notification server on the bus: SaveReplay answers as ever, the absence is logged once",
          "[daemon][notify]") {
  DaemonHarness d;
  start_replay_capture(d);

  std::string error;
  const auto before = std::chrono::steady_clock::now();
  const std::string first = save_replay(1, &error);
  const auto took = std::chrono::steady_clock::now() - before;
  INFO(error);
  REQUIRE(!first.empty());
  // Writing a 1 s clip of 320x240 takes well under a second; Notify's failure is not waited for.
  CHECK(took < 5s);
  const std::string second = save_replay(1, &error);
  REQUIRE(!second.empty());
  CHECK(d.process().running());
  // Both Notify calls were refused by the bus (ServiceUnknown: debug lines), the absence said once.
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (occurrences(d.logs(), "notify: the notification was not shown") < 1 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(50ms);
  const std::string logs = d.logs();
  CHECK(occurrences(logs, "notify: no notification server on the bus") == 1);
  CHECK(occurrences(logs, "notify: the notification was not shown") == 1);

  // A server that comes later is used from then on.
  NotificationServer server;
  const std::string third = save_replay(1, &error);
  REQUIRE(!third.empty());
  CHECK(server.wait_for(body_has(third), 5s));
  CHECK(d.ctl({"status"}).status == 0);
}
