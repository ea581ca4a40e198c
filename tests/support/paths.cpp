#include "support/paths.hpp"

#include <cstdlib>

#include "zc_test_paths.hpp"

namespace zc::test {
namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}
}  // namespace

std::string zerocast_bin() {
  return env_or("ZEROCAST_BIN", ZC_TEST_ZEROCAST_BIN);
}
std::string source_dir() {
  return ZC_TEST_SOURCE_DIR;
}

}  // namespace zc::test
