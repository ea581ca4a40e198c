#include "gpu_frames.hpp"

#include <catch2/catch.hpp>

#include "cuda/layout.hpp"

namespace zc::test::gpu {

std::shared_ptr<zc::cuda::CudaContext> encode_cuda() {
  static std::shared_ptr<zc::cuda::CudaContext> ctx = [] {
    auto api = zc::cuda::load_cuda();
    REQUIRE(api);
    auto c = zc::cuda::CudaContext::create(*api, 0);
    REQUIRE(c);
    return *c;
  }();
  return ctx;
}

std::vector<std::vector<uint8_t>> pattern_nv12(uint32_t index) {
  std::vector<std::vector<uint8_t>> planes(2);
  planes[0].resize(size_t{kW} * kH);
  planes[1].resize(size_t{kW} * (kH / 2));
  for (uint32_t y = 0; y < kH; ++y)
    for (uint32_t x = 0; x < kW; ++x)
      planes[0][size_t{y} * kW + x] = static_cast<uint8_t>(16 + ((x / 4 + y / 4 + 3 * index) % 200));
  for (uint32_t y = 0; y < kH / 2; ++y)
    for (uint32_t x = 0; x < kW / 2; ++x) {
      planes[1][size_t{y} * kW + 2 * x] = static_cast<uint8_t>(64 + ((x / 8 + index) % 128));
      planes[1][size_t{y} * kW + 2 * x + 1] = static_cast<uint8_t>(64 + ((y / 8 + index) % 128));
    }
  return planes;
}

DeviceFrame cuda_frame(zc::cuda::FramePool& pool, const std::vector<std::vector<uint8_t>>& planes) {
  auto layout = zc::cuda::frame_layout(kW, kH, PixelFormat::NV12);
  REQUIRE(layout);
  auto lease = pool.acquire(*layout);
  REQUIRE(lease);
  DeviceFrame f = zc::cuda::FramePool::to_device_frame(std::move(*lease), zc::FrameMemory::Cuda);
  const zc::cuda::CudaContext& ctx = *encode_cuda();
  zc::cuda::CudaContext::Scope scope(ctx);
  for (uint32_t p = 0; p < 2; ++p) {
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_HOST;
    c.srcHost = planes[p].data();
    c.srcPitch = kW;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = f.planes[p];
    c.dstPitch = f.pitches[p];
    c.WidthInBytes = kW;
    c.Height = p == 0 ? kH : kH / 2;
    REQUIRE(ctx.check(ctx.api().cuMemcpy2DAsync(&c, ctx.stream()), "upload"));
  }
  REQUIRE(ctx.check(ctx.api().cuEventRecord(static_cast<CUevent>(f.ready_event), ctx.stream()), "record"));
  return f;
}

std::vector<std::vector<uint8_t>> planes_of(const AVFrame& f) {
  std::vector<std::vector<uint8_t>> planes(2);
  for (int p = 0; p < 2; ++p) {
    const int rows = p == 0 ? f.height : f.height / 2;
    for (int y = 0; y < rows; ++y) {
      const uint8_t* row = f.data[p] + static_cast<ptrdiff_t>(y) * f.linesize[p];
      planes[p].insert(planes[p].end(), row, row + f.width);
    }
  }
  return planes;
}

}  // namespace zc::test::gpu
