#pragma once
// Child processes for tests: start a program with arguments and extra environment, capture its
// output to files, wait with a timeout, signal it, and always reap it.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zc::test {

class Process {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to (or overriding) this process's environment
    std::vector<std::string> unset_env;
    std::string log_path;  // stdout+stderr go here (default: a file in /tmp named after the program)
    std::string cwd;
  };

  // Starts argv[0] (searched in PATH). Throws std::runtime_error if fork/exec fails.
  Process(std::vector<std::string> argv, Options options);
  Process(std::vector<std::string> argv) : Process(std::move(argv), Options{}) {}
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // SIGTERM, then SIGKILL after 3 s, then reap.
  ~Process();

  int pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Exit status (WEXITSTATUS, or 128+signal), or nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(3));
  std::string output() const;  // everything written so far to stdout+stderr
  const std::string& log_path() const { return log_path_; }

  // What the child used over its life (its own, not its children's), once it has been reaped.
  struct Usage {
    double cpu_s = 0;     // user + system
    long max_rss_kb = 0;  // peak resident set
  };
  std::optional<Usage> usage() const { return usage_; }

 private:
  // waitpid with `flags`, keeping the status and the usage; true once reaped.
  bool reap(int flags);

  int pid_ = -1;
  std::optional<int> status_;
  std::optional<Usage> usage_;
  std::string log_path_;
};

// This process's environment with `unset` removed and `set` added (or overriding), as "NAME=VALUE"
// strings for a child's exec.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset);

// Runs to completion (killed after `timeout`) and returns {status, output}.
struct RunResult {
  int status = -1;
  std::string output;
  bool timed_out = false;
  Process::Usage usage;
};
RunResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout, Process::Options options = {});

// `output` with its error and warning lines (`[E] `, `[W] `, stamped or not) copied first, under a line that says
// so: a report that shows only the head of a failed test's output still shows why it failed.
std::string errors_first(const std::string& output);

// True if `program` is found in PATH (or is an executable path).
bool have_program(const std::string& program);

// Path of a fresh, empty temporary directory (removed by the caller or left for inspection).
std::string make_temp_dir(const std::string& prefix);

}  // namespace zc::test
