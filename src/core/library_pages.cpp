#include "core/library_pages.hpp"

#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace zc {

namespace {

struct Range {
  uintptr_t begin = 0;
  uintptr_t end = 0;
};

// Whether an object's text is patched at load time (DT_TEXTREL): its read-only segments then hold
// written pages, which must stay. Debian builds none so, but a library from elsewhere might.
bool has_text_relocations(const dl_phdr_info& info) {
  for (ElfW(Half) i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_DYNAMIC) continue;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the loaded object's dynamic section
    for (const auto* d = reinterpret_cast<const ElfW(Dyn)*>(info.dlpi_addr + ph.p_vaddr); d->d_tag != DT_NULL; ++d) {
      if (d->d_tag == DT_TEXTREL) return true;
      if (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL) != 0) return true;
    }
  }
  return false;
}

// Every loaded object's read-only segments (ELF headers, text, read-only data), page-aligned.
// Writable segments are skipped whole: RELRO lies in them (relocated data, read-only only after
// relocation), and so do .data and .bss.
int collect(dl_phdr_info* info, size_t, void* data) {
  auto& ranges = *static_cast<std::vector<Range>*>(data);
  const std::string_view name = info->dlpi_name ? info->dlpi_name : "";
  if (name.starts_with("linux-vdso") || name.starts_with("linux-gate")) return 0;
  if (has_text_relocations(*info)) return 0;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0 || ph.p_memsz == 0) continue;
    const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    ranges.push_back(Range{start / page * page, (start + ph.p_memsz + page - 1) / page * page});
  }
  return 0;
}

// Resident bytes of this process (/proc/self/statm's second field).
size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

LoaderPages release_loader_pages(bool enabled) {
  LoaderPages released;
  if (!enabled) return released;
  std::vector<Range> ranges;
  ranges.reserve(512);
  dl_iterate_phdr(collect, &ranges);
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  // One call per run of adjacent segments (an object's headers, text and read-only data follow
  // each other): every call flushes the TLB, which costs an interrupt of each other CPU the
  // process ran on (dear under these virtual machines' PVM: 311 calls, one per mapping, took
  // about 20 ms more than these 145).
  std::vector<Range> runs;
  for (const Range& r : ranges) {
    if (!runs.empty() && r.begin <= runs.back().end) {
      runs.back().end = std::max(runs.back().end, r.end);
    } else {
      runs.push_back(r);
    }
  }
  const size_t before = resident_bytes();
  for (const Range& r : runs) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): madvise wants the range's address
    if (madvise(reinterpret_cast<void*>(r.begin), r.end - r.begin, MADV_DONTNEED) == 0) ++released.mappings;
  }
  const size_t after = resident_bytes();
  released.bytes = before > after ? before - after : 0;
  return released;
}

}  // namespace zc
