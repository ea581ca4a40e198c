#include "output_test_util.hpp"

#include <poll.h>
#include <signal.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/clock.hpp"
#include "support/process.hpp"

namespace zc::test {

Decoded decode_numbers(const std::string& path) {
  Decoded out;
  out.result = decode_file(path, [&](const AVFrame& frame) { out.numbers.push_back(read_frame_number(frame)); });
  return out;
}

bool consecutive(const std::vector<int>& numbers, int first) {
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (numbers[i] != first + static_cast<int>(i)) return false;
  }
  return true;
}

int64_t total_bytes(const EncodedStream& stream, size_t first) {
  int64_t sum = 0;
  for (size_t i = first; i < stream.packets.size(); ++i)
    sum += stream.packets[i].packet->size;
  return sum;
}

StderrCapture::StderrCapture() : path_(make_temp_dir("zc-output") + "/stderr.txt") {
  std::fflush(stderr);
  saved_ = ::dup(2);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
}

StderrCapture::~StderrCapture() {
  (void)text();
}

std::string StderrCapture::text() {
  if (saved_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::ifstream in(path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<ChildReport> run_child(
    const std::function<void(const std::function<void(const ChildReport&)>& send)>& body,
    const std::function<bool(const ChildReport&)>& on_progress, std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::close(fds[0]);
    const int out = fds[1];
    try {
      body([out](const ChildReport& r) {
        const ssize_t n = ::write(out, &r, sizeof r);
        (void)n;
      });
    } catch (...) {
      std::_Exit(3);
    }
    std::_Exit(0);
  }
  ::close(fds[1]);
  std::optional<ChildReport> last;
  const int64_t deadline = monotonic_ns() + std::chrono::nanoseconds(timeout).count();
  bool more = true;
  while (more) {
    const int64_t left_ms = (deadline - monotonic_ns()) / 1000000;
    if (left_ms <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left_ms)) <= 0) break;
    ChildReport r;
    size_t got = 0;
    while (got < sizeof r) {
      const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got < sizeof r) break;  // the child closed the pipe (exited)
    last = r;
    more = on_progress(r);
  }
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return last;
}

}  // namespace zc::test
