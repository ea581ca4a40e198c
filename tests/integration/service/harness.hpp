#pragma once
// The daemon under test: a private PipeWire and session bus (PipeWireDaemon), `zerocast daemon`
// as a child process with its own config and home, clients (`zerocast ctl`, busctl) run as
// separate processes, and a signal recorder on its own sd-bus connection.
#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/decode.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"

namespace zc::test {

inline constexpr const char* kBus = "io.github.zerocast.Zerocast1";
inline constexpr const char* kManager = "/io/github/zerocast/Zerocast1";
inline constexpr const char* kManagerIface = "io.github.zerocast.Zerocast1";
inline constexpr const char* kCaptureIface = "io.github.zerocast.Capture1";
inline const std::string kCapture1 = "/io/github/zerocast/Zerocast1/capture/1";  // the first capture's object

// A small, fast test source and a software encoder: cheap on a 2-core CI machine. 10 lines;
// `daemon_keys` go into its [daemon] table (each adds a line).
std::string default_test_config(const std::string& daemon_keys = "");

struct DaemonOptions {
  std::string config = default_test_config();  // written to $XDG_CONFIG_HOME/zerocast/config.toml
  std::vector<std::string> args;               // after `zerocast daemon`
  std::map<std::string, std::string> env;
  std::vector<std::string> wrapper;  // argv prefix (e.g. unshare ... sh -c), "{daemon}" = the command
  bool wait_ready = true;
  // Runs once the private bus and PipeWire are up, before the daemon starts (a portal of the
  // tests' own that the daemon must find on its bus from the start).
  std::function<void()> before_start;
};

class DaemonHarness {
 public:
  explicit DaemonHarness(DaemonOptions options = {});
  ~DaemonHarness();
  DaemonHarness(const DaemonHarness&) = delete;
  DaemonHarness& operator=(const DaemonHarness&) = delete;

  PipeWireDaemon& pipewire() { return *pw_; }
  const std::string& dir() const { return dir_; }  // temp dir: home, config, outputs
  std::string config_path() const { return dir_ + "/config/zerocast/config.toml"; }
  Process& process() { return *daemon_; }

  // Until the bus name answers (zerocast ctl status succeeds), or false.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  RunResult ctl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(90));
  RunResult busctl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // `busctl get-property` output without the type letter: "capturing", "42", "1 \"/x.mkv\"".
  std::string property(const std::string& path, const std::string& iface, const std::string& name);
  // Polls `property` until pred(value), or returns false.
  bool wait_property(const std::string& path, const std::string& iface, const std::string& name,
                     const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout);
  std::string logs() const;

 private:
  DaemonOptions options_;
  std::unique_ptr<PipeWireDaemon> pw_;
  std::string dir_;
  std::unique_ptr<Process> daemon_;
};

// Signals from the daemon, seen by a real client (its own sd-bus connection, on a thread).
class SignalRecorder {
 public:
  struct Signal {
    std::string path;
    std::string interface;
    std::string member;
    std::vector<std::string> args;  // strings, object paths and doubles as text; PropertiesChanged:
                                    // the changed names
    std::chrono::steady_clock::time_point at;
  };

  SignalRecorder();  // connects to $DBUS_SESSION_BUS_ADDRESS
  ~SignalRecorder();
  SignalRecorder(const SignalRecorder&) = delete;
  SignalRecorder& operator=(const SignalRecorder&) = delete;

  std::vector<Signal> all() const;
  // The first signal (after `from`, an index into all()) that matches, waiting up to `timeout`.
  std::optional<Signal> wait_for(const std::function<bool(const Signal&)>& pred, std::chrono::milliseconds timeout,
                                 size_t from = 0);
  size_t count() const;

 private:
  void run();
  static int on_signal(sd_bus_message* m, void* userdata, sd_bus_error*);

  sd_bus* bus_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Signal> signals_;
};

// Matches capture 1's StateChanged signal to `state`.
inline std::function<bool(const SignalRecorder::Signal&)> state_is(const std::string& state) {
  return [state](const SignalRecorder::Signal& s) {
    return s.path == kCapture1 && s.member == "StateChanged" && s.args == std::vector<std::string>{state};
  };
}

// A method call through sd-bus, for checks of the error *name* (busctl prints only the
// message). Returns the error name, or "" on success; `reply_text` gets an "o" or "s" reply.
// `destination`: the daemon unless another name is given.
std::string call_error_name(const std::string& path, const std::string& iface, const std::string& member,
                            const std::function<int(sd_bus_message*)>& append, std::string* message = nullptr,
                            std::string* reply_text = nullptr, const char* destination = kBus);

// Frame numbers drawn by the test source, read back from a decoded file.
struct Numbers {
  DecodeResult result;
  std::vector<uint32_t> numbers;  // in decode order; unreadable frames are left out
  size_t unreadable = 0;
};
Numbers decode_numbers(const std::string& path);
// `<dir>/<stem>.mkv` after a capture that had to go on in one file: no `<stem>-001.mkv` was
// started, it decodes without errors and every picture's number is readable (checked here).
Numbers decode_one_file(const DaemonHarness& d, const std::string& stem);

// True when numbers go up by one each time.
bool consecutive(const std::vector<uint32_t>& numbers);
// "41→43 45→47" for the breaks in a run of frame numbers (for failure messages).
std::string breaks(const std::vector<uint32_t>& numbers);

}  // namespace zc::test
