#pragma once
// `zerocast test-source`: the test source as a foreground command. The daemon maps its CLI
// flags onto RunOptions (this parses nothing) and returns run()'s value as the exit code.
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "testsrc/options.hpp"

namespace zc::testsrc {

struct RunOptions {
  Options source;
  uint64_t frames = 0;                    // stop once this many frames were queued (0: no limit)
  std::chrono::milliseconds duration{0};  // stop after this long (0: no limit)
};

// Exit codes of run().
inline constexpr int kRunOk = 0;            // stopped by signal, frame count, duration or a Disappear defect
inline constexpr int kRunStartFailed = 1;   // bad options, no PipeWire, or the node never appeared
inline constexpr int kRunStreamFailed = 2;  // the stream failed while running

// Runs until SIGINT/SIGTERM, `frames` or `duration`. Blocks SIGINT and SIGTERM in the calling
// thread for its duration (call it before starting other threads that should not receive them)
// and restores the mask afterwards. Prints to `out`, one line each:
//   zerocast test-source: node.id=ID object.serial=SERIAL node.name=NAME   (once the node exists)
//   zerocast test-source: queued=N skipped_no_buffer=N skipped_paused=N skipped_busy=N ...  (at the end)
int run(const RunOptions& options, std::FILE* out = stdout);

}  // namespace zc::testsrc
