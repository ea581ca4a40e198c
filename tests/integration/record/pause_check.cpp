#include "pause_check.hpp"

#include <libavutil/frame.h>

#include <optional>
#include <sstream>

#include "support/decode.hpp"
#include "testsrc/pattern.hpp"

namespace zc::test {

std::string PausedFile::describe() const {
  std::ostringstream s;
  s << error << " frames " << frames << ", largest gap " << largest_gap_ms << " ms, jumps:";
  for (const Jump& j : jumps)
    s << " " << j.from << "->" << j.to << "@" << j.at_s << (j.keyframe ? "(key)" : "(not key)");
  s << "; " << av.describe();
  return s.str();
}

PausedFile read_paused_file(const std::string& path, uint32_t mark_every, uint32_t allowed_skip) {
  PausedFile out;
  std::vector<std::optional<uint32_t>> numbers;
  const DecodeResult decoded = decode_file(path, [&](const AVFrame& f) {
    numbers.push_back(testsrc::read_number_luma(f.data[0], static_cast<uint32_t>(f.linesize[0]),
                                                static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height)));
  });
  if (!decoded.ok) {
    out.error = decoded.error;
    return out;
  }
  out.frames = decoded.frames.size();
  std::optional<uint32_t> last;
  for (size_t i = 0; i < decoded.frames.size() && i < numbers.size(); ++i) {
    if (i > 0) {
      const double gap = static_cast<double>(decoded.frames[i].pts_us - decoded.frames[i - 1].pts_us) / 1000.0;
      out.largest_gap_ms = std::max(out.largest_gap_ms, gap);
    }
    if (!numbers[i]) continue;
    if (last && *numbers[i] > *last + 1 + allowed_skip) {
      out.jumps.push_back(
          {*last, *numbers[i], static_cast<double>(decoded.frames[i].pts_us) / 1e6, decoded.frames[i].keyframe});
    }
    last = numbers[i];
  }
  out.av = measure_av_offsets(path, mark_every);
  return out;
}

}  // namespace zc::test
