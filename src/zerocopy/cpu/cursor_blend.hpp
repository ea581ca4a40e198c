#pragma once
// Composites the metadata cursor onto a converted 4:2:0 image. The bitmap is straight (not
// premultiplied) alpha; it is sampled nearest-neighbour through the same mapping as the frame,
// so it lands at the scaled position with the scaled size. Every read of the bitmap and every
// write to the planes is bounds-checked: positions and sizes come from another process.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/colour.hpp"
#include "core/frame.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::zerocopy {

// How output pixels map back onto the frame: output column x samples frame column
// origin_x + floor((2x + 1) * src_width / (2 * dst.width)), pixel centres aligned; rows alike.
struct OutputMapping {
  int32_t origin_x = 0;  // the visible rect's top-left in frame coordinates
  int32_t origin_y = 0;
  uint32_t src_width = 0;  // frame pixels spanned by the output (== output size when 1:1)
  uint32_t src_height = 0;
};

class CursorBlender {
 public:
  // The picture's colour (matrix and range); BT.601 limited range until set.
  void set_colour(const Colour& colour) { factors_ = yuv_factors_8bit(colour); }

  // True when at least one output pixel was touched. `area`, when given, is set to the output
  // rect the bitmap covers (nullopt when it is off the picture): what a later frame must convert
  // again to erase it.
  bool draw(const Cursor& cursor, const OutputMapping& map, const PlanarView& dst, std::optional<Rect>* area = nullptr);
  // The output rect of a width x height picture that draw() would cover; nullopt when it would
  // draw nothing (no bitmap, off the picture).
  static std::optional<Rect> area(const Cursor& cursor, const OutputMapping& map, uint32_t width, uint32_t height);

 private:
  std::vector<int64_t> columns_;  // bitmap column per output column of the current draw
  YuvFactors factors_ = yuv_factors_8bit(Colour{ColourMatrix::BT601, ColourRange::Limited});
};

}  // namespace zc::zerocopy
