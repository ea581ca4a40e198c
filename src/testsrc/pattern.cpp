#include "testsrc/pattern.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace zc::testsrc {
namespace {

// CRC-8 (polynomial 0x07) with a non-zero final XOR, so that the all-zero code (a black band,
// e.g. an unpainted buffer) and the all-ones code (a white band) both fail the check.
constexpr uint8_t kCrcXorOut = 0x5a;

constexpr uint8_t crc8_24(uint32_t value) {
  uint8_t crc = 0;
  for (int shift = 16; shift >= 0; shift -= 8) {
    crc ^= static_cast<uint8_t>(value >> shift);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<uint8_t>((crc & 0x80) ? (crc << 1) ^ 0x07 : crc << 1);
    }
  }
  return crc ^ kCrcXorOut;
}

static_assert(crc8_24(0) != 0, "a black band must not decode");
static_assert(crc8_24(kPatternNumberMask) != 0xff, "a white band must not decode");

// A cell must be at least this far from mid-grey to count as a bit: a band that is not there
// (a foreign image, a half-faded frame) is rejected instead of guessed.
constexpr int kMinContrast = 40;

// The mean of `value(x, y)` over the central half of each cell, per cell.
template <class Value>
std::optional<uint32_t> read_cells(uint32_t width, uint32_t height, Value value) {
  if (width < kPatternCells || height < 8) return std::nullopt;
  const uint32_t band = pattern_band_height(height);
  const uint32_t y0 = band / 4;
  const uint32_t y1 = std::max(y0 + 1, band - band / 4);
  uint32_t code = 0;
  for (uint32_t i = 0; i < kPatternCells; ++i) {
    const uint32_t left = pattern_cell_left(width, i);
    const uint32_t right = pattern_cell_left(width, i + 1);
    const uint32_t quarter = (right - left) / 4;
    const uint32_t x0 = left + quarter;
    const uint32_t x1 = std::max(x0 + 1, right - quarter);
    uint64_t sum = 0;
    for (uint32_t y = y0; y < y1; ++y) {
      for (uint32_t x = x0; x < x1; ++x)
        sum += value(x, y);
    }
    const int mean = static_cast<int>(sum / (static_cast<uint64_t>(y1 - y0) * (x1 - x0)));
    if (mean > 128 - kMinContrast && mean < 128 + kMinContrast) return std::nullopt;
    code = (code << 1) | (mean >= 128 ? 1u : 0u);
  }
  return pattern_number(code);
}

}  // namespace

uint32_t pattern_code(uint64_t number) {
  const auto n = static_cast<uint32_t>(number & kPatternNumberMask);
  return (n << 8) | crc8_24(n);
}

std::optional<uint32_t> pattern_number(uint32_t code) {
  const uint32_t n = code >> 8;
  if (crc8_24(n) != static_cast<uint8_t>(code & 0xff)) return std::nullopt;
  return n;
}

uint32_t pattern_band_height(uint32_t height) {
  return std::max<uint32_t>(2, height / 16);
}

uint32_t pattern_ramp_top(uint32_t height) {
  return height - height / 8;
}

uint32_t pattern_cell_left(uint32_t width, uint32_t cell) {
  return static_cast<uint32_t>(static_cast<uint64_t>(width) * cell / kPatternCells);
}

uint32_t pack_pixel(PixelFormat format, uint8_t r, uint8_t g, uint8_t b) {
  const PackedLayout l = packed_layout(format);
  uint8_t bytes[4];
  bytes[l.r] = r;
  bytes[l.g] = g;
  bytes[l.b] = b;
  bytes[l.a] = 0xff;
  uint32_t word = 0;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

std::array<uint8_t, 3> unpack_pixel(PixelFormat format, const uint8_t* p) {
  const PackedLayout l = packed_layout(format);
  return {p[l.r], p[l.g], p[l.b]};
}

Painter::Painter(uint32_t width, uint32_t height, PixelFormat format)
    : width_(width), height_(height), format_(format) {
  assert(width >= kPatternMinWidth && height >= kPatternMinHeight);
  assert(is_packed_rgb(format));
  band_height_ = pattern_band_height(height);
  box_size_ = std::max<uint32_t>(2, std::min(band_height_, width / 8));
  track_top_ = band_height_ + band_height_ / 2;
  black_ = pack_pixel(format, 0, 0, 0);
  white_ = pack_pixel(format, 255, 255, 255);
  box_pixel_ = pack_pixel(format, 255, 128, 0);
  // 75% colour bars: distinct in every channel, so a consumer that swaps channels shows it.
  static constexpr std::array<std::array<uint8_t, 3>, 8> kBars{{
      {192, 192, 192},
      {192, 192, 0},
      {0, 192, 192},
      {0, 192, 0},
      {192, 0, 192},
      {192, 0, 0},
      {0, 0, 192},
      {32, 32, 32},
  }};
  background_row_.resize(width);
  for (uint32_t x = 0; x < width; ++x) {
    const auto& c = kBars[static_cast<size_t>(x) * kBars.size() / width];
    background_row_[x] = pack_pixel(format, c[0], c[1], c[2]);
  }
}

Damage Painter::change(uint64_t from, uint64_t to) const {
  Damage damage;
  if (pattern_code(from) != pattern_code(to)) damage.rects[damage.count++] = Rect{0, 0, width_, band_height_};
  if (const Rect a = box_at(from), b = box_at(to); a != b) {
    damage.rects[damage.count++] = a;
    damage.rects[damage.count++] = b;
  }
  return damage;
}

Rect Painter::box_at(uint64_t number) const {
  const uint64_t range = width_ - box_size_;
  uint64_t x = 0;
  if (range > 0) {
    const uint64_t step = std::max<uint64_t>(1, width_ / 128);
    const uint64_t pos = (number * step) % (2 * range);
    x = pos < range ? pos : 2 * range - pos;
  }
  return Rect{static_cast<int32_t>(x), static_cast<int32_t>(track_top_), box_size_, box_size_};
}

void Painter::fill_rect(const Image& image, const Rect& r, uint32_t pixel) const {
  for (uint32_t y = 0; y < r.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(image.data + static_cast<size_t>(r.y + y) * image.stride);
    std::fill_n(row + r.x, r.width, pixel);
  }
}

void Painter::restore_background(const Image& image, const Rect& r) const {
  for (uint32_t y = 0; y < r.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(image.data + static_cast<size_t>(r.y + y) * image.stride);
    std::memcpy(row + r.x, background_row_.data() + r.x, r.width * sizeof(uint32_t));
  }
}

void Painter::paint_band(const Image& image, uint32_t code, uint32_t changed_bits) const {
  for (uint32_t i = 0; i < kPatternCells; ++i) {
    const uint32_t mask = 1u << (kPatternCells - 1 - i);
    if ((changed_bits & mask) == 0) continue;
    const uint32_t left = pattern_cell_left(width_, i);
    const uint32_t right = pattern_cell_left(width_, i + 1);
    fill_rect(image, Rect{static_cast<int32_t>(left), 0, right - left, band_height_}, (code & mask) ? white_ : black_);
  }
}

void Painter::paint_full(const Image& image) const {
  for (uint32_t y = band_height_; y < height_; ++y) {
    std::memcpy(image.data + static_cast<size_t>(y) * image.stride, background_row_.data(), width_ * sizeof(uint32_t));
  }
}

Damage Painter::paint(const Image& image, PaintState& state, uint64_t number) const {
  assert(image.width == width_ && image.height == height_ && image.format == format_);
  assert(image.stride >= width_ * 4 && image.stride % 4 == 0);
  const uint32_t code = pattern_code(number);
  const Rect box = box_at(number);
  Damage damage;
  if (!state.painted || state.width != width_ || state.height != height_ || state.format != format_) {
    paint_full(image);
    paint_band(image, code, ~0u);
    fill_rect(image, box, box_pixel_);
    state = PaintState{true, width_, height_, format_, code, box};
    damage.rects[damage.count++] = Rect{0, 0, width_, height_};
    return damage;
  }
  if (const uint32_t changed = state.code ^ code; changed != 0) {
    paint_band(image, code, changed);
    damage.rects[damage.count++] = Rect{0, 0, width_, band_height_};
  }
  if (box != state.box) {
    restore_background(image, state.box);
    fill_rect(image, box, box_pixel_);
    damage.rects[damage.count++] = state.box;
    damage.rects[damage.count++] = box;
  }
  state.code = code;
  state.box = box;
  return damage;
}

std::optional<uint32_t> read_number_luma(const uint8_t* luma, uint32_t stride, uint32_t width, uint32_t height) {
  if (!luma) return std::nullopt;
  return read_cells(width, height,
                    [&](uint32_t x, uint32_t y) -> uint32_t { return luma[static_cast<size_t>(y) * stride + x]; });
}

std::optional<uint32_t> read_number_rgb(const Image& image) {
  if (!image.data || !is_packed_rgb(image.format)) return std::nullopt;
  const PackedLayout l = packed_layout(image.format);
  return read_cells(image.width, image.height, [&](uint32_t x, uint32_t y) -> uint32_t {
    const uint8_t* p = image.data + static_cast<size_t>(y) * image.stride + static_cast<size_t>(x) * 4;
    return (static_cast<uint32_t>(p[l.r]) + p[l.g] + p[l.b]) / 3;
  });
}

uint64_t unwrap_number(uint32_t low, uint64_t previous) {
  constexpr uint64_t kPeriod = uint64_t{1} << kPatternNumberBits;
  const uint64_t base = previous & ~static_cast<uint64_t>(kPatternNumberMask);
  uint64_t best = base | low;
  auto distance = [&](uint64_t v) { return v > previous ? v - previous : previous - v; };
  if (best + kPeriod > best && distance(best + kPeriod) < distance(best)) best += kPeriod;
  if (best >= kPeriod && distance(best - kPeriod) < distance(best)) best -= kPeriod;
  return best;
}

}  // namespace zc::testsrc
