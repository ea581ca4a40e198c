#pragma once
// Copies a CUDA DeviceFrame's planes to host memory, tight (tests, probe, bench: never on the
// frame path). Waits on the frame's ready event first.
#include <cstdint>
#include <vector>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "cuda/cuda_context.hpp"

namespace zc::cuda {

Result<std::vector<std::vector<uint8_t>>> download_planes(const CudaContext& ctx, const DeviceFrame& frame);

}  // namespace zc::cuda
