#pragma once
// Pixel formats that travel between stages: what producers send (every raw format capture takes,
// and MJPEG) and what encoders take (NV12, I420, P010, I010). Packed RGB formats are named by
// their byte order in memory, as SPA names them (BGRx = bytes B,G,R,x = DRM XRGB8888 on
// little-endian = libyuv "ARGB"); the 10-bit ones by the 32-bit little-endian word, as SPA and
// DRM name them (xRGB_210LE = x:R:G:B 2:10:10:10 from the top bit down = DRM XRGB2101010).
//
// kFormatTable below is the one table of layouts: every user (negotiation, buffer validation, the
// CPU conversion, the GPU passes, the cursor, the test pattern) derives what it needs from it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zc {

enum class PixelFormat : uint8_t {
  // 32-bit RGB, 8 bits per channel (what screens send; the GPU path imports these).
  BGRx,
  BGRA,
  RGBx,
  RGBA,
  xRGB,
  xBGR,
  ARGB,
  ABGR,
  NV12,  // Y plane, then interleaved UV at half resolution (an encoder layout, and a source format)
  I420,  // Y, U, V planes, chroma at half resolution (an encoder layout, and a source format)
  // 24-bit RGB, bytes in memory order.
  RGB,
  BGR,
  // Packed 4:2:2, one macropixel per two pixels: Y0 U Y1 V / U Y0 V Y1.
  YUY2,
  UYVY,
  YV12,  // Y, V, U planes (I420 with the chroma planes swapped)
  // 32-bit RGB, 10 bits per channel.
  xRGB_210LE,
  xBGR_210LE,
  RGBx_102LE,
  BGRx_102LE,
  ARGB_210LE,
  ABGR_210LE,
  RGBA_102LE,
  BGRA_102LE,
  // 10-bit 4:2:0 encoder layouts, 16-bit little-endian samples: P010 (Y, then interleaved UV, the
  // value in the top 10 bits) and I010 (Y, U, V planes, the value in the low 10 bits; FFmpeg's
  // yuv420p10le).
  P010,
  I010,
  MJPG,  // one JPEG per frame (PipeWire's video/mjpg)
};
inline constexpr size_t kPixelFormatCount = 26;

enum class FormatKind : uint8_t {
  rgb32,       // packed 32-bit RGB, 8 bits per channel
  rgb24,       // packed 24-bit RGB
  rgb10,       // packed 32-bit RGB, 10 bits per channel
  yuv422,      // packed 4:2:2 (YUY2, UYVY)
  yuv420,      // 8-bit planar or semi-planar 4:2:0 (NV12, I420, YV12)
  yuv420_10,   // 10-bit planar or semi-planar 4:2:0 (P010, I010)
  compressed,  // MJPG
};

// The byte offset of R, G, B and of the alpha or padding byte inside a pixel, in memory order
// (rgb32, and r/g/b of rgb24). Other formats have none: {0, 1, 2, 3}, never used.
struct PackedLayout {
  uint8_t r = 0, g = 1, b = 2, a = 3;
  bool operator==(const PackedLayout&) const = default;
};

// rgb10: the bit position of each 10-bit channel in the little-endian 32-bit word.
struct Rgb10Layout {
  uint8_t r = 0, g = 0, b = 0;
  bool alpha = false;
  bool operator==(const Rgb10Layout&) const = default;
};

struct FormatInfo {
  PixelFormat format;
  std::string_view name;  // SPA's name (and our CLI's)
  FormatKind kind;
  uint32_t drm;          // DRM fourcc of packed RGB formats; 0 for the others
  uint8_t bytes;         // bytes per pixel of plane 0 (packed: per pixel; YUV: per luma sample); 0: MJPG
  uint8_t planes;        // 1 packed, 2 semi-planar, 3 planar; 0 compressed
  uint8_t depth;         // bits per channel
  bool alpha;            // carries an alpha channel (else padding)
  PackedLayout packed;   // rgb32 / rgb24
  Rgb10Layout rgb10;     // rgb10
  bool swap_uv = false;  // planar formats whose second plane is V (YV12)
};

namespace detail {
constexpr uint32_t fourcc(char a, char b, char c, char d) {
  return static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 8) | (static_cast<uint32_t>(c) << 16) |
         (static_cast<uint32_t>(d) << 24);
}
}  // namespace detail

// In PixelFormat order (checked below). DRM names the packed formats by the 32-bit word
// (little-endian), SPA by the bytes in memory.
inline constexpr std::array<FormatInfo, kPixelFormatCount> kFormatTable{{
    {PixelFormat::BGRx,
     "BGRx",
     FormatKind::rgb32,
     detail::fourcc('X', 'R', '2', '4'),
     4,
     1,
     8,
     false,
     {2, 1, 0, 3},
     {}},
    {PixelFormat::BGRA, "BGRA", FormatKind::rgb32, detail::fourcc('A', 'R', '2', '4'), 4, 1, 8, true, {2, 1, 0, 3}, {}},
    {PixelFormat::RGBx,
     "RGBx",
     FormatKind::rgb32,
     detail::fourcc('X', 'B', '2', '4'),
     4,
     1,
     8,
     false,
     {0, 1, 2, 3},
     {}},
    {PixelFormat::RGBA, "RGBA", FormatKind::rgb32, detail::fourcc('A', 'B', '2', '4'), 4, 1, 8, true, {0, 1, 2, 3}, {}},
    {PixelFormat::xRGB,
     "xRGB",
     FormatKind::rgb32,
     detail::fourcc('B', 'X', '2', '4'),
     4,
     1,
     8,
     false,
     {1, 2, 3, 0},
     {}},
    {PixelFormat::xBGR,
     "xBGR",
     FormatKind::rgb32,
     detail::fourcc('R', 'X', '2', '4'),
     4,
     1,
     8,
     false,
     {3, 2, 1, 0},
     {}},
    {PixelFormat::ARGB, "ARGB", FormatKind::rgb32, detail::fourcc('B', 'A', '2', '4'), 4, 1, 8, true, {1, 2, 3, 0}, {}},
    {PixelFormat::ABGR, "ABGR", FormatKind::rgb32, detail::fourcc('R', 'A', '2', '4'), 4, 1, 8, true, {3, 2, 1, 0}, {}},
    {PixelFormat::NV12, "NV12", FormatKind::yuv420, 0, 1, 2, 8, false, {}, {}},
    {PixelFormat::I420, "I420", FormatKind::yuv420, 0, 1, 3, 8, false, {}, {}},
    {PixelFormat::RGB, "RGB", FormatKind::rgb24, 0, 3, 1, 8, false, {0, 1, 2, 3}, {}},
    {PixelFormat::BGR, "BGR", FormatKind::rgb24, 0, 3, 1, 8, false, {2, 1, 0, 3}, {}},
    {PixelFormat::YUY2, "YUY2", FormatKind::yuv422, 0, 2, 1, 8, false, {}, {}},
    {PixelFormat::UYVY, "UYVY", FormatKind::yuv422, 0, 2, 1, 8, false, {}, {}},
    {PixelFormat::YV12, "YV12", FormatKind::yuv420, 0, 1, 3, 8, false, {}, {}, true},
    {PixelFormat::xRGB_210LE,
     "xRGB_210LE",
     FormatKind::rgb10,
     detail::fourcc('X', 'R', '3', '0'),
     4,
     1,
     10,
     false,
     {},
     {20, 10, 0, false}},
    {PixelFormat::xBGR_210LE,
     "xBGR_210LE",
     FormatKind::rgb10,
     detail::fourcc('X', 'B', '3', '0'),
     4,
     1,
     10,
     false,
     {},
     {0, 10, 20, false}},
    {PixelFormat::RGBx_102LE,
     "RGBx_102LE",
     FormatKind::rgb10,
     detail::fourcc('R', 'X', '3', '0'),
     4,
     1,
     10,
     false,
     {},
     {22, 12, 2, false}},
    {PixelFormat::BGRx_102LE,
     "BGRx_102LE",
     FormatKind::rgb10,
     detail::fourcc('B', 'X', '3', '0'),
     4,
     1,
     10,
     false,
     {},
     {2, 12, 22, false}},
    {PixelFormat::ARGB_210LE,
     "ARGB_210LE",
     FormatKind::rgb10,
     detail::fourcc('A', 'R', '3', '0'),
     4,
     1,
     10,
     true,
     {},
     {20, 10, 0, true}},
    {PixelFormat::ABGR_210LE,
     "ABGR_210LE",
     FormatKind::rgb10,
     detail::fourcc('A', 'B', '3', '0'),
     4,
     1,
     10,
     true,
     {},
     {0, 10, 20, true}},
    {PixelFormat::RGBA_102LE,
     "RGBA_102LE",
     FormatKind::rgb10,
     detail::fourcc('R', 'A', '3', '0'),
     4,
     1,
     10,
     true,
     {},
     {22, 12, 2, true}},
    {PixelFormat::BGRA_102LE,
     "BGRA_102LE",
     FormatKind::rgb10,
     detail::fourcc('B', 'A', '3', '0'),
     4,
     1,
     10,
     true,
     {},
     {2, 12, 22, true}},
    {PixelFormat::P010, "P010", FormatKind::yuv420_10, 0, 2, 2, 10, false, {}, {}},
    {PixelFormat::I010, "I010", FormatKind::yuv420_10, 0, 2, 3, 10, false, {}, {}},
    {PixelFormat::MJPG, "MJPG", FormatKind::compressed, 0, 0, 0, 8, false, {}, {}},
}};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kFormatTable.size(); ++i) {
    if (static_cast<size_t>(kFormatTable[i].format) != i) return false;
  }
  return true;
}
static_assert(table_in_enum_order(), "kFormatTable must list the formats in PixelFormat order");

constexpr const FormatInfo& format_info(PixelFormat f) {
  return kFormatTable[static_cast<size_t>(f)];
}

// 32-bit RGB at 8 bits per channel: what the GPU passes, the cursor and the test pattern's RGB
// painter take.
constexpr bool is_packed_rgb(PixelFormat f) {
  return format_info(f).kind == FormatKind::rgb32;
}
constexpr bool has_alpha(PixelFormat f) {
  return format_info(f).alpha;
}
// An encoder layout the CPU importer writes: NV12, I420 (8 bits) or P010, I010 (10 bits).
constexpr bool is_encoder_layout(PixelFormat f) {
  return f == PixelFormat::NV12 || f == PixelFormat::I420 || f == PixelFormat::P010 || f == PixelFormat::I010;
}
// Bytes per pixel of single-plane formats (4 for 32-bit RGB, 3 for 24-bit, 2 for 4:2:2); 0 for
// planar and compressed ones.
constexpr uint32_t bytes_per_pixel(PixelFormat f) {
  const FormatInfo& i = format_info(f);
  return i.planes == 1 ? i.bytes : 0;
}
constexpr uint32_t bit_depth(PixelFormat f) {
  return format_info(f).depth;
}
constexpr PackedLayout packed_layout(PixelFormat f) {
  return format_info(f).packed;
}

std::string_view to_string(PixelFormat f);
std::optional<PixelFormat> pixel_format_from_string(std::string_view name);

// DRM fourcc of a packed RGB format (DRM_FORMAT_XRGB8888 for BGRx, ...); 0 for the others.
uint32_t drm_fourcc(PixelFormat f);
std::optional<PixelFormat> pixel_format_from_drm(uint32_t fourcc);

// DRM_FORMAT_MOD_LINEAR and DRM_FORMAT_MOD_INVALID, without pulling in drm headers everywhere.
inline constexpr uint64_t kModifierLinear = 0;
inline constexpr uint64_t kModifierInvalid = 0x00ffffffffffffffULL;

}  // namespace zc
