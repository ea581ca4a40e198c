#pragma once
// The pages of shared libraries that only the dynamic loader needed. zerocast links Debian's
// FFmpeg, whose dependency tree is about 150 libraries (codecs, protocols, hardware APIs), each
// built with BIND_NOW: the loader resolves every symbol of every one before main(), touching their
// symbol tables, hash tables and relocation data, and the kernel maps up to 64 KiB around each
// touched page. Measured at 1080p60 (record_bench): 32 MB of the 105 MB peak resident set were
// such library pages, most never touched again. A process that stays up for hours should not
// carry them: release_loader_pages() drops this process's mappings of clean, read-only library
// pages; the page cache keeps them, and a page the job does use comes back on its first touch
// (a minor fault, no I/O).
#include <cstddef>

namespace zc {

struct LoaderPages {
  size_t mappings = 0;  // runs of read-only segments whose pages were released
  size_t bytes = 0;     // the process's resident set before, less after
};

// Drops the resident pages of every loaded object's read-only segments (its ELF headers, text and
// read-only data, found with dl_iterate_phdr: no /proc read), the executable's too: never a
// writable segment (relocated data, RELRO, .data), never an object whose text is relocated at
// load time. Call first thing in main(), while the process has one thread. Not `enabled`
// (ZEROCAST_TRIM_LIBRARIES=0): leaves them (returns zeros).
LoaderPages release_loader_pages(bool enabled = true);

}  // namespace zc
