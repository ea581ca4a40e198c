#include "core/allocator.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string_view>

namespace zc {

bool tune_allocator() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return false;
  if (const char* v = std::getenv("ZEROCAST_MALLOC_TUNING"); v != nullptr && std::string_view(v) == "0") return false;
  constexpr int kThreshold = 32 * 1024 * 1024;  // DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
  return mallopt(M_MMAP_THRESHOLD, kThreshold) == 1;
}

}  // namespace zc
