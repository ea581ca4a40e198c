#pragma once
// What `zerocast record` prints: a live status line on a terminal, and a summary at the end.
#include <string>

#include "daemon/pipeline.hpp"
#include "daemon/stats.hpp"

namespace zc::daemon {

// Live figures between two snapshots (rates over the interval).
struct Rates {
  double fps_in = 0;
  double fps_out = 0;
  double kbps = 0;
};

class RateTracker {
 public:
  Rates update(const Snapshot& s, int64_t now_ns);

 private:
  RateMeter in_, out_, bits_;
};

// "00:05  in 60.0 fps  out 60.0 fps  4512 kbit/s  dropped 0  libx264  import cpu  1920x1080"
std::string status_line(const Snapshot& s, const Rates& r);

// Several lines: what was captured, encoded and written, drops by reason, latency, outputs.
std::string summary(const Snapshot& s, const Outcome& outcome);

}  // namespace zc::daemon
