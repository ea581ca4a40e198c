#pragma once
// What /proc says about a process: a /proc/PID/status figure in kB, the CPU time it and each of
// its threads have used, its threads' names and nice values.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

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

// The fields of a /proc stat file after the name (/proc/PID/stat: the process,
// /proc/PID/task/TID/stat: one thread): [0] is field 3 of proc(5), the state. Empty when it is gone.
inline std::vector<std::string> stat_fields(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  char buf[1024] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string stat(buf, n);
  const size_t after_name = stat.rfind(')');  // the name may hold spaces
  if (after_name == std::string::npos) return {};
  std::istringstream in(stat.substr(after_name + 2));
  std::vector<std::string> fields;
  for (std::string field; in >> field;)
    fields.push_back(field);
  return fields;
}

// utime + stime (fields 14 and 15) of stat_fields, in seconds; -1 when they are not there.
inline double cpu_s(const std::vector<std::string>& fields) {
  if (fields.size() < 13) return -1;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds in a /proc stat file; -1 when it is gone.
inline double stat_cpu_s(const std::string& path) {
  return cpu_s(stat_fields(path));
}

// CPU seconds that process `pid` (all its threads) has used so far; -1 when it is gone.
inline double process_cpu_s(int pid) {
  return stat_cpu_s("/proc/" + std::to_string(pid) + "/stat");
}

// Calls `each(name, fields)` for every live thread of process `pid` (stat_fields of its stat; a
// thread that ends while they are read is left out).
template <typename Each>
void for_each_thread(int pid, Each each) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    const auto fields = stat_fields((task.path() / "stat").string());
    if (std::getline(in, name) && fields.size() >= 17) each(name, fields);
  }
}

// Each live thread of process `pid`: its name and the CPU seconds it has used so far.
inline std::multimap<std::string, double> thread_cpu_s(int pid) {
  std::multimap<std::string, double> threads;
  for_each_thread(pid,
                  [&](const std::string& name, const std::vector<std::string>& f) { threads.emplace(name, cpu_s(f)); });
  return threads;
}

// Each live thread of process `pid`: its name and its nice value (field 19).
inline std::multimap<std::string, int> thread_nice(int pid) {
  std::multimap<std::string, int> threads;
  for_each_thread(pid, [&](const std::string& name, const std::vector<std::string>& f) {
    threads.emplace(name, std::stoi(f[16]));
  });
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
