#include "cli/private_pipewire.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
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

// The executable `name` would run as, searched in `path` (PATH's form); empty when there is none.
std::string find_program(const std::string& name, std::string_view dirs) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : std::string();
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

constexpr const char* kDirPrefix = "zerocast-pipewire-";
constexpr const char* kOwnerFile = "owner.pid";

// Runtime directories of earlier runs whose zerocast is gone (killed before it could remove its
// own: kill -9, a crash) are removed; their daemons died with it (PR_SET_PDEATHSIG).
void remove_orphaned_dirs() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kDirPrefix, 0) != 0) continue;
    struct stat st {};
    if (lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) continue;
    std::ifstream owner(entry.path() / kOwnerFile);
    pid_t pid = 0;
    if (!(owner >> pid) || pid <= 0) continue;  // still being made, or not ours
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
    zc::log::debug("record: removed {} (its zerocast, pid {}, is gone)", entry.path().string(), pid);
  }
}

}  // namespace

Result<std::unique_ptr<PrivatePipeWire>> PrivatePipeWire::ensure(const settings::Environment& env) {
  if (daemon_answers()) return std::unique_ptr<PrivatePipeWire>();
  remove_orphaned_dirs();
  std::unique_ptr<PrivatePipeWire> pw(new PrivatePipeWire());
  pw->path_ = env.get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  std::string tmpl = std::string("/tmp/") + kDirPrefix + "XXXXXX";
  if (!mkdtemp(tmpl.data())) return fail(Errc::io, "pipewire", std::string("mkdtemp: ") + std::strerror(errno));
  pw->dir_ = tmpl;
  chmod(pw->dir_.c_str(), 0700);
  std::ofstream(pw->dir_ + "/" + kOwnerFile) << getpid() << "\n";
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
  // Everything the child needs is made before fork: between fork and exec it calls only
  // async-signal-safe functions (this process may have threads by now).
  const std::string program = find_program(argv[0], path_);
  if (program.empty()) {
    return fail(Errc::pipewire, "pipewire",
                "cannot start " + argv[0] + ": not found in PATH (is it installed? tools/install-deps.sh)");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log = dir_ + "/" + log_name;
  const int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (null_in < 0 || log_fd < 0) {
    const int err = errno;
    if (null_in >= 0) close(null_in);
    if (log_fd >= 0) close(log_fd);
    return fail(Errc::io, "pipewire", "cannot open " + log + ": " + std::strerror(err));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Its own session: a terminal's Ctrl-C (SIGINT to the foreground process group) reaches
    // zerocast only, which stops this stack last. SIGTERM when zerocast dies, SIGKILL included.
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // zerocast died before prctl
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // our blocked SIGINT/SIGTERM must not reach them
    dup2(null_in, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execve(program.c_str(), args.data(), environ);
    _exit(127);
  }
  const int err = errno;
  close(null_in);
  close(log_fd);
  if (pid < 0) return fail(Errc::pipewire, "pipewire", "cannot start " + argv[0] + ": " + std::strerror(err));
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
