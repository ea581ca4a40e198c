#pragma once
// glibc's allocator for a process that handles frames. By default a block from 128 KiB up gets a
// mapping of its own, and glibc raises that threshold only after such a block is freed, so what a
// run paid depended on what it happened to allocate first (the 4K encoder probe used to raise it).
// Measured (record_bench, 4K30, 2 cores): capture-to-packet p99 73-79 ms without the probe's
// side effect, 35-37 ms with this tuning (30 ms with glibc's MALLOC_MMAP_THRESHOLD_). Which
// allocations paid is not pinned down: a strace of a 3 s 4K run showed few anonymous mmaps, so
// heap pages trimmed and faulted in again are as likely as FFmpeg's packets and muxer buffers.
namespace zc {

// Sets M_MMAP_THRESHOLD to 32 MiB (glibc's maximum) unless MALLOC_MMAP_THRESHOLD_ is in the
// environment (the user's own choice) or ZEROCAST_MALLOC_TUNING=0. True when it was set. Call
// once, first thing in main().
bool tune_allocator();

}  // namespace zc
