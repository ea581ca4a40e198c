#pragma once
// A frame after import: pixels in the encoder's layout, held in a pooled buffer of some kind of
// memory. Dropping the DeviceFrame (or its `storage`) returns the buffer to its pool.
//
// The kind of memory says who can read the frame and how: an encoder names the kind it takes
// (encode::InputSpec::memory), an importer makes frames of that kind (zerocopy::ImportTarget),
// and the encoder's input path goes by the frame's kind (host memory is uploaded or wrapped, CUDA
// memory is copied into FFmpeg's hw frames). A new device path (a VA-API surface) is a new kind
// here, an importer that makes it and an encoder that takes it; nothing in between changes (VA
// surfaces came so: vaapi/, zerocopy/vaapi/, encode/vaapi_encoder.cpp).
#include <array>
#include <cstdint>
#include <string_view>

#include "core/colour.hpp"
#include "core/pixel_format.hpp"
#include "core/pool.hpp"

namespace zc {

enum class FrameMemory : uint8_t {
  Cpu,     // host memory: planes[] are addresses
  Cuda,    // CUDA device memory: planes[] are CUdeviceptr values; ready_event a CUevent
  Dmabuf,  // dma-buf planes: fds[] with planes[] their byte offsets and `modifier` the DRM layout
  Vaapi,   // a VA surface: planes[0] is its VASurfaceID; `storage` holds the pooled surface
};
std::string_view to_string(FrameMemory memory);  // "host", "CUDA", "dmabuf", "VA surface"

struct DeviceFrame {
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::NV12;  // NV12 / I420 (P010 / I010), or a packed RGB format
  FrameMemory memory = FrameMemory::Cpu;
  Colour colour = kBt601Limited;  // YUV formats: what the samples mean (the encoder tags the stream so)
  // Cpu: host pointers. Cuda: CUdeviceptr values. Dmabuf: offsets into fds[]. Unused planes are 0.
  std::array<uint64_t, 3> planes{};
  std::array<uint32_t, 3> pitches{};
  std::array<int, 3> fds{-1, -1, -1};  // Dmabuf: the planes' dma-bufs, owned by `storage`
  uint64_t modifier = 0;               // Dmabuf: the DRM format modifier of the planes
  // Cuda: the CUevent recorded after the last write; wait on it before use. Other kinds: null
  // (host memory is written when the frame is made; a dmabuf's writes carry their own fences).
  void* ready_event = nullptr;
  int64_t pts_ns = 0;  // capture time (CLOCK_MONOTONIC)
  uint64_t sequence = 0;
  Storage storage;  // the pooled buffer behind planes[]

  // planes[] holds host addresses for Cpu frames and CUdeviceptr values for Cuda frames, hence
  // the integer → pointer conversion here.
  uint8_t* cpu_plane(size_t i) const {
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(planes[i]));  // NOLINT(performance-no-int-to-ptr)
  }
};

}  // namespace zc
