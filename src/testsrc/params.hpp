#pragma once
// The SPA params the test source announces (EnumFormat, Buffers, Meta) and the parsing of the
// Format PipeWire hands back. Pure functions over spa_pod, unit-tested on their own.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <spa/param/video/raw.h>
#include <spa/pod/builder.h>

#include "core/error.hpp"
#include "core/pixel_format.hpp"

namespace zc::testsrc {

// Fixed storage for one round of params (a few formats with a handful of modifiers).
struct PodStorage {
  std::array<uint8_t, 4096> bytes{};
  spa_pod_builder builder() { return SPA_POD_BUILDER_INIT(bytes.data(), static_cast<uint32_t>(bytes.size())); }
};

uint32_t to_spa_video_format(PixelFormat f);  // SPA_VIDEO_FORMAT_UNKNOWN for formats capture does not take
std::optional<PixelFormat> from_spa_video_format(uint32_t f);

struct FormatOffer {
  PixelFormat format = PixelFormat::BGRx;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t fps = 60;          // announced as maxFramerate (framerate 0/1: frames come when they come)
  uint32_t hdr_transfer = 0;  // 10-bit RGB: an SPA transfer function to announce (PQ, HLG) with BT.2020
};

// One EnumFormat: without a modifier property (shared memory) when `modifiers` is empty; with a
// single fixed MANDATORY modifier when `fixed`; else an Enum of `modifiers` flagged
// MANDATORY|DONT_FIXATE (the first value repeated as the default).
const spa_pod* build_enum_format(spa_pod_builder& b, const FormatOffer& offer, std::span<const uint64_t> modifiers,
                                 bool fixed);

// What the producer announces: [the fixated modifier] [the DONT_FIXATE list] [shared memory].
// The list stays after the fixated entry so that a consumer that drops the chosen modifier
// renegotiates into a new fixation instead of failing.
std::vector<const spa_pod*> build_enum_formats(spa_pod_builder& b, const FormatOffer& offer,
                                               std::span<const uint64_t> modifiers, std::optional<uint64_t> fixated);

struct BufferOffer {
  uint32_t buffers = 4;  // the most it takes, and its default (range buffers_min..buffers)
  uint32_t buffers_min = 2;
  uint32_t size = 0;
  uint32_t stride = 0;
  uint32_t data_types = 1u << 2;  // bitmask of SPA_DATA_* (1 << SPA_DATA_MemFd by default)
  bool damage = true;
  bool crop = false;
  uint32_t cursor_size = 0;  // 0: no cursor meta
  // Explicit sync: first a Buffers param of 3 blocks (the image, the acquire and the release
  // syncobj) valid only with SPA_META_SyncTimeline, and that Meta param.
  bool sync_timeline = false;
};

inline constexpr uint32_t kMaxDamageRegions = 16;

// Buffers, then the Meta params (Header always; VideoDamage, VideoCrop, Cursor as asked;
// SyncTimeline with its own Buffers param first).
std::vector<const spa_pod*> build_buffer_params(spa_pod_builder& b, const BufferOffer& offer);

// Bytes of the cursor meta for a square bitmap of `size` pixels (RGBA).
uint32_t cursor_meta_size(uint32_t size);

// A negotiated (or to-be-fixated) Format.
struct FormatChoice {
  PixelFormat format = PixelFormat::BGRx;
  uint32_t width = 0;
  uint32_t height = 0;
  bool has_modifier = false;        // DmaBuf iff the format carries the modifier property
  bool needs_fixation = false;      // the modifier is still a DONT_FIXATE choice
  std::vector<uint64_t> modifiers;  // the fixed modifier, or the choice's values (no duplicates)
};

Result<FormatChoice> parse_format(const spa_pod* format);

// The first of `preferred` that `offered` contains.
std::optional<uint64_t> choose_modifier(std::span<const uint64_t> preferred, std::span<const uint64_t> offered);

// Row stride of plane 0 for a width: its row bytes rounded up to `align` (a power of two).
uint32_t stride_for(PixelFormat format, uint32_t width, uint32_t align);
// Bytes of a buffer holding the image with that stride (core/image_layout.hpp's single block;
// MJPEG: room for the largest JPEG, jpeg.hpp).
uint32_t buffer_bytes(PixelFormat format, uint32_t width, uint32_t height, uint32_t stride);

}  // namespace zc::testsrc
