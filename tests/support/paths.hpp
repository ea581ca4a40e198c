#pragma once
// Where tests find the zerocast binary and the source tree.
#include <string>

namespace zc::test {

std::string zerocast_bin();  // $ZEROCAST_BIN, else the build's binary
std::string source_dir();    // the repository root

}  // namespace zc::test
