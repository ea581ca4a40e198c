#include "support/terminal.hpp"

#include "support/process.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace zc::test {

Terminal::Terminal(std::vector<std::string> argv, Options options) {
  if (argv.empty()) throw std::runtime_error("Terminal: empty argv");
  options.env["TERM"] = "xterm";
  std::vector<std::string> env_strings = child_environment(options.env, options.unset_env);
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : env_strings)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);

  winsize size{};
  size.ws_col = options.columns;
  size.ws_row = options.rows;
  pid_ = forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ < 0) throw std::runtime_error(std::string("Terminal: forkpty: ") + std::strerror(errno));
  if (pid_ == 0) {
    // forkpty made this process a session leader with the terminal as its controlling one, and
    // its process group the terminal's foreground group.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    execvpe(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  reader_ = std::thread([this] { read_loop(); });
}

void Terminal::read_loop() {
  char buf[4096];
  while (!stopping_) {
    pollfd pfd{master_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    const ssize_t n = ::read(master_, buf, sizeof buf);
    if (n > 0) {
      std::lock_guard lock(mutex_);
      screen_.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return;  // EIO: every process holding the terminal's other end is gone
    }
  }
}

void Terminal::type(std::string_view keys) {
  while (!keys.empty()) {
    const ssize_t n = ::write(master_, keys.data(), keys.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("Terminal: write: ") + std::strerror(errno));
    keys.remove_prefix(static_cast<size_t>(n));
  }
}

std::optional<int> Terminal::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Terminal::screen() const {
  std::lock_guard lock(mutex_);
  return screen_;
}

Terminal::~Terminal() {
  if (!status_) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  stopping_ = true;
  if (reader_.joinable()) reader_.join();
  ::close(master_);
}

}  // namespace zc::test
