#include "core/allocator.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

// Debian 12's kernel headers predate neither; older ones may lack them (values of Linux 5.14).
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace zc {
namespace {}  // namespace

bool tune_allocator(const AllocatorTuning& tuning) {
  if (!tuning.enabled || tuning.user_mmap_threshold) return false;
  constexpr int kThreshold = 32 * 1024 * 1024;  // DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
  return mallopt(M_MMAP_THRESHOLD, kThreshold) == 1;
}

bool one_arena(const AllocatorTuning& tuning) {
  if (!tuning.enabled || tuning.user_arena_max) return false;
  return mallopt(M_ARENA_MAX, 1) == 1;
}

bool prefault(void* data, size_t bytes, bool write) {
  if (data == nullptr || bytes == 0) return false;
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + bytes;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): madvise wants the page-aligned address
  void* const aligned = reinterpret_cast<void*>(begin);
  const bool populated = madvise(aligned, end - begin, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0;
  // One read per page from user mode (allocator.hpp: what a guest with shadow page tables still
  // pays after the system call). Reading is enough for memory populated for writing: its first
  // write then costs nothing more.
  const auto* bytes_at = static_cast<const volatile uint8_t*>(data);
  const uintptr_t first = begin + page - reinterpret_cast<uintptr_t>(data);  // the next page's start
  uint8_t sink = bytes_at[0];
  for (uintptr_t at = first; at < bytes; at += page)
    sink = static_cast<uint8_t>(sink + bytes_at[at]);
  (void)sink;
  return populated;
}

void release_free_memory() {
  malloc_trim(0);
}

}  // namespace zc
