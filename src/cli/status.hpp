#pragma once
// What `zerocast record` prints: a live status line on a terminal, and a summary at the end.
#include <cstddef>
#include <optional>
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

// "00:05  60/60 fps  2.8 MB  4512 kbit/s  dropped 0  00:55 left" (time left with a duration), then
// while they fit in `width` columns less one: each sound source's level and each counter the
// table shows as a total once it is not 0 ("missed 2"). The encoder and import path are in the
// summary (and said once at the start with -v).
std::string status_line(const zc::session::Snapshot& s, const Rates& r, std::optional<double> duration_s,
                        size_t width = 80);

// Several lines: what was captured, encoded and written, drops by reason, latency, outputs.
std::string summary(const zc::session::Snapshot& s, const zc::session::Outcome& outcome);

}  // namespace zc::cli
