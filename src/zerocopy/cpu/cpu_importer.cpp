#include "zerocopy/cpu/cpu_importer.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "core/log.hpp"

#include <libyuv/convert.h>
#include <libyuv/planar_functions.h>

#include "core/image_layout.hpp"

namespace zc::zerocopy {
namespace {

constexpr const char* kStage = "zerocopy:cpu";
constexpr size_t kMaxShapes = 4;       // targets alive at once (a tee with several sizes); LRU beyond
constexpr size_t kMaxFreePerPool = 8;  // frames in flight the encoder queue may hold
// Output frames made when the format is known (prepare): one being converted, one queued, one in
// the encoder's call, the steady state's. Measured (4K30, 2 cores): without them the first frames
// made theirs while libx264 first touched its own, 2 us a page on these guests, and six frames
// queued behind the first two encodes.
constexpr size_t kPreparedFrames = 3;

// The frame's visible rect, clamped to the buffer (capture clamps already; this is the
// importer's own guarantee that it never reads outside the image).
std::optional<Rect> clamped_visible(const Frame& frame) {
  const Rect r = frame.visible_rect();
  const int64_t x0 = std::clamp<int64_t>(r.x, 0, frame.width);
  const int64_t y0 = std::clamp<int64_t>(r.y, 0, frame.height);
  const int64_t x1 = std::clamp<int64_t>(int64_t{r.x} + r.width, 0, frame.width);
  const int64_t y1 = std::clamp<int64_t>(int64_t{r.y} + r.height, 0, frame.height);
  if (x1 <= x0 || y1 <= y0) return std::nullopt;
  return Rect{static_cast<int32_t>(x0), static_cast<int32_t>(y0), static_cast<uint32_t>(x1 - x0),
              static_cast<uint32_t>(y1 - y0)};
}

// The visible rect of `frame` as the converter reads it: subsampled formats start on a whole
// chroma sample (an even column; 4:2:0 also an even row), so their crop origin is rounded down.
SourceView source_view(PixelFormat format, Rect visible, const std::array<CpuPlane, 3>& planes) {
  const FormatKind kind = format_info(format).kind;
  uint32_t x = static_cast<uint32_t>(visible.x);
  uint32_t y = static_cast<uint32_t>(visible.y);
  if (kind == FormatKind::yuv422 || kind == FormatKind::yuv420) x &= ~1u;
  if (kind == FormatKind::yuv420) y &= ~1u;
  SourceView src;
  src.format = format;
  src.width = visible.width;
  src.height = visible.height;
  const uint32_t bytes = format_info(format).bytes;
  src.data[0] = planes[0].data + size_t{y} * planes[0].stride + size_t{x} * bytes;
  src.stride[0] = planes[0].stride;
  for (uint32_t p = 1; p < plane_count(format); ++p) {
    // NV12's UV pairs are two bytes a sample, I420's U and V one.
    const uint32_t sample = plane_count(format) == 2 ? 2 : 1;
    src.data[p] = planes[p].data + size_t{y / 2} * planes[p].stride + size_t{x / 2} * sample;
    src.stride[p] = planes[p].stride;
  }
  return src;
}

void add(PoolCounters& into, const PoolCounters& c) {
  into.created += c.created;
  into.acquired += c.acquired;
  into.reused += c.reused;
  into.outstanding += c.outstanding;
}

}  // namespace

CpuImporter::CpuImporter(CpuImportOptions options) : options_(std::move(options)) {}
CpuImporter::~CpuImporter() = default;

std::vector<uint64_t> CpuImporter::supported_modifiers(PixelFormat format) const {
  if (options_.offer_linear && is_packed_rgb(format)) return {kModifierLinear};
  return {};
}

Result<DeviceFrame> CpuImporter::import(const Frame& frame, const ImportTarget& target) {
  auto result = import_checked(frame, target);
  if (!result) failed_.fetch_add(1, std::memory_order_relaxed);
  return result;
}

Result<void> CpuImporter::check_target(const ImportTarget& target) const {
  const bool memory = target.memory == FrameMemory::Cpu || options_.host_for_device;
  if (!memory || !is_encoder_layout(target.format)) {
    return fail(Errc::unsupported, kStage,
                fmt::format("cannot produce {} in {} memory", to_string(target.format), to_string(target.memory)));
  }
  if (target.width == 0 || target.height == 0 || target.width % 2 != 0 || target.height % 2 != 0 ||
      target.width > kMaxDimension || target.height > kMaxDimension) {
    return fail(Errc::invalid_argument, kStage,
                fmt::format("target {}x{} is not an even size up to {}", target.width, target.height, kMaxDimension));
  }
  return {};
}

Result<DeviceFrame> CpuImporter::import_checked(const Frame& frame, const ImportTarget& target) {
  if (auto ok = check_target(target); !ok) return tl::unexpected(ok.error());
  if (!converts_from(frame.format) && frame.format != PixelFormat::MJPG) {
    return fail(Errc::rejected, kStage, fmt::format("cannot read {} frames", to_string(frame.format)));
  }
  if (frame.width == 0 || frame.height == 0 || frame.width > 32768 || frame.height > 32768) {
    return fail(Errc::invalid_argument, kStage, fmt::format("frame of size {}x{}", frame.width, frame.height));
  }
  const auto visible = clamped_visible(frame);
  if (!visible) return fail(Errc::invalid_argument, kStage, "empty visible rect");

  // Where the pixels are: PipeWire's mapping, or our own mapping of the dmabuf.
  std::array<CpuPlane, 3> planes{};
  std::optional<drm::DmaBufReadAccess> access;
  PixelFormat source_format = frame.format;
  if (frame.format == PixelFormat::MJPG) {
    // Decoded (full range) and read as I420 from there; the converter brings it to limited range.
    if (frame.memory != MemoryKind::Cpu || frame.data == nullptr) {
      return fail(Errc::invalid_argument, kStage, "an MJPEG frame without its bytes");
    }
    auto decoded = jpeg_planes(frame, planes);
    if (!decoded) return tl::unexpected(decoded.error());
    source_format = *decoded;
  } else if (frame.memory == MemoryKind::DmaBuf) {
    if (plane_count(frame.format) != 1) {
      return fail(Errc::rejected, kStage, fmt::format("cannot read {} dmabufs", to_string(frame.format)));
    }
    auto plane = dmabufs_.map(frame);
    update_mapping_count();
    if (!plane) return tl::unexpected(plane.error());
    // A producer may still be writing it (GPU rendering that finishes later): wait, or drop it.
    auto fenced = fence_.wait(frame.planes[0].fd, options_.fence_timeout_ms, fence_counters_);
    fence_waited_.store(fence_counters_.waited, std::memory_order_relaxed);
    fence_timeouts_.store(fence_counters_.timeouts, std::memory_order_relaxed);
    if (!fenced) return tl::unexpected(fenced.error());
    planes[0] = CpuPlane{plane->pixels, plane->stride, 0};
    access.emplace(*plane->mapping);
  } else {
    planes[0] = CpuPlane{frame.data, frame.stride, frame.size};
    planes[1] = frame.chroma[0];
    planes[2] = frame.chroma[1];
    for (uint32_t p = 0; p < plane_count(frame.format); ++p) {
      const uint64_t row_bytes = plane_row_bytes(frame.format, frame.width, p);
      const uint64_t rows = plane_rows(frame.format, frame.height, p);
      // Plane 1 of NV12 is the UV plane; planes[2] is then unused.
      const CpuPlane& pl = planes[p];
      if (pl.data == nullptr || pl.stride < row_bytes || pl.size < uint64_t{pl.stride} * (rows - 1) + row_bytes) {
        return fail(Errc::invalid_argument, kStage,
                    fmt::format("buffer too small: plane {} of {} bytes for {} {}x{} with stride {}", p, pl.size,
                                to_string(frame.format), frame.width, frame.height, pl.stride));
      }
    }
  }

  auto out_planes = acquire(target.format, target.width, target.height);
  if (!out_planes) {
    return fail(Errc::internal, kStage, fmt::format("out of memory for a {}x{} frame", target.width, target.height));
  }
  if (converter_.colour() != target.colour) {
    // What earlier frames converted is in another colour: convert whole pictures again.
    converter_.set_colour(target.colour);
    cursor_.set_colour(target.colour);
    damage_.reset();
  }
  SourceView src = source_view(source_format, *visible, planes);
  src.full_range = frame.format == PixelFormat::MJPG && source_format == PixelFormat::I420;
  if (!convert_changed(frame, *visible, planes, src, *out_planes)) {
    return fail(Errc::internal, kStage,
                fmt::format("conversion {} {}x{} -> {} {}x{} failed", to_string(frame.format), src.width, src.height,
                            to_string(target.format), target.width, target.height));
  }
  access.reset();  // the source is no longer read from here on

  const bool direct = is_direct(src.width, src.height, target.width, target.height);
  // A producer that sends the cursor as metadata (a bitmap came, visible now or not): the frame is
  // kept for a pointer move over it.
  if (target.draw_cursor && frame.cursor.pixels != nullptr) {
    OutputMapping map;
    map.origin_x = visible->x;
    map.origin_y = visible->y;
    map.src_width = direct ? target.width : src.width;
    map.src_height = direct ? target.height : src.height;
    draw_cursor(frame.cursor, map, *out_planes);
    last_ = out_planes->share();
    last_map_ = map;
  } else {
    last_.reset();
  }

  imported_.fetch_add(1, std::memory_order_relaxed);
  if (!direct) scaled_.fetch_add(1, std::memory_order_relaxed);
  DeviceFrame df = device_frame(std::move(out_planes), target);
  df.pts_ns = frame.pts_ns;
  df.sequence = frame.sequence;
  return df;
}

Result<DeviceFrame> CpuImporter::redraw_cursor(const Cursor& cursor, uint64_t sequence, const ImportTarget& target) {
  if (auto ok = check_target(target); !ok) return tl::unexpected(ok.error());
  if (!target.draw_cursor || !last_) {
    return fail(Errc::unsupported, kStage, "no picture with a metadata cursor to draw a pointer move on");
  }
  const PlaneLayout& held = last_->layout();
  if (held.format != target.format || held.width != target.width || held.height != target.height) {
    return fail(Errc::unsupported, kStage, "the last picture was made for another target");
  }
  auto out = acquire(target.format, target.width, target.height);
  if (!out) {
    return fail(Errc::internal, kStage, fmt::format("out of memory for a {}x{} frame", target.width, target.height));
  }
  out->copy_from(*last_);
  under_cursor_.put_back(out->view());
  // The same picture as the last frame, its cursor now where this one draws it. When that frame
  // holds the run's latest number and this one comes next, the run goes on: nothing changed at
  // this number, and this frame holds it.
  ContentTag tag = last_->content();
  tag.cursor.reset();
  if (tag.epoch == damage_.epoch() && tag.sequence + 1 == sequence && damage_.note_still(sequence)) {
    tag.sequence = sequence;
  }
  out->content() = tag;
  draw_cursor(cursor, last_map_, *out);
  last_ = out->share();
  pointer_moves_.fetch_add(1, std::memory_order_relaxed);
  return device_frame(std::move(out), target);
}

void CpuImporter::draw_cursor(const Cursor& cursor, const OutputMapping& map, CpuPlanes& out) {
  const PlanarView view = out.view();
  under_cursor_.keep(view, CursorBlender::area(cursor, map, view.width, view.height));
  if (cursor_.draw(cursor, map, view, &out.content().cursor)) cursor_drawn_.fetch_add(1, std::memory_order_relaxed);
}

DeviceFrame CpuImporter::device_frame(Lease<CpuPlanes> planes, const ImportTarget& target) {
  const PlanarView out = planes->view();
  DeviceFrame df;
  df.width = target.width;
  df.height = target.height;
  df.format = target.format;
  df.colour = target.colour;
  df.memory = FrameMemory::Cpu;
  df.planes = {reinterpret_cast<uintptr_t>(out.y), reinterpret_cast<uintptr_t>(out.u),
               reinterpret_cast<uintptr_t>(out.v)};
  df.pitches = {out.y_pitch, out.u_pitch, out.v_pitch};
  df.storage = std::move(planes);
  return df;
}

bool CpuImporter::convert_changed(const Frame& frame, Rect visible, const std::array<CpuPlane, 3>& planes,
                                  const SourceView& src, CpuPlanes& out) {
  const PlanarView view = out.view();
  ContentTag& tag = out.content();
  const uint64_t pixels = uint64_t{view.width} * view.height;
  pixels_total_.fetch_add(pixels, std::memory_order_relaxed);
  // Only 1:1 conversions of the same picture size: a scaled pixel depends on its neighbours, and
  // an MJPEG frame is decoded in full anyway.
  const bool tracked =
      options_.damage && frame.format != PixelFormat::MJPG && src.width == view.width && src.height == view.height;
  std::optional<std::vector<Rect>> regions;
  uint64_t epoch = 0;
  if (tracked) {
    const DamageShape shape{frame.format, frame.width, frame.height, visible, view.format, view.width, view.height};
    epoch = damage_.note(frame, shape);
    regions = damage_.regions_for(tag);
  } else {
    damage_.reset();
  }
  tag = ContentTag{};  // being written: unknown until done
  if (!regions) {
    if (!converter_.convert(src, view)) return false;
    pixels_converted_.fetch_add(pixels, std::memory_order_relaxed);
  } else {
    uint64_t converted = 0;
    for (const Rect& r : *regions) {
      const SourceView part =
          source_view(src.format, Rect{visible.x + r.x, visible.y + r.y, r.width, r.height}, planes);
      SourceView with_range = part;
      with_range.full_range = src.full_range;
      if (!converter_.convert(with_range, sub_view(view, r))) return false;
      converted += uint64_t{r.width} * r.height;
    }
    partial_.fetch_add(1, std::memory_order_relaxed);
    pixels_converted_.fetch_add(converted, std::memory_order_relaxed);
  }
  if (tracked) tag = ContentTag{epoch, frame.sequence, std::nullopt};
  return true;
}

// Decodes an MJPEG frame: 4:2:0 pictures are read where the decoder left them as full-range I420,
// other samplings are brought to I420 first (at the picture's size, into jpeg_i420_), RGB ones
// interleaved into BGRx. Returns the format the planes now hold.
Result<PixelFormat> CpuImporter::jpeg_planes(const Frame& frame, std::array<CpuPlane, 3>& planes) {
  auto jpeg = mjpeg_.decode(frame.data, frame.size, frame.width, frame.height);
  if (!jpeg) return tl::unexpected(jpeg.error());
  const uint32_t w = jpeg->width, h = jpeg->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
  if (jpeg->chroma == DecodedJpeg::Chroma::s420) {
    planes[0] = CpuPlane{jpeg->planes[0], jpeg->strides[0], size_t{jpeg->strides[0]} * h};
    planes[1] = CpuPlane{jpeg->planes[1], jpeg->strides[1], size_t{jpeg->strides[1]} * ch};
    planes[2] = CpuPlane{jpeg->planes[2], jpeg->strides[2], size_t{jpeg->strides[2]} * ch};
    return PixelFormat::I420;
  }
  const auto n = [](uint32_t x) { return static_cast<int>(x); };
  if (jpeg->chroma == DecodedJpeg::Chroma::rgb) {
    const uint32_t pitch = align_up(w * 4, kPlaneAlign);
    if (jpeg_i420_.size() < size_t{pitch} * h) jpeg_i420_ = AlignedBlock(size_t{pitch} * h);
    if (!jpeg_i420_) return fail(Errc::internal, kStage, "out of memory for a decoded JPEG");
    // libyuv "ARGB" is our BGRx; the decoder's planes are G, B, R.
    libyuv::MergeARGBPlane(jpeg->planes[2], n(jpeg->strides[2]), jpeg->planes[0], n(jpeg->strides[0]), jpeg->planes[1],
                           n(jpeg->strides[1]), nullptr, 0, jpeg_i420_.data(), n(pitch), n(w), n(h));
    planes[0] = CpuPlane{jpeg_i420_.data(), pitch, size_t{pitch} * h};
    return PixelFormat::BGRx;
  }
  const uint32_t y_pitch = align_up(w, kPlaneAlign), c_pitch = align_up(cw, kPlaneAlign);
  const size_t y_bytes = size_t{y_pitch} * h, c_bytes = size_t{c_pitch} * ch;
  if (jpeg_i420_.size() < y_bytes + 2 * c_bytes) jpeg_i420_ = AlignedBlock(y_bytes + 2 * c_bytes);
  if (!jpeg_i420_) return fail(Errc::internal, kStage, "out of memory for a decoded JPEG");
  uint8_t* y = jpeg_i420_.data();
  uint8_t* u = y + y_bytes;
  uint8_t* v = u + c_bytes;
  int r = 0;
  switch (jpeg->chroma) {
    case DecodedJpeg::Chroma::s422:
      r = libyuv::I422ToI420(jpeg->planes[0], n(jpeg->strides[0]), jpeg->planes[1], n(jpeg->strides[1]),
                             jpeg->planes[2], n(jpeg->strides[2]), y, n(y_pitch), u, n(c_pitch), v, n(c_pitch), n(w),
                             n(h));
      break;
    case DecodedJpeg::Chroma::s444:
      r = libyuv::I444ToI420(jpeg->planes[0], n(jpeg->strides[0]), jpeg->planes[1], n(jpeg->strides[1]),
                             jpeg->planes[2], n(jpeg->strides[2]), y, n(y_pitch), u, n(c_pitch), v, n(c_pitch), n(w),
                             n(h));
      break;
    default:  // grey: no colour
      libyuv::CopyPlane(jpeg->planes[0], n(jpeg->strides[0]), y, n(y_pitch), n(w), n(h));
      libyuv::SetPlane(u, n(c_pitch), n(cw), n(ch), 128);
      libyuv::SetPlane(v, n(c_pitch), n(cw), n(ch), 128);
      break;
  }
  if (r != 0) return fail(Errc::internal, kStage, "cannot bring the decoded JPEG to 4:2:0");
  planes[0] = CpuPlane{y, y_pitch, y_bytes};
  planes[1] = CpuPlane{u, c_pitch, c_bytes};
  planes[2] = CpuPlane{v, c_pitch, c_bytes};
  return PixelFormat::I420;
}

Lease<CpuPlanes> CpuImporter::acquire(PixelFormat format, uint32_t width, uint32_t height) {
  std::lock_guard lock(pools_mutex_);
  ++use_clock_;
  auto it = std::find_if(pools_.begin(), pools_.end(), [&](const ShapePool& p) {
    return p.layout.format == format && p.layout.width == width && p.layout.height == height;
  });
  if (it == pools_.end()) {
    if (pools_.size() >= kMaxShapes) {
      // Frames still out keep their buffers: a lease outliving its pool frees itself.
      auto oldest = std::min_element(pools_.begin(), pools_.end(),
                                     [](const ShapePool& a, const ShapePool& b) { return a.last_used < b.last_used; });
      add(retired_, oldest->pool->counters());
      pools_.erase(oldest);
    }
    const PlaneLayout layout = PlaneLayout::make(format, width, height);
    zc::log::debug("{}: new output pool {} {}x{} ({} bytes per frame)", kStage, to_string(format), width, height,
                   layout.bytes);
    pools_.push_back(ShapePool{
        layout, std::make_unique<Pool<CpuPlanes>>([layout] { return CpuPlanes::create(layout); }, kMaxFreePerPool), 0});
    it = std::prev(pools_.end());
  }
  it->last_used = use_clock_;
  return it->pool->acquire();
}

void CpuImporter::prepare(const ImportTarget& target) {
  if (!check_target(target)) return;
  // Taken and given back at once: they wait in the pool's free list for the first frames.
  std::vector<Lease<CpuPlanes>> made;
  for (size_t i = 0; i < kPreparedFrames; ++i) {
    auto lease = acquire(target.format, target.width, target.height);
    if (!lease) break;
    made.push_back(std::move(lease));
  }
}

void CpuImporter::forget(uint64_t buffer_id) {
  dmabufs_.forget(buffer_id);
  update_mapping_count();
}

void CpuImporter::update_mapping_count() {
  live_mappings_.store(dmabufs_.live(), std::memory_order_relaxed);
  mapped_.store(dmabufs_.created(), std::memory_order_relaxed);
  unmapped_.store(dmabufs_.dropped(), std::memory_order_relaxed);
}

PoolCounters CpuImporter::pool_counters() const {
  std::lock_guard lock(pools_mutex_);
  PoolCounters total = retired_;
  for (const auto& p : pools_)
    add(total, p.pool->counters());
  return total;
}

CpuImportCounters CpuImporter::counters() const {
  CpuImportCounters c;
  c.imported = imported_.load(std::memory_order_relaxed);
  c.scaled = scaled_.load(std::memory_order_relaxed);
  c.cursor_drawn = cursor_drawn_.load(std::memory_order_relaxed);
  c.pointer_moves = pointer_moves_.load(std::memory_order_relaxed);
  c.failed = failed_.load(std::memory_order_relaxed);
  c.dmabuf_mapped = mapped_.load(std::memory_order_relaxed);
  c.dmabuf_unmapped = unmapped_.load(std::memory_order_relaxed);
  c.fence_waited = fence_waited_.load(std::memory_order_relaxed);
  c.fence_timeouts = fence_timeouts_.load(std::memory_order_relaxed);
  c.partial = partial_.load(std::memory_order_relaxed);
  c.pixels_converted = pixels_converted_.load(std::memory_order_relaxed);
  c.pixels_total = pixels_total_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace zc::zerocopy
