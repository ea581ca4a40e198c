#pragma once
// The test pattern: a frame number written into the pixels so that it survives lossy encoding,
// 4:2:0 subsampling and scaling, and can be read back from a decoded luma plane or from the
// packed RGB image itself.
//
// Layout (all sizes relative to the image, so a scaled copy still decodes):
//   - the number band: the top height/16 rows, split across the full width into 32 cells,
//     black (0) or white (1). The 32-bit code is the 24-bit frame number (most significant bit
//     in the leftmost cell) followed by a CRC-8 of it. A reader averages the central half of
//     each cell and thresholds at mid-grey; a failed CRC (or a cell that is neither clearly black
//     nor clearly white) means "no number here". The CRC is chosen so that an all-black or
//     all-white band never decodes.
//   - a moving box on a track under the band, so consecutive frames differ visibly elsewhere too;
//   - static vertical colour bars everywhere else (drawn once per buffer: buffers are recycled,
//     so a painter only repaints what is stale in that buffer).
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/frame.hpp"
#include "core/pixel_format.hpp"

namespace zc::testsrc {

inline constexpr uint32_t kPatternCells = 32;
inline constexpr uint32_t kPatternNumberBits = 24;
inline constexpr uint32_t kPatternNumberMask = (1u << kPatternNumberBits) - 1;
// Smallest image the pattern is drawn on (each cell at least 2x2 pixels). Reading is reliable
// from about 320x180 after encoding; below that only the unencoded image is guaranteed.
inline constexpr uint32_t kPatternMinWidth = 2 * kPatternCells;
inline constexpr uint32_t kPatternMinHeight = 32;

// The 32-bit code for a frame number (number modulo 2^24, then its CRC-8).
uint32_t pattern_code(uint64_t number);
// The number inside a code, or nullopt when its check fails.
std::optional<uint32_t> pattern_number(uint32_t code);

// Rows [0, band_height) hold the cells; cell i covers columns [cell_left(i), cell_left(i+1)).
uint32_t pattern_band_height(uint32_t height);
// 10-bit formats: rows [ramp_top, height) hold a grey ramp of every 10-bit level (testsrc/pack.hpp).
uint32_t pattern_ramp_top(uint32_t height);
uint32_t pattern_cell_left(uint32_t width, uint32_t cell);

// A packed 32-bit RGB image to draw into (or read from).
struct Image {
  uint8_t* data = nullptr;
  uint32_t stride = 0;  // bytes per row, >= width * 4
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
};

// What a buffer holds from earlier frames, so the next paint only touches stale pixels. Keep one
// per buffer; a default-constructed state means "unknown content" (the first paint draws all).
struct PaintState {
  bool painted = false;
  uint32_t width = 0;  // what the buffer was painted at (a renegotiation invalidates it)
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  uint32_t code = 0;  // the band's code
  Rect box;           // where the moving box is
};

// What changed in a paint, in the order band, old box, new box (regions may be empty).
struct Damage {
  std::array<Rect, 3> rects{};
  uint32_t count = 0;
};

// Draws the pattern for one image geometry and format. Cheap per frame: after the first paint of
// a buffer it rewrites only the band cells whose bit changed and the box's old and new places.
class Painter {
 public:
  // width >= kPatternMinWidth, height >= kPatternMinHeight, 32-bit RGB format (asserted).
  Painter(uint32_t width, uint32_t height, PixelFormat format);

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  PixelFormat format() const { return format_; }

  // Paints frame `number` into `image` (same geometry and format as the painter), updating
  // `state`. Returns what changed (the whole image on a full paint).
  Damage paint(const Image& image, PaintState& state, uint64_t number) const;

  // Where the moving box is at frame `number`.
  Rect box_at(uint64_t number) const;

  // What differs between the pictures of frames `from` and `to`: the band where their codes
  // differ, the box's place in each where it moved. A compositor's damage is of this kind (since
  // the frame it sent before), whatever a buffer needed repainted (paint()'s).
  Damage change(uint64_t from, uint64_t to) const;

 private:
  void paint_full(const Image& image) const;
  void paint_band(const Image& image, uint32_t code, uint32_t changed_bits) const;
  void fill_rect(const Image& image, const Rect& r, uint32_t pixel) const;
  void restore_background(const Image& image, const Rect& r) const;

  uint32_t width_;
  uint32_t height_;
  PixelFormat format_;
  uint32_t band_height_;
  uint32_t box_size_;
  uint32_t track_top_;
  uint32_t black_;
  uint32_t white_;
  uint32_t box_pixel_;
  std::vector<uint32_t> background_row_;  // the colour bars, one row (every row below the band)
};

// A packed pixel (as a native 32-bit word holding the bytes in memory order) of colour r,g,b in
// `format`, alpha/padding 0xff.
uint32_t pack_pixel(PixelFormat format, uint8_t r, uint8_t g, uint8_t b);
// The r,g,b of a pixel at `p` (4 bytes in memory order).
std::array<uint8_t, 3> unpack_pixel(PixelFormat format, const uint8_t* p);

// Reads the frame number from an 8-bit luma plane (limited or full range), e.g. the Y plane of a
// decoded frame; the image may be a scaled copy of the original.
std::optional<uint32_t> read_number_luma(const uint8_t* luma, uint32_t stride, uint32_t width, uint32_t height);
// Reads the frame number from a packed RGB image.
std::optional<uint32_t> read_number_rgb(const Image& image);

// Frame numbers are 24 bits on the wire: the full number that a read `low` most likely stands
// for, given the last full number seen (for runs longer than 2^24 frames).
uint64_t unwrap_number(uint32_t low, uint64_t previous);

}  // namespace zc::testsrc
