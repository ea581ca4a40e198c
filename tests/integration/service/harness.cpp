#include "harness.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

// The listener and reporter interfaces are compiled in only on request.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

extern "C" {
#include <libavutil/frame.h>
}

#include "support/paths.hpp"
#include "testsrc/pattern.hpp"

namespace zc::test {

using namespace std::chrono_literals;

namespace {

// The daemons alive now. A failed assertion prints their logs as they are at that moment: an
// INFO(d.logs()) is a snapshot taken where it is written, which hides what the daemon did while
// the test waited (stop 7's PipeWire-restart failure showed logs from before the restart).
std::mutex g_live_mutex;
std::vector<const DaemonHarness*> g_live;

class LogsAtFailure : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    printed_ = false;
    TestEventListenerBase::testCaseStarting(info);
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.succeeded() && !printed_) {
      printed_ = true;  // the first failure is the one that explains; later ones repeat it
      std::lock_guard lock(g_live_mutex);
      for (const auto* d : g_live)
        Catch::cout() << "\n=== at the first failure (" << stats.assertionResult.getSourceInfo() << ") ===\n"
                      << d->logs() << "\n";
    }
    return TestEventListenerBase::assertionEnded(stats);
  }

 private:
  bool printed_ = false;
};
CATCH_REGISTER_LISTENER(LogsAtFailure)

}  // namespace

std::string default_test_config(const std::string& daemon_keys) {
  return "[daemon]\ndefault_source = \"test\"\n" + daemon_keys +
         "[capture]\nencoder = \"libx264\"\n"
         "[test_source]\nsize = \"320x240\"\nfps = 30\n"
         "[network]\nreconnect_min_ms = 200\nreconnect_max_ms = 1000\n";
}

DaemonHarness::DaemonHarness(DaemonOptions options) : options_(std::move(options)) {
  pw_ = std::make_unique<PipeWireDaemon>();
  dir_ = make_temp_dir("zc-daemon");
  std::filesystem::create_directories(dir_ + "/config/zerocast");
  {
    std::ofstream out(config_path());
    out << options_.config;
  }
  if (options_.before_start) options_.before_start();
  Process::Options po;
  po.env = options_.env;
  po.env["HOME"] = dir_;
  po.env["XDG_CONFIG_HOME"] = dir_ + "/config";
  po.env.emplace("ZEROCAST_LOG", "debug");
  po.env.emplace("ZEROCAST_LOG_TIME", "1");  // a failure's log says when each thing happened
  po.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "XDG_VIDEOS_DIR"};
  po.log_path = dir_ + "/daemon.log";
  std::vector<std::string> command{zerocast_bin(), "daemon"};
  command.insert(command.end(), options_.args.begin(), options_.args.end());
  std::vector<std::string> argv;
  if (options_.wrapper.empty()) {
    argv = command;
  } else {
    std::string joined;
    for (const auto& c : command)
      joined += (joined.empty() ? "" : " ") + c;
    for (auto a : options_.wrapper) {
      if (auto at = a.find("{daemon}"); at != std::string::npos) a.replace(at, 8, joined);
      argv.push_back(a);
    }
  }
  daemon_ = std::make_unique<Process>(argv, po);
  if (options_.wait_ready && !wait_ready()) throw std::runtime_error("the daemon did not come up:\n" + logs());
  std::lock_guard lock(g_live_mutex);
  g_live.push_back(this);
}

DaemonHarness::~DaemonHarness() {
  {
    std::lock_guard lock(g_live_mutex);
    g_live.erase(std::remove(g_live.begin(), g_live.end(), this), g_live.end());
  }
  if (daemon_) daemon_->stop(std::chrono::seconds(20));
  daemon_.reset();
  pw_.reset();
  std::error_code ec;
  if (!std::getenv("ZC_TEST_KEEP")) std::filesystem::remove_all(dir_, ec);
}

bool DaemonHarness::wait_ready(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    auto r = busctl({"status", kBus}, 5s);
    if (r.status == 0) return true;
    if (!daemon_->running()) return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

RunResult DaemonHarness::ctl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), {zerocast_bin(), "ctl"});
  Process::Options o;
  o.cwd = dir_;
  return run(args, timeout, o);
}

RunResult DaemonHarness::busctl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), {"busctl", "--user"});
  return run(args, timeout);
}

std::string DaemonHarness::property(const std::string& path, const std::string& iface, const std::string& name) {
  auto r = busctl({"get-property", kBus, path, iface, name});
  if (r.status != 0) return "<error: " + r.output + ">";
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  const auto space = out.find(' ');
  out = space == std::string::npos ? out : out.substr(space + 1);
  if (out.size() >= 2 && out.front() == '"' && out.back() == '"') out = out.substr(1, out.size() - 2);
  return out;
}

bool DaemonHarness::wait_property(const std::string& path, const std::string& iface, const std::string& name,
                                  const std::function<bool(const std::string&)>& pred,
                                  std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred(property(path, iface, name))) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string DaemonHarness::logs() const {
  std::ifstream in(dir_ + "/daemon.log");
  std::stringstream s;
  s << in.rdbuf();
  return "--- daemon ---\n" + s.str() + (pw_ ? "\n" + pw_->logs() : "");
}

// ---- signals -------------------------------------------------------------------------------

SignalRecorder::SignalRecorder() {
  if (sd_bus_open_user(&bus_) < 0) throw std::runtime_error("SignalRecorder: no session bus");
  if (sd_bus_add_match(bus_, nullptr, "type='signal',path_namespace='/io/github/zerocast/Zerocast1'",
                       &SignalRecorder::on_signal, this) < 0) {
    throw std::runtime_error("SignalRecorder: cannot add the match");
  }
  // The match is in place before anything is recorded: one round trip makes sure.
  sd_bus_message* reply = nullptr;
  sd_bus_call_method(bus_, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", nullptr,
                     &reply, "");
  sd_bus_message_unref(reply);
  thread_ = std::thread([this] { run(); });
}

SignalRecorder::~SignalRecorder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  sd_bus_flush_close_unref(bus_);
}

void SignalRecorder::run() {
  while (!stop_) {
    int r = sd_bus_process(bus_, nullptr);
    if (r < 0) break;
    if (r > 0) continue;
    sd_bus_wait(bus_, 100000);
  }
}

int SignalRecorder::on_signal(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<SignalRecorder*>(userdata);
  Signal s;
  s.path = sd_bus_message_get_path(m) ? sd_bus_message_get_path(m) : "";
  s.interface = sd_bus_message_get_interface(m) ? sd_bus_message_get_interface(m) : "";
  s.member = sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "";
  s.at = std::chrono::steady_clock::now();
  if (s.member == "PropertiesChanged") {
    const char* iface = nullptr;
    if (sd_bus_message_read(m, "s", &iface) >= 0 && sd_bus_message_enter_container(m, 'a', "{sv}") >= 0) {
      while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char* name = nullptr;
        sd_bus_message_read(m, "s", &name);
        s.args.emplace_back(name ? name : "");
        sd_bus_message_skip(m, "v");
        sd_bus_message_exit_container(m);
      }
    }
  } else {
    char type = 0;
    const char* contents = nullptr;
    while (sd_bus_message_peek_type(m, &type, &contents) > 0) {
      if (type == 's' || type == 'o') {
        const char* v = nullptr;
        sd_bus_message_read_basic(m, type, &v);
        s.args.emplace_back(v ? v : "");
      } else if (type == 'd') {
        double d = 0;
        sd_bus_message_read_basic(m, 'd', &d);
        s.args.push_back(std::to_string(d));
      } else {
        sd_bus_message_skip(m, nullptr);
        s.args.emplace_back("?");
      }
    }
  }
  std::lock_guard lock(self->mutex_);
  self->signals_.push_back(std::move(s));
  return 0;
}

std::vector<SignalRecorder::Signal> SignalRecorder::all() const {
  std::lock_guard lock(mutex_);
  return signals_;
}

size_t SignalRecorder::count() const {
  std::lock_guard lock(mutex_);
  return signals_.size();
}

std::optional<SignalRecorder::Signal> SignalRecorder::wait_for(const std::function<bool(const Signal&)>& pred,
                                                               std::chrono::milliseconds timeout, size_t from) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  do {
    {
      std::lock_guard lock(mutex_);
      for (size_t i = from; i < signals_.size(); ++i) {
        if (pred(signals_[i])) return signals_[i];
      }
    }
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < end);
  return std::nullopt;
}

std::string call_error_name(const std::string& path, const std::string& iface, const std::string& member,
                            const std::function<int(sd_bus_message*)>& append, std::string* message,
                            std::string* reply_text, const char* destination) {
  sd_bus* bus = nullptr;
  if (sd_bus_open_user(&bus) < 0) return "<no bus>";
  sd_bus_message* m = nullptr;
  sd_bus_message_new_method_call(bus, &m, destination, path.c_str(), iface.c_str(), member.c_str());
  if (append) append(m);
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call(bus, m, 60'000'000, &error, &reply);
  std::string name;
  if (r < 0) {
    name = error.name ? error.name : "<errno " + std::to_string(-r) + ">";
    if (message) *message = error.message ? error.message : "";
  } else if (reply_text) {
    char type = 0;
    if (sd_bus_message_peek_type(reply, &type, nullptr) > 0 && (type == 'o' || type == 's')) {
      const char* v = nullptr;
      sd_bus_message_read_basic(reply, type, &v);
      *reply_text = v ? v : "";
    }
  }
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  sd_bus_message_unref(m);
  sd_bus_flush_close_unref(bus);
  return name;
}

// ---- decoding --------------------------------------------------------------------------------

Numbers decode_numbers(const std::string& path) {
  Numbers n;
  n.result = decode_file(path, [&](const AVFrame& f) {
    auto number = testsrc::read_number_luma(f.data[0], static_cast<uint32_t>(f.linesize[0]),
                                            static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height));
    if (number) {
      n.numbers.push_back(*number);
    } else {
      ++n.unreadable;
    }
  });
  return n;
}

std::string breaks(const std::vector<uint32_t>& numbers) {
  std::string out;
  for (size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1)
      out += std::to_string(numbers[i - 1]) + "→" + std::to_string(numbers[i]) + " ";
  }
  return out;
}

Numbers decode_one_file(const DaemonHarness& d, const std::string& stem) {
  CHECK(!std::filesystem::exists(d.dir() + "/" + stem + "-001.mkv"));
  Numbers n = decode_numbers(d.dir() + "/" + stem + ".mkv");
  REQUIRE(n.result.ok);
  CHECK(n.result.decode_errors == 0);
  CHECK(n.unreadable == 0);
  return n;
}

bool consecutive(const std::vector<uint32_t>& numbers) {
  for (size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1) return false;
  }
  return true;
}

}  // namespace zc::test
