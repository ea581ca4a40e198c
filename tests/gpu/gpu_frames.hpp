#pragma once
// What the GPU encode cases share: one CUDA context, a moving NV12 pattern, pooled CUDA frames
// holding it (as an importer leaves them), and host copies of decoded pictures.
#include <cstdint>
#include <memory>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
}

#include "core/device_frame.hpp"
#include "cuda/cuda_context.hpp"
#include "cuda/frame_pool.hpp"

namespace zc::test::gpu {

constexpr uint32_t kW = 640, kH = 360;

std::shared_ptr<zc::cuda::CudaContext> encode_cuda();
// Host NV12 planes (kW x kH) with a pattern that moves with `index`.
std::vector<std::vector<uint8_t>> pattern_nv12(uint32_t index);
// A pooled CUDA frame holding `planes`, its ready event recorded after the upload.
DeviceFrame cuda_frame(zc::cuda::FramePool& pool, const std::vector<std::vector<uint8_t>>& planes);
// Tight host copy of a decoded picture's first two planes (NV12's two, or 4:2:0's Y and U).
std::vector<std::vector<uint8_t>> planes_of(const AVFrame& f);

}  // namespace zc::test::gpu
