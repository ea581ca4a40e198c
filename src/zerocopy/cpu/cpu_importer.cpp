#include "zerocopy/cpu/cpu_importer.hpp"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

namespace zc::zerocopy {
namespace {

constexpr const char* kStage = "zerocopy:cpu";
constexpr size_t kMaxShapes = 4;       // targets alive at once (a tee with several sizes); LRU beyond
constexpr size_t kMaxFreePerPool = 8;  // frames in flight the encoder queue may hold

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

void add(PoolCounters& into, const PoolCounters& c) {
  into.created += c.created;
  into.acquired += c.acquired;
  into.reused += c.reused;
  into.outstanding += c.outstanding;
}

}  // namespace

CpuImporter::CpuImporter(CpuImportOptions options) : options_(options) {}
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

Result<DeviceFrame> CpuImporter::import_checked(const Frame& frame, const ImportTarget& target) {
  if (target.memory != FrameMemory::Cpu || (target.format != PixelFormat::NV12 && target.format != PixelFormat::I420)) {
    return fail(Errc::unsupported, kStage,
                fmt::format("cannot produce {} in {} memory", to_string(target.format),
                            target.memory == FrameMemory::Cpu ? "CPU" : "CUDA"));
  }
  if (target.width == 0 || target.height == 0 || target.width % 2 != 0 || target.height % 2 != 0 ||
      target.width > kMaxDimension || target.height > kMaxDimension) {
    return fail(Errc::invalid_argument, kStage,
                fmt::format("target {}x{} is not an even size up to {}", target.width, target.height, kMaxDimension));
  }
  if (!is_packed_rgb(frame.format)) {
    return fail(Errc::rejected, kStage, fmt::format("cannot read {} frames", to_string(frame.format)));
  }
  if (frame.width == 0 || frame.height == 0 || frame.width > 32768 || frame.height > 32768) {
    return fail(Errc::invalid_argument, kStage, fmt::format("frame of size {}x{}", frame.width, frame.height));
  }
  const auto visible = clamped_visible(frame);
  if (!visible) return fail(Errc::invalid_argument, kStage, "empty visible rect");

  // Where the pixels are: PipeWire's mapping, or our own mapping of the dmabuf.
  const uint8_t* pixels = nullptr;
  uint32_t stride = 0;
  std::optional<DmaBufReadAccess> access;
  if (frame.memory == MemoryKind::DmaBuf) {
    auto plane = dmabufs_.map(frame);
    update_mapping_count();
    if (!plane) return tl::unexpected(plane.error());
    // A producer may still be writing it (GPU rendering that finishes later): wait, or drop it.
    auto fenced = fence_.wait(frame.planes[0].fd, options_.fence_timeout_ms, fence_counters_);
    fence_waited_.store(fence_counters_.waited, std::memory_order_relaxed);
    fence_timeouts_.store(fence_counters_.timeouts, std::memory_order_relaxed);
    if (!fenced) return tl::unexpected(fenced.error());
    pixels = plane->pixels;
    stride = plane->stride;
    access.emplace(*plane->mapping);
  } else {
    const uint64_t row_bytes = uint64_t{frame.width} * 4;
    if (frame.data == nullptr || frame.stride < row_bytes ||
        frame.size < uint64_t{frame.stride} * (frame.height - 1) + row_bytes) {
      return fail(Errc::invalid_argument, kStage,
                  fmt::format("buffer too small: {} bytes for {}x{} with stride {}", frame.size, frame.width,
                              frame.height, frame.stride));
    }
    pixels = frame.data;
    stride = frame.stride;
  }

  auto planes = acquire(target.format, target.width, target.height);
  if (!planes) {
    return fail(Errc::internal, kStage, fmt::format("out of memory for a {}x{} frame", target.width, target.height));
  }
  const PlanarView out = planes->view();

  PackedView src;
  src.data =
      pixels + size_t{static_cast<uint32_t>(visible->y)} * stride + size_t{static_cast<uint32_t>(visible->x)} * 4;
  src.stride = stride;
  src.width = visible->width;
  src.height = visible->height;
  src.format = frame.format;
  if (!converter_.convert(src, out)) {
    return fail(Errc::internal, kStage,
                fmt::format("conversion {} {}x{} -> {} {}x{} failed", to_string(frame.format), src.width, src.height,
                            to_string(target.format), target.width, target.height));
  }
  access.reset();  // the source is no longer read from here on

  const bool direct = is_direct(src.width, src.height, target.width, target.height);
  if (target.draw_cursor && frame.cursor.visible) {
    OutputMapping map;
    map.origin_x = visible->x;
    map.origin_y = visible->y;
    map.src_width = direct ? target.width : src.width;
    map.src_height = direct ? target.height : src.height;
    if (cursor_.draw(frame.cursor, map, out)) cursor_drawn_.fetch_add(1, std::memory_order_relaxed);
  }

  imported_.fetch_add(1, std::memory_order_relaxed);
  if (!direct) scaled_.fetch_add(1, std::memory_order_relaxed);

  DeviceFrame df;
  df.width = target.width;
  df.height = target.height;
  df.format = target.format;
  df.memory = FrameMemory::Cpu;
  df.planes = {reinterpret_cast<uintptr_t>(out.y), reinterpret_cast<uintptr_t>(out.u),
               reinterpret_cast<uintptr_t>(out.v)};
  df.pitches = {out.y_pitch, out.u_pitch, out.v_pitch};
  df.pts_ns = frame.pts_ns;
  df.sequence = frame.sequence;
  df.storage = std::move(planes);
  return df;
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
    spdlog::debug("{}: new output pool {} {}x{} ({} bytes per frame)", kStage, to_string(format), width, height,
                  layout.bytes);
    pools_.push_back(ShapePool{
        layout, std::make_unique<Pool<CpuPlanes>>([layout] { return CpuPlanes::create(layout); }, kMaxFreePerPool), 0});
    it = std::prev(pools_.end());
  }
  it->last_used = use_clock_;
  return it->pool->acquire();
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
  c.failed = failed_.load(std::memory_order_relaxed);
  c.dmabuf_mapped = mapped_.load(std::memory_order_relaxed);
  c.dmabuf_unmapped = unmapped_.load(std::memory_order_relaxed);
  c.fence_waited = fence_waited_.load(std::memory_order_relaxed);
  c.fence_timeouts = fence_timeouts_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace zc::zerocopy
