#include "testsrc/options.hpp"

#include <array>
#include <cstring>
#include <utility>

#include "core/parse_number.hpp"
#include "testsrc/pack.hpp"
#include "testsrc/pattern.hpp"

namespace zc::testsrc {
namespace {

constexpr std::array<std::pair<DefectKind, std::string_view>, kDefectKindCount> kDefectNames{{
    {DefectKind::CorruptedFlag, "corrupted-flag"},
    {DefectKind::CorruptedChunk, "corrupted-chunk"},
    {DefectKind::ZeroChunk, "zero-chunk"},
    {DefectKind::BadStride, "bad-stride"},
    {DefectKind::ShortBuffer, "short-buffer"},
    {DefectKind::Resize, "resize"},
    {DefectKind::Disappear, "disappear"},
    {DefectKind::CorruptJpeg, "corrupt-jpeg"},
    {DefectKind::UnsignalledSync, "unsignalled-sync"},
    {DefectKind::Lost, "lost"},
    {DefectKind::Stale, "stale"},
    {DefectKind::CursorOnly, "cursor-only"},
}};

constexpr uint32_t kMaxWidth = 7680;
constexpr uint32_t kMaxHeight = 4320;
constexpr uint32_t kMaxFps = 240;

template <class T>
bool parse_uint(std::string_view text, T& out) {
  const auto n = parse_number<T>(text);
  if (n) out = *n;
  return n.has_value();
}

tl::unexpected<Error> bad(std::string message) {
  return fail(Errc::invalid_argument, "test-source", std::move(message));
}

Result<void> check_size(uint32_t width, uint32_t height) {
  if (width < kPatternMinWidth || width > kMaxWidth || height < kPatternMinHeight || height > kMaxHeight) {
    return bad("size " + std::to_string(width) + "x" + std::to_string(height) + " outside " +
               std::to_string(kPatternMinWidth) + "x" + std::to_string(kPatternMinHeight) + ".." +
               std::to_string(kMaxWidth) + "x" + std::to_string(kMaxHeight));
  }
  return {};
}

}  // namespace

std::string_view to_string(BufferMode mode) {
  switch (mode) {
    case BufferMode::Shm:
      return "shm";
    case BufferMode::MemFd:
      return "memfd";
    case BufferMode::DmaBuf:
      return "dmabuf";
  }
  return "unknown";
}

std::string_view to_string(DmabufAllocator allocator) {
  switch (allocator) {
    case DmabufAllocator::Auto:
      return "auto";
    case DmabufAllocator::Gbm:
      return "gbm";
    case DmabufAllocator::MemFd:
      return "memfd";
    case DmabufAllocator::Udmabuf:
      return "udmabuf";
  }
  return "unknown";
}

std::string_view to_string(SyncMode mode) {
  switch (mode) {
    case SyncMode::None:
      return "none";
    case SyncMode::Implicit:
      return "implicit";
    case SyncMode::Explicit:
      return "explicit";
  }
  return "unknown";
}

std::optional<SyncMode> sync_mode_from_string(std::string_view name) {
  for (const auto m : {SyncMode::None, SyncMode::Implicit, SyncMode::Explicit}) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

std::optional<DmabufAllocator> dmabuf_allocator_from_string(std::string_view name) {
  for (const auto a : {DmabufAllocator::Auto, DmabufAllocator::Gbm, DmabufAllocator::MemFd, DmabufAllocator::Udmabuf}) {
    if (to_string(a) == name) return a;
  }
  return std::nullopt;
}

std::string_view to_string(DefectKind kind) {
  for (const auto& [k, name] : kDefectNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<DefectKind> defect_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kDefectNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

Result<DefectSpec> parse_defect(std::string_view text) {
  const std::string original(text);
  const size_t at_pos = text.find('@');
  if (at_pos == std::string_view::npos) return bad("defect '" + original + "': expected KIND@FRAME");
  const auto kind = defect_kind_from_string(text.substr(0, at_pos));
  if (!kind) return bad("defect '" + original + "': unknown kind");
  DefectSpec spec;
  spec.kind = *kind;
  std::string_view rest = text.substr(at_pos + 1);
  std::string_view size_text;
  if (const size_t colon = rest.find(':'); colon != std::string_view::npos) {
    size_text = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  std::string_view every_text;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    every_text = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (!parse_uint(rest, spec.at)) return bad("defect '" + original + "': bad frame number");
  if (!every_text.empty() && (!parse_uint(every_text, spec.every) || spec.every == 0)) {
    return bad("defect '" + original + "': bad period");
  }
  if (spec.kind == DefectKind::Resize) {
    const size_t x = size_text.find('x');
    if (x == std::string_view::npos || !parse_uint(size_text.substr(0, x), spec.width) ||
        !parse_uint(size_text.substr(x + 1), spec.height)) {
      return bad("defect '" + original + "': resize needs :WIDTHxHEIGHT");
    }
  } else if (!size_text.empty()) {
    return bad("defect '" + original + "': only resize takes a size");
  }
  return spec;
}

Result<void> validate(const Options& o) {
  if (auto r = check_size(o.width, o.height); !r) return r;
  if (o.fps < 1 || o.fps > kMaxFps) return bad("fps " + std::to_string(o.fps) + " outside 1..240");
  if (!sends(o.format))
    return bad("format " + std::string(zc::to_string(o.format)) + " is not one the test source sends");
  if (o.mode == BufferMode::DmaBuf && drm_fourcc(o.format) == 0) {
    return bad("dmabuf mode needs an RGB format with a DRM fourcc, not " + std::string(zc::to_string(o.format)));
  }
  if (!o.hdr.empty() && o.hdr != "pq" && o.hdr != "hlg") return bad("hdr must be pq or hlg, not '" + o.hdr + "'");
  if (!o.hdr.empty() && format_info(o.format).kind != FormatKind::rgb10) {
    return bad("hdr needs a 10-bit RGB format (xRGB_210LE ...), not " + std::string(zc::to_string(o.format)));
  }
  if (o.buffers < 2 || o.buffers > 16) return bad("buffers must be 2..16");
  if (o.buffers_min < 2 || o.buffers_min > o.buffers) return bad("the fewest buffers must be 2..buffers");
  if (o.stride_align == 0 || (o.stride_align & (o.stride_align - 1)) != 0 || o.stride_align % 4 != 0) {
    return bad("stride alignment must be a power of two >= 4");
  }
  if (o.mode == BufferMode::DmaBuf && o.modifiers.empty()) return bad("dmabuf mode needs at least one modifier");
  if (o.mode != BufferMode::DmaBuf && o.dmabuf_allocator == DmabufAllocator::Gbm)
    return bad("the gbm allocator needs dmabuf mode");
  if (o.mode != BufferMode::DmaBuf && o.dmabuf_allocator == DmabufAllocator::Udmabuf)
    return bad("the udmabuf allocator needs dmabuf mode");
  if (o.sync != SyncMode::None && (o.mode != BufferMode::DmaBuf || (o.dmabuf_allocator != DmabufAllocator::Gbm &&
                                                                    o.dmabuf_allocator != DmabufAllocator::Udmabuf))) {
    return bad("sync needs dmabuf mode with the gbm or udmabuf allocator");
  }
  if (o.late_ms > 0 && o.sync == SyncMode::None) return bad("late pixels need a sync mode");
  if (o.late_ms > 0 && o.late_ms >= 1000 / o.fps) return bad("late pixels must come within one frame interval");
  if (o.node_name.empty()) return bad("empty node name");
  if (o.crop && (o.crop->x < 0 || o.crop->y < 0 || o.crop->width == 0 || o.crop->height == 0 ||
                 static_cast<uint64_t>(o.crop->x) + o.crop->width > o.width ||
                 static_cast<uint64_t>(o.crop->y) + o.crop->height > o.height)) {
    return bad("crop region outside the frame");
  }
  for (const auto& d : o.defects) {
    if (d.kind == DefectKind::CorruptJpeg && o.format != PixelFormat::MJPG)
      return bad("corrupt-jpeg needs --format MJPG");
    if (d.kind == DefectKind::Resize) {
      if (auto r = check_size(d.width, d.height); !r) return r;
    }
    if (d.kind == DefectKind::Stale && (o.mode != BufferMode::Shm || o.sync != SyncMode::None))
      return bad("stale needs shared memory without sync");
    if (d.kind == DefectKind::CursorOnly && (!o.cursor || o.sync != SyncMode::None))
      return bad("cursor-only needs the cursor meta and no sync");
  }
  return {};
}

Error no_pipewire(std::string stage, int err) {
  return Error{Errc::pipewire, std::move(stage),
               std::string("cannot connect to the PipeWire daemon: ") + std::strerror(err) +
                   ". The test source is a PipeWire node and needs a PipeWire running for this user (systemctl "
                   "--user start pipewire wireplumber); zerocast record --source test starts a private one when "
                   "none runs"};
}

}  // namespace zc::testsrc
