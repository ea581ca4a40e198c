#pragma once
// What `zerocast record` prints: a live status line on a terminal, and a summary at the end.
#include <string>

#include "session/snapshot.hpp"
#include "session/stats.hpp"

namespace zc::cli {

// Live figures between two snapshots (rates over the interval).
struct Rates {
  double fps_in = 0;
  double fps_out = 0;
  double kbps = 0;
};

class RateTracker {
 public:
  Rates update(const zc::session::Snapshot& s, int64_t now_ns);

 private:
  session::RateMeter in_, out_, bits_;
};

// "00:05  in 60.0 fps  out 60.0 fps  4512 kbit/s  dropped 0  libx264  import cpu  1920x1080", then
// each counter the table shows as a total, once it is not 0 ("video packets 300"), and the sound.
std::string status_line(const zc::session::Snapshot& s, const Rates& r);

// Several lines: what was captured, encoded and written, drops by reason, latency, outputs.
std::string summary(const zc::session::Snapshot& s, const zc::session::Outcome& outcome);

}  // namespace zc::cli
