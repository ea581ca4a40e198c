#include "cli/private_pipewire.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "capture/graph/source.hpp"
#include "core/log.hpp"

extern char** environ;

namespace zc::cli {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

bool daemon_answers() {
  return capture::list_nodes(std::chrono::seconds(2)).has_value();
}

}  // namespace

Result<std::unique_ptr<PrivatePipeWire>> PrivatePipeWire::ensure() {
  if (daemon_answers()) return std::unique_ptr<PrivatePipeWire>();
  std::unique_ptr<PrivatePipeWire> pw(new PrivatePipeWire());
  std::string tmpl = "/tmp/zerocast-pipewire-XXXXXX";
  if (!mkdtemp(tmpl.data())) return fail(Errc::io, "pipewire", std::string("mkdtemp: ") + std::strerror(errno));
  pw->dir_ = tmpl;
  chmod(pw->dir_.c_str(), 0700);
  setenv("XDG_RUNTIME_DIR", pw->dir_.c_str(), 1);
  unsetenv("PIPEWIRE_REMOTE");
  unsetenv("PIPEWIRE_RUNTIME_DIR");
  zc::log::info("record: no PipeWire daemon reachable; starting a private one for this run in {}", pw->dir_);

  // WirePlumber links our stream to its target and needs a session bus to run at all.
  const std::string bus = "unix:path=" + pw->dir_ + "/bus";
  if (auto ok = pw->spawn({"dbus-daemon", "--session", "--address=" + bus, "--nofork", "--nopidfile", "--nosyslog"},
                          "dbus.log");
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = pw->wait_for(pw->dir_ + "/bus"); !ok) return tl::unexpected(ok.error());
  setenv("DBUS_SESSION_BUS_ADDRESS", bus.c_str(), 1);
  if (auto ok = pw->spawn({"pipewire"}, "pipewire.log"); !ok) return tl::unexpected(ok.error());
  if (auto ok = pw->wait_for(pw->dir_ + "/pipewire-0"); !ok) return tl::unexpected(ok.error());
  if (auto ok = pw->spawn({"wireplumber"}, "wireplumber.log"); !ok) return tl::unexpected(ok.error());
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!daemon_answers()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(Errc::pipewire, "pipewire", "the private PipeWire daemon did not answer (logs in " + pw->dir_ + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pw;
}

Result<void> PrivatePipeWire::spawn(const std::vector<std::string>& argv, const std::string& log_name) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = dir_ + "/" + log_name;
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);  // our SIGINT/SIGTERM mask must not reach the daemons
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    return fail(Errc::pipewire, "pipewire",
                "cannot start " + argv[0] + ": " + std::strerror(err) + " (is it installed? tools/install-deps.sh)");
  }
  children_.push_back(pid);
  return {};
}

Result<void> PrivatePipeWire::wait_for(const std::string& path) const {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(Errc::pipewire, "pipewire", path + " did not appear (logs in " + dir_ + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

PrivatePipeWire::~PrivatePipeWire() {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    kill(*it, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(*it, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (waitpid(*it, &status, WNOHANG) == 0) {
      kill(*it, SIGKILL);
      waitpid(*it, &status, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace zc::cli
