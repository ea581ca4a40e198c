// Life under systemd: the unit passes `systemd-analyze --user verify`, and the daemon speaks the
// notify protocol (READY once the name is owned, STATUS, WATCHDOG well within the interval,
// STOPPING and a clean exit on SIGTERM) to a NOTIFY_SOCKET the test binds.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "support/paths.hpp"
#include "support/skip.hpp"
#include "support/text.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A unix datagram socket at `path`; every datagram is kept with its arrival time.
class NotifySocket {
 public:
  struct Message {
    std::string text;
    std::chrono::steady_clock::time_point at;
  };
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] {
      char buf[4096];
      while (!stop_) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        messages_.push_back({std::string(buf, static_cast<size_t>(n)), std::chrono::steady_clock::now()});
      }
    });
  }
  ~NotifySocket() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  std::vector<Message> all() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // The first message holding `part` (each datagram may carry several KEY=VALUE lines).
  std::optional<Message> wait_for(const std::string& part, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      for (const auto& m : all()) {
        if (has(m.text, part)) return m;
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
};

}  // namespace

TEST_CASE("the user unit passes systemd-analyze --user verify", "[daemon][systemd]") {
  const std::string unit = read_file(std::string(ZC_TEST_BINARY_DIR) + "/systemd/zerocast.service");
  REQUIRE(!unit.empty());
  // What the issue asks of it.
  for (const char* line : {"Type=notify", "Restart=on-failure", "After=pipewire.service graphical-session.target",
                           "PartOf=graphical-session.target", "BindsTo=graphical-session.target",
                           "StartLimitIntervalSec=", "StartLimitBurst=", "WatchdogSec=", "RestartPreventExitStatus=2",
                           "ExecReload=/bin/kill -HUP $MAINPID"}) {
    INFO(line);
    CHECK(has(unit, std::string("\n") + line));
  }
  const std::string service = read_file(std::string(ZC_TEST_BINARY_DIR) + "/data/io.github.zerocast.Zerocast1.service");
  CHECK(has(service, "Name=io.github.zerocast.Zerocast1\n"));
  CHECK(has(service, "SystemdService=zerocast.service\n"));
  CHECK(std::regex_search(service, std::regex("\nExec=/[^ ]*/zerocast daemon\n")));

  if (!have_program("systemd-analyze")) ZC_SKIP("systemd-analyze is not installed");
  // The installed unit points at the installed binary; verify the same text pointing at this build's.
  const std::string dir = make_temp_dir("zc-unit");
  const std::string tested =
      std::regex_replace(unit, std::regex("ExecStart=[^ ]*/zerocast"), "ExecStart=" + zerocast_bin());
  {
    std::ofstream out(dir + "/zerocast.service");
    out << tested;
  }
  Process::Options o;
  o.env["XDG_RUNTIME_DIR"] = dir;  // --user wants one; a private one keeps the user's manager out of it
  o.cwd = dir;
  auto r = run({"systemd-analyze", "--user", "verify", dir + "/zerocast.service"}, 60s, o);
  if (has(r.output, "Failed to initialize manager") || has(r.output, "Failed to lookup RuntimeDirectory")) {
    ZC_SKIP("systemd-analyze --user cannot run here: " + r.output);
  }
  INFO(errors_first(r.output));
  CHECK(r.status == 0);
  // Warnings about the unit (unknown keys, bad values) do not change the exit status: none allowed.
  CHECK(!has(r.output, "zerocast.service"));

  SECTION("a broken unit is caught (the check can fail)") {
    {
      std::ofstream out(dir + "/zerocast.service");
      out << std::regex_replace(tested, std::regex("Type=notify"), "Type=notifyy");
    }
    auto bad = run({"systemd-analyze", "--user", "verify", dir + "/zerocast.service"}, 60s, o);
    CHECK(has(bad.output, "zerocast.service"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("READY, STATUS, WATCHDOG and STOPPING reach NOTIFY_SOCKET", "[daemon][systemd]") {
  const std::string sock_dir = make_temp_dir("zc-notify");
  NotifySocket notify(sock_dir + "/notify");
  DaemonOptions o;
  o.env["NOTIFY_SOCKET"] = sock_dir + "/notify";
  // WatchdogSec=4. sd-event pings once when the watchdog is enabled, then from a quarter of the
  // period on whenever its loop runs, and by a timer between half and three quarters of it: a
  // ping every 1..3 s, inside the limit with a second to spare for a loaded machine (under ASan
  // on two cores the 2-s period left half a second, and the pings are stamped as they arrive).
  o.env["WATCHDOG_USEC"] = "4000000";
  o.wait_ready = false;
  DaemonHarness d(o);

  auto ready = notify.wait_for("READY=1", 20s);
  REQUIRE(ready);
  // READY came once the name was owned: a client finds the daemon at once.
  CHECK(d.busctl({"status", kBus}).status == 0);
  CHECK(notify.wait_for("STATUS=no captures", 5s));

  REQUIRE(d.ctl({"start", "--replay", "3", "-o", "main.mkv"}).status == 0);
  auto capturing = notify.wait_for("STATUS=1 capture: 1 capturing", 10s);
  CHECK(capturing);

  // Pings keep coming while the daemon captures: wait for 3 more (at most 3 s apart each).
  const auto since = capturing ? capturing->at : std::chrono::steady_clock::now();
  std::vector<std::chrono::steady_clock::time_point> pings;
  size_t while_capturing = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    std::this_thread::sleep_for(100ms);
    pings.clear();
    while_capturing = 0;
    for (const auto& m : notify.all()) {
      if (!has(m.text, "WATCHDOG=1")) continue;
      pings.push_back(m.at);
      if (m.at > since) ++while_capturing;
    }
  } while (while_capturing < 3 && std::chrono::steady_clock::now() < deadline);
  REQUIRE(while_capturing >= 3);
  for (size_t i = 1; i < pings.size(); ++i) {
    CHECK(pings[i] - pings[i - 1] < 4000ms);  // never as late as the watchdog's limit
  }

  d.process().signal(SIGTERM);
  auto status = d.process().wait(30s);
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(notify.wait_for("STOPPING=1", 1s));
  // SIGTERM finished the file: it decodes completely.
  auto main = decode_file(d.dir() + "/main.mkv");
  CHECK(main.ok);
  CHECK(main.decode_errors == 0);
  CHECK(!main.frames.empty());
  std::filesystem::remove_all(sock_dir);
}

TEST_CASE("the D-Bus service file activates the daemon on first use", "[daemon][systemd]") {
  // A private bus that looks for services in one directory: the build's activation file, with
  // Exec pointing at this build's binary (the installed one points at the install prefix).
  const std::string dir = make_temp_dir("zc-activation");
  std::filesystem::create_directories(dir + "/services");
  std::filesystem::create_directories(dir + "/home");
  const std::string service = read_file(std::string(ZC_TEST_BINARY_DIR) + "/data/io.github.zerocast.Zerocast1.service");
  {
    std::ofstream out(dir + "/services/io.github.zerocast.Zerocast1.service");
    out << std::regex_replace(service, std::regex("Exec=[^ ]*/zerocast"), "Exec=" + zerocast_bin());
  }
  const std::string address = "unix:path=" + dir + "/bus";
  {
    std::ofstream out(dir + "/bus.conf");
    out << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>session</type><listen>"
        << address << "</listen><servicedir>" << dir
        << "/services</servicedir>"
           "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
           "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n";
  }
  Process::Options bus_env;
  // The activated daemon inherits the bus's environment: a home of its own, no user config.
  bus_env.env = {{"HOME", dir + "/home"}, {"XDG_CONFIG_HOME", dir + "/home/.config"}};
  bus_env.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC"};
  Process bus({"dbus-daemon", "--config-file=" + dir + "/bus.conf", "--nofork", "--nopidfile", "--nosyslog"}, bus_env);
  for (int i = 0; i < 50 && !std::filesystem::exists(dir + "/bus"); ++i)
    std::this_thread::sleep_for(100ms);
  REQUIRE(std::filesystem::exists(dir + "/bus"));

  Process::Options client;
  client.env["DBUS_SESSION_BUS_ADDRESS"] = address;
  auto r = run({"busctl", "--user", "get-property", kBus, kManager, kManagerIface, "Version"}, 30s, client);
  INFO(errors_first(r.output));
  CHECK(r.status == 0);
  CHECK(std::regex_search(r.output, std::regex("^s \"[0-9]+\\.[0-9]+\\.[0-9]+\"")));
  // Stop the activated daemon through its PID on the bus.
  auto status = run({"busctl", "--user", "status", kBus}, 10s, client);
  std::smatch m;
  REQUIRE(std::regex_search(status.output, m, std::regex("(^|\n)PID=([0-9]+)")));
  ::kill(std::stoi(m[2]), SIGTERM);
  std::this_thread::sleep_for(500ms);
  bus.stop();
  std::filesystem::remove_all(dir);
}
