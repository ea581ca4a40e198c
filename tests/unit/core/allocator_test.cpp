#include <catch2/catch.hpp>

#include <malloc.h>
#include <stdlib.h>

#include <cstdlib>
#include <cstring>

#include "core/allocator.hpp"
#include "support/skip.hpp"

namespace {

// ASan and LSan replace glibc's allocator (mallopt is a no-op there and mallinfo2 reports glibc's
// unused arenas), so what these tests check does not exist in a sanitized build.
void skip_under_sanitizers() {
#if defined(__SANITIZE_ADDRESS__)
  ZC_SKIP("AddressSanitizer replaces glibc's allocator: nothing of glibc's to tune or measure");
#endif
}

// Whether a block of `bytes` got a mapping of its own (glibc counts those in hblks).
bool gets_own_mapping(size_t bytes) {
  const size_t before = mallinfo2().hblks;
  void* p = std::malloc(bytes);
  REQUIRE(p);
  std::memset(p, 1, 4096);
  const size_t during = mallinfo2().hblks;
  std::free(p);
  return during > before;
}

}  // namespace

// ctest runs each case in a process of its own, so each starts with glibc's defaults.
TEST_CASE("allocator: untuned a 1 MiB block is mmapped, tuned it comes from the heap", "[allocator]") {
  skip_under_sanitizers();
  CHECK(gets_own_mapping(1 << 20));  // glibc's default: what every 4K keyframe packet paid
  // glibc raises its threshold to a freed mapped block's size: a larger block still gets its own.
  CHECK(gets_own_mapping(8 << 20));
  REQUIRE(zc::tune_allocator({}));
  CHECK_FALSE(gets_own_mapping(16 << 20));  // above what glibc had raised its threshold to (8 MiB)
  CHECK_FALSE(gets_own_mapping(8 << 20));
  CHECK(gets_own_mapping(64 << 20));  // beyond 32 MiB: mapped as before
}

// settings/environment.cpp makes the AllocatorTuning of MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX and
// ZEROCAST_MALLOC_TUNING (its test: tests/unit/settings).
TEST_CASE(
    "allocator: the user's MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX and ZEROCAST_MALLOC_TUNING=0 leave glibc alone",
    "[allocator]") {
  zc::AllocatorTuning off;
  off.enabled = false;
  CHECK_FALSE(zc::tune_allocator(off));
  CHECK_FALSE(zc::one_arena(off));
  zc::AllocatorTuning user;
  user.user_mmap_threshold = true;
  CHECK_FALSE(zc::tune_allocator(user));
  user = {};
  user.user_arena_max = true;
  CHECK_FALSE(zc::one_arena(user));
}

// The daemon's one arena (core/allocator.hpp: glibc's malloc_trim shrinks only the main arena's
// top, so a stopped capture's memory left in a thread arena's top stayed; integration_service's
// resources test is what catches that, under load). Here: glibc takes the setting.
TEST_CASE("allocator: one_arena sets glibc's M_ARENA_MAX unless the user chose", "[allocator]") {
  skip_under_sanitizers();
  CHECK(zc::one_arena({}));
}
