#include "encode/cpu_frames.hpp"

#include <cassert>
#include <cstring>

namespace zc::encode {
namespace {

constexpr uint32_t kAlign = 64;  // SIMD-friendly rows for every encoder's input loaders

constexpr uint32_t align_up(uint32_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

CpuFrameBuffer::CpuFrameBuffer(uint32_t width, uint32_t height, PixelFormat format)
    : width_(width), height_(height), format_(format) {
  assert(is_encoder_layout(format));
  const uint32_t chroma_w = (width + 1) / 2;
  const uint32_t chroma_h = (height + 1) / 2;
  const uint32_t sample = bit_depth(format) > 8 ? 2 : 1;  // bytes
  pitches_[0] = align_up(width * sample);
  if (plane_count() == 2) {
    pitches_[1] = align_up(chroma_w * 2 * sample);
  } else {
    pitches_[1] = align_up(chroma_w * sample);
    pitches_[2] = pitches_[1];
  }
  offsets_[1] = size_t{pitches_[0]} * height;
  offsets_[2] = offsets_[1] + size_t{pitches_[1]} * chroma_h;
  const size_t total = offsets_[2] + size_t{pitches_[2]} * chroma_h;
  memory_.reset(static_cast<uint8_t*>(std::aligned_alloc(kAlign, (total + kAlign - 1) / kAlign * kAlign)));
}

CpuFramePool::CpuFramePool(uint32_t width, uint32_t height, PixelFormat format, size_t max_free)
    : pool_(
          [=]() -> std::unique_ptr<CpuFrameBuffer> {
            auto b = std::make_unique<CpuFrameBuffer>(width, height, format);
            if (!b->valid()) return nullptr;
            return b;
          },
          max_free) {}

DeviceFrame CpuFramePool::acquire(int64_t pts_ns, uint64_t sequence) {
  DeviceFrame f;
  Lease<CpuFrameBuffer> lease = pool_.acquire();
  if (!lease) return f;
  f.width = lease->width();
  f.height = lease->height();
  f.format = lease->format();
  f.memory = FrameMemory::Cpu;
  for (size_t i = 0; i < lease->plane_count(); ++i) {
    f.planes[i] = reinterpret_cast<uintptr_t>(lease->plane(i));
    f.pitches[i] = lease->pitch(i);
  }
  f.pts_ns = pts_ns;
  f.sequence = sequence;
  f.storage = std::move(lease);
  return f;
}

namespace {

// A sample of `frame`'s plane: 8-bit, or 10-bit stored as its layout stores it (P010 in the top
// bits, I010 in the low ones).
void put(const DeviceFrame& frame, size_t plane, size_t row, size_t index, uint32_t value8) {
  uint8_t* line = frame.cpu_plane(plane) + frame.pitches[plane] * row;
  if (frame.format == PixelFormat::NV12 || frame.format == PixelFormat::I420) {
    line[index] = static_cast<uint8_t>(value8);
    return;
  }
  const uint32_t v10 = value8 << 2;
  const auto v = static_cast<uint16_t>(frame.format == PixelFormat::P010 ? v10 << 6 : v10);
  std::memcpy(line + index * 2, &v, 2);
}

}  // namespace

void fill_pattern(DeviceFrame& frame, uint32_t index) {
  const uint32_t w = frame.width;
  const uint32_t h = frame.height;
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x)
      put(frame, 0, y, x, 16 + ((x + y + 2 * index) % 220));
  }
  const uint32_t cw = (w + 1) / 2;
  const uint32_t ch = (h + 1) / 2;
  const bool interleaved = frame.format == PixelFormat::NV12 || frame.format == PixelFormat::P010;
  for (uint32_t y = 0; y < ch; ++y) {
    for (uint32_t x = 0; x < cw; ++x) {
      const uint32_t u = 16 + ((x + index) % 224);
      const uint32_t v = 16 + ((y + index) % 224);
      if (interleaved) {
        put(frame, 1, y, 2 * size_t{x}, u);
        put(frame, 1, y, 2 * size_t{x} + 1, v);
      } else {
        put(frame, 1, y, x, u);
        put(frame, 2, y, x, v);
      }
    }
  }
}

}  // namespace zc::encode
