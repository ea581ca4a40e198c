#pragma once
// The per-format part of cpu_convert_bench (issue 12 item 7), in its own file.

// Prints, per source format at 1080p and 4K, the importer's cost against one memcpy of the source
// frame (MJPEG: against libavcodec's decode alone), medians of `iterations`. `match`: only the
// rows whose "source -> target" contains it (null: all).
void run_format_cases(int iterations, const char* match = nullptr);
