#include "core/colour.hpp"

#include <algorithm>
#include <cmath>

namespace zc {

std::string_view to_string(ColourMatrix m) {
  switch (m) {
    case ColourMatrix::BT601:
      return "bt601";
    case ColourMatrix::BT709:
      return "bt709";
    case ColourMatrix::BT2020:
      return "bt2020";
  }
  return "?";
}

std::string_view to_string(ColourRange r) {
  return r == ColourRange::Full ? "full" : "limited";
}

std::string_view to_string(ColourPrimaries p) {
  switch (p) {
    case ColourPrimaries::BT709:
      return "bt709";
    case ColourPrimaries::BT601:
      return "smpte170m";
    case ColourPrimaries::BT2020:
      return "bt2020";
  }
  return "?";
}

std::string_view to_string(ColourTransfer t) {
  switch (t) {
    case ColourTransfer::SRGB:
      return "srgb";
    case ColourTransfer::BT709:
      return "bt709";
    case ColourTransfer::PQ:
      return "pq";
    case ColourTransfer::HLG:
      return "hlg";
  }
  return "?";
}

std::string describe(const Colour& c) {
  std::string s(to_string(c.matrix));
  s += ' ';
  s += to_string(c.range);
  s += " (primaries ";
  s += to_string(c.primaries);
  s += ", transfer ";
  s += to_string(c.transfer);
  s += c.siting == ChromaSiting::Centre ? ", chroma centre)" : ", chroma left)";
  return s;
}

ColourMatrix matrix_for_height(uint32_t height) {
  return height > 576 ? ColourMatrix::BT709 : ColourMatrix::BT601;
}

std::string_view to_string(MatrixChoice m) {
  switch (m) {
    case MatrixChoice::Auto:
      return "auto";
    case MatrixChoice::BT709:
      return "bt709";
    case MatrixChoice::BT601:
      return "bt601";
  }
  return "?";
}

Result<MatrixChoice> matrix_choice_from_string(std::string_view text) {
  if (text == "auto") return MatrixChoice::Auto;
  if (text == "bt709") return MatrixChoice::BT709;
  if (text == "bt601") return MatrixChoice::BT601;
  return fail(Errc::invalid_argument, "colour",
              "'" + std::string(text) + "' is not a colour matrix (auto, bt709, bt601)");
}

Result<ColourRange> colour_range_from_string(std::string_view text) {
  if (text == "limited") return ColourRange::Limited;
  if (text == "full") return ColourRange::Full;
  return fail(Errc::invalid_argument, "colour", "'" + std::string(text) + "' is not a colour range (limited, full)");
}

namespace {

// GStreamer's default colorimetry for YUV video of this height (video-info.c's
// default_colorimetry): "bt601" up to 576 lines, "bt709" below 2160, "bt2020" from there.
Colour gstreamer_default(uint32_t height) {
  Colour c;
  c.range = ColourRange::Limited;
  c.transfer = ColourTransfer::BT709;
  c.siting = ChromaSiting::Left;
  if (height <= 576) {
    c.matrix = ColourMatrix::BT601;
    c.primaries = ColourPrimaries::BT601;
  } else if (height < 2160) {
    c.matrix = ColourMatrix::BT709;
    c.primaries = ColourPrimaries::BT709;
  } else {
    c.matrix = ColourMatrix::BT2020;
    c.primaries = ColourPrimaries::BT2020;
  }
  return c;
}

void note(std::string* notes, std::string_view part, std::string_view value) {
  if (!notes) return;
  if (!notes->empty()) *notes += ", ";
  *notes += part;
  *notes += ' ';
  *notes += value;
}

}  // namespace

Colour output_colour(PixelFormat source, const AnnouncedColour& announced, uint32_t source_height,
                     uint32_t output_height, const ColourChoice& choice, std::string* notes) {
  const FormatKind kind = format_info(source).kind;
  Colour c;
  if (kind == FormatKind::yuv420 || kind == FormatKind::yuv422) {
    // Passed through: the producer's own colour, or what a GStreamer producer would have meant.
    const Colour assumed = gstreamer_default(source_height);
    c.siting = ChromaSiting::Left;
    c.matrix = announced.matrix.value_or(assumed.matrix);
    c.range = announced.range.value_or(assumed.range);
    c.primaries = announced.primaries.value_or(assumed.primaries);
    c.transfer = announced.transfer.value_or(assumed.transfer);
    if (!announced.matrix) note(notes, "matrix", to_string(c.matrix));
    if (!announced.range) note(notes, "range", to_string(c.range));
    if (!announced.primaries) note(notes, "primaries", to_string(c.primaries));
    if (!announced.transfer) note(notes, "transfer", to_string(c.transfer));
    return c;
  }
  c.range = choice.range;
  c.siting = ChromaSiting::Centre;  // our conversions average each 2x2 block
  if (kind == FormatKind::compressed) {
    // JFIF: BT.601 at full range, brought to the chosen range by the importer.
    c.matrix = ColourMatrix::BT601;
    return c;
  }
  // HDR: a screen that says its R'G'B' is PQ or HLG on BT.2020 primaries (a compositor in HDR
  // mode) is converted with BT.2020's matrix and tagged with its curve.
  const bool hdr = announced.transfer == ColourTransfer::PQ || announced.transfer == ColourTransfer::HLG;
  if (hdr) {
    c.transfer = *announced.transfer;
    c.primaries = announced.primaries.value_or(ColourPrimaries::BT2020);
    if (!announced.primaries) note(notes, "primaries", to_string(c.primaries));
  }
  switch (choice.matrix) {
    case MatrixChoice::Auto:
      c.matrix = hdr ? ColourMatrix::BT2020 : matrix_for_height(output_height);
      break;
    case MatrixChoice::BT709:
      c.matrix = ColourMatrix::BT709;
      break;
    case MatrixChoice::BT601:
      c.matrix = ColourMatrix::BT601;
      break;
  }
  return c;
}

YuvFactors yuv_factors(ColourMatrix matrix, ColourRange range, int bits, int frac, int32_t max_factor) {
  double kr = 0.299, kb = 0.114;
  if (matrix == ColourMatrix::BT709) {
    kr = 0.2126;
    kb = 0.0722;
  } else if (matrix == ColourMatrix::BT2020) {
    kr = 0.2627;
    kb = 0.0593;
  }
  const double top = std::ldexp(1.0, bits) - 1.0;
  const double one = std::ldexp(1.0, frac);
  const bool full = range == ColourRange::Full;
  const double ys = (full ? top : std::ldexp(219.0, bits - 8)) / top * one;
  const double cs = (full ? top : std::ldexp(224.0, bits - 8)) / top * one;
  auto r = [](double v) { return static_cast<int32_t>(std::lround(v)); };
  YuvFactors f;
  f.frac = frac;
  f.y_offset = full ? 0 : 16 << (bits - 8);
  f.c_offset = 128 << (bits - 8);
  // Luma by largest remainders: the three round to the scale exactly (white stays white) with the
  // least error each (BT.601 limited: libyuv's 66, 129, 25).
  const double exact[3] = {kr * ys, (1.0 - kr - kb) * ys, kb * ys};
  int32_t luma[3] = {0, 0, 0};
  int32_t left = r(ys);
  for (int i = 0; i < 3; ++i) {
    luma[i] = static_cast<int32_t>(std::floor(exact[i]));
    left -= luma[i];
  }
  for (; left > 0; --left) {
    int best = 0;
    for (int i = 1; i < 3; ++i) {
      if (exact[i] - luma[i] > exact[best] - luma[best]) best = i;
    }
    luma[best] += 1;
  }
  f.yr = luma[0];
  f.yg = luma[1];
  f.yb = luma[2];
  f.ub = std::min(r(0.5 * cs), max_factor);
  f.ur = r(-0.5 * kr / (1.0 - kb) * cs);
  f.ug = -(f.ub + f.ur);
  f.vr = std::min(r(0.5 * cs), max_factor);
  f.vb = r(-0.5 * kb / (1.0 - kr) * cs);
  f.vg = -(f.vr + f.vb);
  return f;
}

YuvFactors yuv_factors_8bit(const Colour& c) {
  return yuv_factors(c.matrix, c.range, 8, 8, 127);
}

}  // namespace zc
