#pragma once
// A command run as a person runs it in a terminal: the foreground job of its own pseudo-terminal
// (80 columns), so keys typed there reach it through the terminal's line discipline. Ctrl-C
// ("\x03") becomes SIGINT to the whole foreground process group, as in a shell, not to one pid.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace zc::test {

class Terminal {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to (or overriding) this process's environment
    std::vector<std::string> unset_env;
    unsigned short columns = 80;
    unsigned short rows = 24;
  };
  // Starts argv[0] (searched in PATH) as the session leader of a new terminal. Throws
  // std::runtime_error when the terminal or the process cannot be made.
  Terminal(std::vector<std::string> argv, Options options);
  // SIGKILL to its process group if still running, then reaped.
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  pid_t pid() const { return pid_; }
  // Writes `keys` to the terminal as typed: "\x03" is Ctrl-C.
  void type(std::string_view keys);
  // Exit status (WEXITSTATUS, or 128+signal), or nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Everything written to the terminal so far, as written (escape sequences and \r included).
  std::string screen() const;

 private:
  void read_loop();

  pid_t pid_ = -1;
  int master_ = -1;
  std::optional<int> status_;
  mutable std::mutex mutex_;
  std::string screen_;
  std::atomic<bool> stopping_{false};
  std::thread reader_;
};

}  // namespace zc::test
