#pragma once
// glibc's allocator for a process that handles frames. By default a block from 128 KiB up gets a
// mapping of its own, and glibc raises that threshold only after such a block is freed, so what a
// run paid depended on what it happened to allocate first (the 4K encoder probe used to raise it).
// Measured (record_bench, 4K30, 2 cores): capture-to-packet p99 73-79 ms without the probe's
// side effect, 35-37 ms with this tuning (30 ms with glibc's MALLOC_MMAP_THRESHOLD_). Why fresh
// mappings cost so much there: on the 2-core virtual machines a first touch is dear (a memset of
// 12 MB of fresh pages took 37 ms, of the same pages again 0.6 ms), so every block that is mapped,
// unmapped and mapped again pays its page faults again. Which blocks those were is not pinned
// down (a strace of a 3 s 4K run showed few anonymous mmaps: heap pages trimmed and faulted in
// again are as likely as FFmpeg's packets and muxer buffers).
#include <cstddef>

namespace zc {

// Whether to tune glibc's allocator (ZEROCAST_MALLOC_TUNING), and which of its settings the user
// made themselves in glibc's own environment variables (those are left alone).
struct AllocatorTuning {
  bool enabled = true;
  bool user_mmap_threshold = false;  // MALLOC_MMAP_THRESHOLD_ is set
  bool user_arena_max = false;       // MALLOC_ARENA_MAX is set
};

// Sets M_MMAP_THRESHOLD to 32 MiB (glibc's maximum) unless the user set it or tuning is off. True
// when it was set. Call once, first thing in main().
bool tune_allocator(const AllocatorTuning& tuning);

// Fills the page tables of [data, data + bytes) now, in one system call (MADV_POPULATE_READ or
// _WRITE, Linux 5.14+), instead of one page fault per page on first use. For frame-sized memory
// that the first frames would otherwise touch for the first time: measured on the 2-core machine
// (4K30), the first four imports took 50-78 ms each against 1.8 ms later, half of it page faults
// on the pooled destination planes. `write`: the memory will be written (anonymous memory gets its
// zeroed pages now); else only read (a producer's shared memory, mapped). Then one read per page
// from user mode: on a guest whose host keeps shadow page tables (the PVM guests our CI and bench
// machines are), the system call fills only the guest's tables and each page's first access from
// user mode still exits to the host, about 2 us a page (64 MiB: populate 12 ms, then the first
// touch 36 ms, the second 0.5 ms; a fault per page without the populate, 190 ms); with the reads
// here the first four 4K conversions took 2-14 ms instead of 16-50. On other machines the reads
// find every page mapped and cost a TLB miss each. Returns false where the kernel refuses the
// populate (older kernels, device mappings); the reads still map the pages.
bool prefault(void* data, size_t bytes, bool write);

// One malloc arena for every thread (M_ARENA_MAX=1), for the daemon, which must give a finished
// capture's memory back: glibc's malloc_trim returns the free pages of every arena but shrinks the
// top of the main one only; a thread arena's top is shrunk only inside free(), when a block of at
// least 64 KiB is freed into it. Measured (2 cores, three daemons at once, one 1280x720 capture
// each, started and stopped): 8 of 30 stops left 20-24 MB behind, which a gdb walk of the arenas
// found in a thread arena's 34 MB top chunk, libx264's huge-page blocks among it, still there after
// a second trim. (Which free order leaves it so was not pinned down: a test thread that freed 32
// MiB and then a small block gave it all back when it exited.) Threads still take small blocks
// from their own caches (tcache) without the arena's lock. Not set when the user set
// MALLOC_ARENA_MAX or tuning is off. True when it was set. Call before the daemon starts threads.
bool one_arena(const AllocatorTuning& tuning);

// Gives the free memory of every malloc arena back to the kernel (malloc_trim). With the
// threshold above, a capture's frames, encoder buffers and packets are heap blocks, and glibc
// keeps a freed arena's pages: the daemon calls this when a capture has gone, so it does not sit
// on a finished capture's memory until the next one. Measured (2 cores, four 1280x720 test-source
// captures stopped): the daemon's anonymous memory went from 38 to 7 MB (5 MB before the first).
void release_free_memory();

}  // namespace zc
