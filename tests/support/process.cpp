#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace zc::test {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string default_log(const std::string& program) {
  static std::atomic<int> counter{0};
  const std::string base = std::filesystem::path(program).filename().string();
  return "/tmp/zc-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + base + ".log";
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& name : unset)
    env.erase(name);
  for (const auto& [k, v] : set)
    env[k] = v;
  std::vector<std::string> strings;
  strings.reserve(env.size());
  for (const auto& [k, v] : env)
    strings.push_back(k + "=" + v);
  return strings;
}

Process::Process(std::vector<std::string> argv, Options options) {
  if (argv.empty()) throw std::runtime_error("Process: empty argv");
  log_path_ = options.log_path.empty() ? default_log(argv[0]) : options.log_path;

  std::vector<std::string> env_strings = child_environment(options.env, options.unset_env);

  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : env_strings)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("Process: cannot open " + log_path_ + ": " + std::strerror(errno));
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error("Process: pipe failed");
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw std::runtime_error("Process: fork failed");
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);  // own process group: signals reach its children too
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(126);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    const int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    _exit(127);
  }
  ::close(log_fd);
  ::close(err_pipe[1]);
  int child_errno = 0;
  const ssize_t n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  ::close(err_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    throw std::runtime_error("Process: cannot exec " + argv[0] + ": " + std::strerror(child_errno));
  }
}

Process::Process(Process&& o) noexcept
    : pid_(o.pid_), status_(o.status_), usage_(o.usage_), log_path_(std::move(o.log_path_)) {
  o.pid_ = -1;
}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0 && !status_) stop();
    pid_ = o.pid_;
    status_ = o.status_;
    usage_ = o.usage_;
    log_path_ = std::move(o.log_path_);
    o.pid_ = -1;
  }
  return *this;
}

bool Process::reap(int flags) {
  int status = 0;
  rusage ru{};
  if (::wait4(pid_, &status, flags, &ru) != pid_) return false;
  status_ = decode_status(status);
  usage_ = Usage{static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
                 ru.ru_maxrss};
  return true;
}

Process::~Process() {
  if (pid_ > 0 && !status_) stop();
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  return !reap(WNOHANG);
}

void Process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (reap(WNOHANG)) return status_;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int Process::stop(std::chrono::milliseconds grace) {
  if (status_) return *status_;
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  if (auto s = wait(grace)) return *s;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  while (!reap(0) && errno == EINTR) {
  }
  return status_.value_or(-1);
}

std::string Process::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string errors_first(const std::string& output) {
  std::string head;
  size_t from = 0;
  while (from < output.size()) {
    size_t end = output.find('\n', from);
    end = end == std::string::npos ? output.size() : end + 1;
    // "[E] text", or "12:00:00.000 [E] text" when stamped.
    const std::string_view line(output.data() + from, end - from);
    const auto level = line.substr(0, 17).find("] ");
    if (level != std::string_view::npos && level >= 2 && line[level - 2] == '[' &&
        (line[level - 1] == 'E' || line[level - 1] == 'W')) {
      head.append(line);
    }
    from = end;
  }
  if (head.empty()) return output;
  if (head.back() != '\n') head += '\n';
  return "errors and warnings first:\n" + head + "the whole output:\n" + output;
}

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout, Process::Options options) {
  Process p(std::move(argv), std::move(options));
  RunResult r;
  if (auto s = p.wait(timeout)) {
    r.status = *s;
  } else {
    r.timed_out = true;
    r.status = p.stop(std::chrono::milliseconds(500));
  }
  r.output = p.output();
  r.usage = p.usage().value_or(Process::Usage{});
  std::filesystem::remove(p.log_path());
  return r;
}

bool have_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace zc::test
