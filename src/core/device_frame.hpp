#pragma once
// A frame after import: pixels in the encoder's layout, either in host memory or in CUDA device
// memory, held in a pooled buffer. Dropping the DeviceFrame (or its `storage`) returns the
// buffer to its pool.
#include <array>
#include <cstdint>

#include "core/pixel_format.hpp"
#include "core/pool.hpp"

namespace zc {

enum class FrameMemory : uint8_t { Cpu, Cuda };

struct DeviceFrame {
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::NV12;  // NV12 / I420, or a packed RGB format (GPU path)
  FrameMemory memory = FrameMemory::Cpu;
  // Cpu: host pointers. Cuda: CUdeviceptr values. Unused planes are 0.
  std::array<uint64_t, 3> planes{};
  std::array<uint32_t, 3> pitches{};
  void* ready_event = nullptr;  // Cuda: CUevent recorded after the last write; wait on it before use
  int64_t pts_ns = 0;           // capture time (CLOCK_MONOTONIC)
  uint64_t sequence = 0;
  Storage storage;  // the pooled buffer behind planes[]

  // planes[] holds host addresses for Cpu frames and CUdeviceptr values for Cuda frames, hence
  // the integer → pointer conversion here.
  uint8_t* cpu_plane(size_t i) const {
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(planes[i]));  // NOLINT(performance-no-int-to-ptr)
  }
};

}  // namespace zc
