#pragma once
// What /proc says about a process: a /proc/PID/status figure in kB, and its threads' names.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace zc::test {

// A "Key:   N kB" line of /proc/PID/status (VmRSS, RssAnon, RssShmem...), in kB; -1 when absent.
inline long proc_status_kb(int pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// The names of process `pid`'s threads (a thread that ends while they are read is left out).
inline std::multiset<std::string> thread_names(int pid) {
  std::multiset<std::string> names;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    if (std::getline(in, name)) names.insert(name);
  }
  return names;
}

}  // namespace zc::test
