#pragma once
// The colour of a YUV picture: the matrix that made Y'CbCr from R'G'B', the range of its codes,
// the primaries and transfer curve of the R'G'B' it came from, and where its chroma samples sit.
// Every stage that makes or tags YUV reads it from here: the importer converts by it (`YuvFactors`),
// the encoder writes it into the bitstream and the container, and the session decides it once per
// stream (`output_colour`), from the source, its size and the user's choice.
//
// The rules (README "Colour"), as players expect them:
//  - RGB sources (screens) are sRGB. They are converted with BT.709 above 576 lines and BT.601 at
//    or below (what mpv, ffplay and browsers assume for an untagged picture of that size), or the
//    matrix the user forced; limited range unless the user asks for full. A screen announcing PQ
//    or HLG (HDR) keeps that curve and its primaries (BT.2020 when unsaid), with BT.2020's matrix.
//  - YUV sources keep their own matrix and range (passed through, tagged as they are). A producer
//    that announces nothing gets what GStreamer assumes for its size: BT.601 up to 576 lines,
//    BT.709 below 2160, BT.2020 from 2160.
//  - MJPEG (JFIF) is BT.601 at full range; it is brought to the range the user chose.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/pixel_format.hpp"

namespace zc {

enum class ColourMatrix : uint8_t { BT601, BT709, BT2020 };
enum class ColourRange : uint8_t { Limited, Full };
// BT601 here is SMPTE 170M (525-line) primaries, what GStreamer's "bt601" colorimetry names.
enum class ColourPrimaries : uint8_t { BT709, BT601, BT2020 };
// SRGB: IEC 61966-2-1 (screens); BT709 also stands for BT.601's and BT.2020's 10-bit curve, which
// are the same function; PQ: SMPTE ST 2084; HLG: ARIB STD-B67.
enum class ColourTransfer : uint8_t { SRGB, BT709, PQ, HLG };
// Centre: between the two rows and columns of its 2x2 block (what an average of the block makes);
// Left: co-sited with the left column, between the rows (MPEG-2's and H.264's default).
enum class ChromaSiting : uint8_t { Left, Centre };

struct Colour {
  ColourMatrix matrix = ColourMatrix::BT709;
  ColourRange range = ColourRange::Limited;
  ColourPrimaries primaries = ColourPrimaries::BT709;
  ColourTransfer transfer = ColourTransfer::SRGB;
  ChromaSiting siting = ChromaSiting::Centre;

  bool operator==(const Colour&) const = default;
};

// PQ or HLG: an HDR stream (its mastering metadata, when given, is written).
inline bool is_hdr(const Colour& c) {
  return c.transfer == ColourTransfer::PQ || c.transfer == ColourTransfer::HLG;
}

// BT.601 at limited range (sRGB primaries and curve): libyuv's ARGBToI420, what every stream was
// before the rules above, and the default of an ImportTarget or DeviceFrame nobody set.
inline constexpr Colour kBt601Limited{ColourMatrix::BT601, ColourRange::Limited};

std::string_view to_string(ColourMatrix m);     // "bt601", "bt709", "bt2020"
std::string_view to_string(ColourRange r);      // "limited", "full"
std::string_view to_string(ColourPrimaries p);  // "bt709", "smpte170m", "bt2020"
std::string_view to_string(ColourTransfer t);   // "srgb", "bt709", "pq", "hlg"
// "bt709 limited (primaries bt709, transfer srgb, chroma centre)"
std::string describe(const Colour& c);

// The matrix a player assumes for an untagged picture `height` lines tall: BT.709 above 576.
ColourMatrix matrix_for_height(uint32_t height);

// What the user asks for: `auto` follows matrix_for_height of the output.
enum class MatrixChoice : uint8_t { Auto, BT709, BT601 };
std::string_view to_string(MatrixChoice m);  // "auto", "bt709", "bt601"
Result<MatrixChoice> matrix_choice_from_string(std::string_view text);
Result<ColourRange> colour_range_from_string(std::string_view text);  // "limited", "full"

// What a producer announced with its format; each part may be missing.
struct AnnouncedColour {
  std::optional<ColourMatrix> matrix;
  std::optional<ColourRange> range;
  std::optional<ColourPrimaries> primaries;
  std::optional<ColourTransfer> transfer;

  bool operator==(const AnnouncedColour&) const = default;
};

// The colour of the stream made from a source of `source` format, `source_height` lines, with
// `announced` colorimetry, into `output_height` lines, by the rules above. `notes` (optional)
// receives what was assumed for a part the producer did not announce, for the log.
struct ColourChoice {
  MatrixChoice matrix = MatrixChoice::Auto;
  ColourRange range = ColourRange::Limited;

  bool operator==(const ColourChoice&) const = default;
};
Colour output_colour(PixelFormat source, const AnnouncedColour& announced, uint32_t source_height,
                     uint32_t output_height, const ColourChoice& choice, std::string* notes = nullptr);

// Fixed-point factors of an RGB → YUV conversion at `bits` per sample on both sides:
//   Y  = (yr R + yg G + yb B + y_bias) >> frac
//   Cb = (ur R + ug G + ub B + c_bias) >> frac,   Cr likewise with vr, vg, vb
// (the biases hold the offsets, 16 and 128 scaled for limited range, and half a step of
// rounding). Each chroma triple sums to 0, so greys get exactly the middle code; the luma
// triple sums to the range's scale. No factor's magnitude exceeds `max_factor` (127 for 8-bit
// SIMD rows, whose byte factors are signed).
struct YuvFactors {
  int32_t yr = 0, yg = 0, yb = 0;
  int32_t ur = 0, ug = 0, ub = 0;
  int32_t vr = 0, vg = 0, vb = 0;
  int32_t y_offset = 0;  // the code of black: 16 << (bits - 8) limited, 0 full
  int32_t c_offset = 0;  // the code of no chroma: 128 << (bits - 8)
  int frac = 8;

  bool operator==(const YuvFactors&) const = default;
};
YuvFactors yuv_factors(ColourMatrix matrix, ColourRange range, int bits, int frac, int32_t max_factor);
// 8-bit, 8 fractional bits, factors within a signed byte: libyuv's ARGBToI420 factors for BT.601
// limited range (66, 129, 25 / -38, -74, 112 / 112, -94, -18).
YuvFactors yuv_factors_8bit(const Colour& c);

}  // namespace zc
