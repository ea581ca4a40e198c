#pragma once
// The DRM render node the VA-API tests open (libva insists on a render node even for the tests'
// fake driver, tests/fakes/vaapi): ZC_VA_TEST_DEVICE when set, else the first /dev/dri/renderD*
// in order; empty when there is none (the caller skips).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace zc::test {

inline std::string va_test_node() {
  if (const char* dev = std::getenv("ZC_VA_TEST_DEVICE"); dev && *dev) return dev;
  std::error_code ec;
  std::vector<std::string> nodes;
  for (const auto& e : std::filesystem::directory_iterator("/dev/dri", ec))
    if (e.path().filename().string().rfind("renderD", 0) == 0) nodes.push_back(e.path().string());
  std::sort(nodes.begin(), nodes.end());
  return nodes.empty() ? std::string() : nodes.front();
}

}  // namespace zc::test
