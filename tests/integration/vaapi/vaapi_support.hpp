#pragma once
// The VA-API tests' fake driver (tests/fakes/vaapi, backend.c): the environment that makes libva
// load it with a variant (in this process, before a device opens, or for a child), and its stats
// file (key=value, rewritten after every picture and when the driver is terminated).
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/render_node.hpp"
#include "support/skip.hpp"

namespace zc::test::vaapi {

// Every ZC_FAKE_VA_* knob the driver reads: those a case does not set are unset, so nothing from
// the caller's environment (a developer's failure injection) leaks in.
inline const std::vector<std::string> kFakeKnobs = {"ZC_FAKE_VA_VARIANT", "ZC_FAKE_VA_STATS", "ZC_FAKE_VA_FAIL_AFTER",
                                                    "ZC_FAKE_VA_MODIFIERS"};

// The render node the tests open, or the case skips: libva refuses anything but a render node.
inline std::string node_or_skip() {
  std::string node = va_test_node();
  if (node.empty()) ZC_SKIP("no DRM render node for libva (set ZC_VA_TEST_DEVICE; the vm tests' guest has them)");
  return node;
}

using Env = std::map<std::string, std::string>;

// libva loading the fake driver as zc_fake with `variant` (full, sequence, none, lowpower), its
// stats written to `stats_path`; `driver` names another driver (one that does not exist).
inline Env fake_driver_env(const std::string& variant, const std::string& stats_path,
                           const std::string& driver = "zc_fake") {
  return {{"LIBVA_DRIVERS_PATH", ZC_FAKE_VA_DRIVER_DIR},
          {"LIBVA_DRIVER_NAME", driver},
          {"ZC_FAKE_VA_VARIANT", variant},
          {"ZC_FAKE_VA_STATS", stats_path}};
}

// The same in this process's environment (the driver reads it when libva initialises it).
inline void use_fake_driver(const std::string& variant, const std::string& stats_path) {
  for (const auto& k : kFakeKnobs)
    unsetenv(k.c_str());
  for (const auto& [k, v] : fake_driver_env(variant, stats_path))
    setenv(k.c_str(), v.c_str(), 1);
}

// The stats file's keys and values; empty when the driver never wrote it.
inline std::map<std::string, std::string> read_stats(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// A counter of the stats (-1 when absent).
inline long stat_number(const std::map<std::string, std::string>& stats, const std::string& key) {
  const auto it = stats.find(key);
  return it == stats.end() ? -1 : std::stol(it->second);
}

}  // namespace zc::test::vaapi
