// Catch2's runner, with one thing set for every test: the zerocast processes a test starts say what
// each stage does (ZEROCAST_LOG=info, as `record -v`), since the tests read those lines; `record`
// alone is quiet by default. A test of the quiet default removes the variable for its child.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char** argv) {
  setenv("ZEROCAST_LOG", "info", 0);  // kept where the caller set one
  return Catch::Session().run(argc, argv);
}
