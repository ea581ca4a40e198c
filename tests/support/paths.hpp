#pragma once
// Where tests find the zerocast binary, the source tree and ../shared (test-support tools).
#include <string>

namespace zc::test {

std::string zerocast_bin();  // $ZEROCAST_BIN, else the build's binary
std::string source_dir();    // the repository root
std::string shared_dir();    // $ZC_SHARED_DIR, else ../shared beside the repository

}  // namespace zc::test
