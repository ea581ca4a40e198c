#pragma once
// The CPU priority of zerocast's threads. Beside a producer that takes a core of its own (a game,
// GStreamer drawing frames) a recorder's threads wait for a free core: on the 2-core machines the
// capture and encoder threads of a 4K record waited 3.3 s of 5 runnable, which is where its
// capture→packet p99 went (bench/HISTORY.md). Sunshine raises its threads for the same reason.
// The nice value is per thread on Linux and a new thread takes its creator's: set once on the
// main thread before any other starts, it holds for every thread of the run (libx264's too).
// PipeWire's data thread keeps the realtime class it gets from PipeWire. The value is the nice
// setting (ZEROCAST_NICE, settings/table.cpp: -10 by default).
#include <string>

namespace zc::cli {

// Moves the calling thread to `nice` unless it runs there or higher already: setpriority() where
// allowed (root, CAP_SYS_NICE, RLIMIT_NICE), else RealtimeKit on the system bus (what PipeWire and
// PulseAudio use for a desktop user; its floor is -15 by default). Never fails the run: says what
// it did, for a log line ("nice -10 (setpriority)", "left at nice 0: ...").
std::string raise_priority(int nice);

}  // namespace zc::cli
