#pragma once
// Whether the tests run where every instruction is emulated: the vm tests' TCG guest
// (tests/vm/guest-run.sh sets ZC_TEST_EMULATED=1), several times slower than the host and slower
// still beside the host's own tests. Frame counts allow what such a machine loses; CPU times say
// nothing there.
#include <cstdlib>
#include <string_view>

namespace zc::test {

inline bool emulated_machine() {
  const char* v = std::getenv("ZC_TEST_EMULATED");
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace zc::test
