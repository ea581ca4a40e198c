#include "support/pw_daemon.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace zc::test {
namespace {

std::optional<std::string> get_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

void restore_env(const char* name, const std::optional<std::string>& value) {
  if (value) {
    setenv(name, value->c_str(), 1);
  } else {
    unsetenv(name);
  }
}

bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

PipeWireDaemon::PipeWireDaemon(Options options) : options_(options) {
  dir_ = make_temp_dir("zc-pw");
  ::chmod(dir_.c_str(), 0700);
  saved_runtime_dir_ = get_env("XDG_RUNTIME_DIR");
  saved_bus_ = get_env("DBUS_SESSION_BUS_ADDRESS");
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  unsetenv("PIPEWIRE_RUNTIME_DIR");
  unsetenv("PIPEWIRE_REMOTE");
  unsetenv("DISPLAY");
  if (options_.session_bus) {
    bus_ = "unix:path=" + dir_ + "/bus";
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_.c_str(), 1);
    Process::Options o;
    o.log_path = dir_ + "/dbus.log";
    dbus_ = std::make_unique<Process>(std::vector<std::string>{"dbus-daemon", "--session", "--address=" + bus_,
                                                               "--nofork", "--nopidfile", "--nosyslog"},
                                      o);
    if (!wait_for_file(dir_ + "/bus", std::chrono::seconds(5)))
      throw std::runtime_error("dbus-daemon did not start: " + logs());
  } else {
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
  }
  start_pipewire();
}

PipeWireDaemon::~PipeWireDaemon() {
  wireplumber_.reset();
  pipewire_.reset();
  dbus_.reset();
  restore_env("XDG_RUNTIME_DIR", saved_runtime_dir_);
  restore_env("DBUS_SESSION_BUS_ADDRESS", saved_bus_);
  std::error_code ec;
  if (!std::getenv("ZC_TEST_KEEP")) std::filesystem::remove_all(dir_, ec);
}

void PipeWireDaemon::start_pipewire() {
  Process::Options o;
  o.log_path = dir_ + "/pipewire.log";
  pipewire_ = std::make_unique<Process>(std::vector<std::string>{"pipewire"}, o);
  if (!wait_for_file(dir_ + "/pipewire-0", std::chrono::seconds(10))) {
    throw std::runtime_error("pipewire did not create its socket: " + logs());
  }
  if (options_.session_manager) start_session_manager();
  wait_ready();
  if (options_.null_sink) create_null_sink("zc-null");
}

void PipeWireDaemon::start_session_manager() {
  Process::Options w;
  w.log_path = dir_ + "/wireplumber.log";
  wireplumber_ = std::make_unique<Process>(std::vector<std::string>{"wireplumber"}, w);
}

void PipeWireDaemon::restart_session_manager(std::chrono::milliseconds away) {
  if (!wireplumber_) throw std::runtime_error("no WirePlumber to restart");
  wireplumber_->signal(SIGKILL);
  wireplumber_->wait(std::chrono::seconds(2));
  wireplumber_.reset();
  // Its "default" metadata went with it: wait_ready() waits for the new one's.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && default_metadata_listed())
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(away);
  start_session_manager();
  wait_ready();
}

void PipeWireDaemon::create_null_sink(const std::string& name) {
  const std::string props = "{ factory.name=support.null-audio-sink node.name=" + name +
                            " media.class=Audio/Sink object.linger=true audio.position=[FL FR] }";
  auto r = run({"pw-cli", "create-node", "adapter", props}, std::chrono::seconds(5));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto ls = run({"pw-cli", "ls", "Node"}, std::chrono::seconds(5));
    if (ls.status == 0 && ls.output.find("node.name = \"" + name + "\"") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("null sink " + name + " did not appear (pw-cli said: " + r.output + ")" + logs());
}

bool PipeWireDaemon::default_metadata_listed() {
  auto m = run({"pw-cli", "ls", "Metadata"}, std::chrono::seconds(5));
  return m.status == 0 && m.output.find("metadata.name = \"default\"") != std::string::npos;
}

void PipeWireDaemon::wait_ready() {
  // Ready when the daemon answers; with WirePlumber, when its "default" metadata exists (it
  // creates it once its policy scripts run, so links will be made from then on).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = run({"pw-dump", "-N"}, std::chrono::seconds(5));
    if (r.status == 0) {
      if (!options_.session_manager) return;
      if (r.output.find("\"metadata.name\": \"default\"") != std::string::npos) return;
      // pw-dump 0.3.65 leaves out metadata objects a client (WirePlumber) exported; pw-cli lists them.
      if (default_metadata_listed()) return;
    }
    if (pipewire_ && !pipewire_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("private PipeWire not ready: " + logs());
}

void PipeWireDaemon::freeze_pipewire(bool frozen) {
  if (pipewire_) pipewire_->signal(frozen ? SIGSTOP : SIGCONT);
}

void PipeWireDaemon::kill_pipewire() {
  if (wireplumber_) {
    wireplumber_->signal(SIGKILL);
    wireplumber_->wait(std::chrono::seconds(2));
    wireplumber_.reset();
  }
  if (pipewire_) {
    pipewire_->signal(SIGKILL);
    pipewire_->wait(std::chrono::seconds(2));
    pipewire_.reset();
  }
  std::error_code ec;
  std::filesystem::remove(dir_ + "/pipewire-0", ec);
  std::filesystem::remove(dir_ + "/pipewire-0.lock", ec);
}

std::string PipeWireDaemon::logs() const {
  std::string out;
  for (const char* name : {"dbus.log", "pipewire.log", "wireplumber.log"}) {
    const std::string path = dir_ + "/" + name;
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.size() > 4000) content = "..." + content.substr(content.size() - 4000);
    out += "\n--- " + std::string(name) + " ---\n" + content;
  }
  return out;
}

}  // namespace zc::test
