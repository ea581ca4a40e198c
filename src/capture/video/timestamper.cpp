#include "capture/video/timestamper.hpp"

#include <cstdlib>

namespace zc::capture {

int64_t Timestamper::stamp(std::optional<int64_t> header_pts, int64_t arrival_ns) {
  int64_t t = arrival_ns;
  if (header_pts && *header_pts > 0) {
    const int64_t pts = *header_pts;
    if (!have_offset_ || std::llabs(pts + offset_ - arrival_ns) > kMaxSkewNs) {
      // First stamped frame, or the producer's clock jumped (restart, another clock): learn the
      // offset once and keep it, so the producer's frame spacing survives our scheduling jitter.
      const bool foreign = std::llabs(pts - arrival_ns) > kMaxSkewNs;
      offset_ = foreign ? arrival_ns - pts : 0;
      if (foreign || have_offset_) ++remaps_;
      have_offset_ = true;
    }
    t = pts + offset_;
  }
  if (have_last_ && t <= last_) t = last_ + 1;
  have_last_ = true;
  last_ = t;
  return t;
}

}  // namespace zc::capture
