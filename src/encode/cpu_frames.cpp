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
  assert(format == PixelFormat::NV12 || format == PixelFormat::I420);
  const uint32_t chroma_w = (width + 1) / 2;
  const uint32_t chroma_h = (height + 1) / 2;
  pitches_[0] = align_up(width);
  if (format == PixelFormat::NV12) {
    pitches_[1] = align_up(chroma_w * 2);
  } else {
    pitches_[1] = align_up(chroma_w);
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

void fill_pattern(DeviceFrame& frame, uint32_t index) {
  const uint32_t w = frame.width;
  const uint32_t h = frame.height;
  for (uint32_t y = 0; y < h; ++y) {
    uint8_t* row = frame.cpu_plane(0) + size_t{frame.pitches[0]} * y;
    for (uint32_t x = 0; x < w; ++x)
      row[x] = static_cast<uint8_t>(16 + ((x + y + 2 * index) % 220));
  }
  const uint32_t cw = (w + 1) / 2;
  const uint32_t ch = (h + 1) / 2;
  for (uint32_t y = 0; y < ch; ++y) {
    if (frame.format == PixelFormat::NV12) {
      uint8_t* row = frame.cpu_plane(1) + size_t{frame.pitches[1]} * y;
      for (uint32_t x = 0; x < cw; ++x) {
        row[2 * x] = static_cast<uint8_t>(16 + ((x + index) % 224));
        row[2 * x + 1] = static_cast<uint8_t>(16 + ((y + index) % 224));
      }
    } else {
      uint8_t* u = frame.cpu_plane(1) + size_t{frame.pitches[1]} * y;
      uint8_t* v = frame.cpu_plane(2) + size_t{frame.pitches[2]} * y;
      for (uint32_t x = 0; x < cw; ++x) {
        u[x] = static_cast<uint8_t>(16 + ((x + index) % 224));
        v[x] = static_cast<uint8_t>(16 + ((y + index) % 224));
      }
    }
  }
}

}  // namespace zc::encode
