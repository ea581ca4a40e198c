#pragma once
// Negotiation params (DESIGN.md §4): EnumFormat pods for an offer, the Buffers and Meta answer
// to a negotiated format, and parsing of the Format the producer and we agreed on. Pure: no
// PipeWire connection needed, so every rule here is unit-tested by parsing the pods back.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <spa/pod/builder.h>
#include <spa/pod/pod.h>

#include "capture/video/offer.hpp"
#include "core/colour.hpp"
#include "core/error.hpp"

namespace zc::capture {

// Owns the memory of a list of pods. The pointers stay valid until the set is rebuilt or dies.
class ParamSet {
 public:
  ParamSet() = default;
  ParamSet(const ParamSet&) = delete;
  ParamSet& operator=(const ParamSet&) = delete;

  // Runs `write` (which appends pods and returns their builder offsets) against a growing
  // buffer until everything fits.
  void build(const std::function<void(spa_pod_builder&, std::vector<uint32_t>&)>& write);

  const spa_pod** data() { return pods_.data(); }
  uint32_t size() const { return static_cast<uint32_t>(pods_.size()); }
  const spa_pod* operator[](size_t i) const { return pods_[i]; }

 private:
  std::vector<uint8_t> storage_;
  std::vector<const spa_pod*> pods_;
};

// Room the Cursor meta asks for: the cursor struct, the bitmap header and up to 256x256 RGBA.
inline constexpr uint32_t kMaxCursorSize = 256;
uint32_t cursor_meta_size(uint32_t width, uint32_t height);

// EnumFormat pods for `offer`: first, for every format with modifiers, a pod carrying the
// modifier property (MANDATORY | DONT_FIXATE, Enum choice, first value repeated as default);
// then a shared-memory pod (no modifier property) for every format. Formats without modifiers
// get only the shared-memory pod.
void build_enum_formats(const Offer& offer, ParamSet& out);

// The format both sides agreed on.
struct VideoFormat {
  PixelFormat format = PixelFormat::BGRx;
  Size size;
  Fraction framerate;      // 0/1: variable
  Fraction max_framerate;  // with a variable rate, the ceiling (0/1 when not given)
  bool dmabuf = false;     // the format carries the modifier property
  uint64_t modifier = kModifierInvalid;
  bool modifier_fixed = true;                // false: DONT_FIXATE choice still open, the producer will fixate
  AnnouncedColour colour;                    // the producer's colorimetry, where it gave one (raw YUV matters)
  std::vector<std::string> colour_warnings;  // values it gave that have no tag here (named, ignored)

  bool same_stream(const VideoFormat& o) const {
    return format == o.format && size == o.size && dmabuf == o.dmabuf && modifier == o.modifier && colour == o.colour;
  }
};

// The largest width or height a Format may have: twice what any offer of ours allows (8192), so
// that a producer's size far beyond it is refused here, and every row and plane byte count
// (core/image_layout.hpp, 32 bits) stays exact for the sizes that pass.
inline constexpr uint32_t kMaxFormatDimension = 16384;

// Whether every property of the object `pod` holds its value: a choice its header, and its
// values inside it. PipeWire checks only a pod's outer size before handing it on, and libspa's
// parsers (0.3.65) read a choice's first value wherever its header says it ends: past the pod.
// Found by fuzzing; parse_format here and in the test source refuse a pod that fails it.
bool values_fit(const spa_pod* pod);

// Parses a Format pod (param_changed). Errors: not video/raw, a pixel format capture does not
// handle, missing or zero size, a side above kMaxFormatDimension, a value outside its property.
Result<VideoFormat> parse_format(const spa_pod* format);

// The most buffers capture asks a producer for by default. Each is a whole frame that capture maps
// and prefaults (shared memory) or imports (dmabuf), and without a count of ours PipeWire gives a
// link the producer's: mutter offers 16 (133 MB of frames at 1080p, 530 MB at 4K). Capture reads a
// buffer and gives it back, or keeps the newest until the next arrives (§4), so four leave the
// producer two or more to draw into. A producer that needs more (GStreamer's pipewiresink: 8 and
// up) gets its own count.
inline constexpr uint32_t kMaxBuffersAsked = 4;

// ZEROCAST_CAPTURE_BUFFERS: "" (kMaxBuffersAsked), 0 (the producer's count) or 2..16.
Result<uint32_t> parse_max_buffers(std::string_view text);

// The answer to a fixed format: Buffers (dataType MemFd|MemPtr for shared memory, DmaBuf for
// dmabuf), each first with at most `max_buffers` (0: no such param) and then without a count (for
// a producer that needs more), and Meta params for Header, VideoCrop, Cursor and VideoDamage. With
// `sync_timeline` and dmabufs, first the same pair of Buffers params valid only with
// SPA_META_SyncTimeline (metaType, MANDATORY: the producer adds the acquire and release syncobjs
// as two more datas) and, last, the SyncTimeline Meta param (capture/video/sync_timeline.hpp).
void build_buffer_params(const VideoFormat& format, ParamSet& out, bool sync_timeline = false,
                         uint32_t max_buffers = kMaxBuffersAsked);

}  // namespace zc::capture
