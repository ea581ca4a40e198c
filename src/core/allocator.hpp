#pragma once
// glibc's allocator for a process that handles frames. Blocks from 128 KiB up (FFmpeg's packets,
// a 4K keyframe is ~1 MB; the muxers' buffers) would each get a fresh mmap: page faults on every
// byte, then munmap. glibc raises that threshold only after such a block is freed, so whether a
// run pays it depended on what happened first. Measured (record_bench, 4K30, 2 cores): capture to
// packet p99 73-79 ms with the default, 30 ms with large blocks served from the heap.
namespace zc {

// Sets M_MMAP_THRESHOLD to 32 MiB (glibc's maximum) unless MALLOC_MMAP_THRESHOLD_ is in the
// environment (the user's own choice) or ZEROCAST_MALLOC_TUNING=0. True when it was set. Call
// once, first thing in main().
bool tune_allocator();

}  // namespace zc
