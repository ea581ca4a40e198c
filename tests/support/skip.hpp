#pragma once
// Catch2 v2 has no SKIP. ctest runs each test case in its own process (catch_discover_tests),
// so a test that cannot run here prints why and exits 77, which ctest reports as skipped
// (SKIP_RETURN_CODE 77). Never use it for a failure.
#include <cstdio>
#include <cstdlib>
#include <string>

#define ZC_SKIP(reason)                                                 \
  do {                                                                  \
    std::fprintf(stderr, "SKIPPED: %s\n", std::string(reason).c_str()); \
    std::fflush(stderr);                                                \
    std::_Exit(77);                                                     \
  } while (0)
