#pragma once
// What /proc says about a process: a /proc/PID/status figure in kB, the CPU time it and each of
// its threads have used, its threads' names.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
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

// CPU seconds in a /proc stat file (/proc/PID/stat: the process, /proc/PID/task/TID/stat: one
// thread); -1 when it is gone.
inline double stat_cpu_s(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  char buf[1024] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string stat(buf, n);
  const size_t after_name = stat.rfind(')');  // the name may hold spaces
  if (after_name == std::string::npos) return -1;
  std::istringstream fields(stat.substr(after_name + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i)
    fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds that process `pid` (all its threads) has used so far; -1 when it is gone.
inline double process_cpu_s(int pid) {
  return stat_cpu_s("/proc/" + std::to_string(pid) + "/stat");
}

// Each live thread of process `pid`: its name and the CPU seconds it has used so far (a thread
// that ends while they are read is left out).
inline std::multimap<std::string, double> thread_cpu_s(int pid) {
  std::multimap<std::string, double> threads;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    const double s = stat_cpu_s((task.path() / "stat").string());
    if (std::getline(in, name) && s >= 0) threads.emplace(name, s);
  }
  return threads;
}

// The names of process `pid`'s threads.
inline std::multiset<std::string> thread_names(int pid) {
  std::multiset<std::string> names;
  for (const auto& [name, cpu] : thread_cpu_s(pid))
    names.insert(name);
  return names;
}

}  // namespace zc::test
