#include "cuda/download.hpp"

#include "cuda/layout.hpp"

namespace zc::cuda {

Result<std::vector<std::vector<uint8_t>>> download_planes(const CudaContext& ctx, const DeviceFrame& frame) {
  if (frame.memory != zc::FrameMemory::Cuda) return fail(Errc::invalid_argument, "zerocopy:cuda", "not a CUDA frame");
  auto layout = frame_layout(frame.width, frame.height, frame.format);
  if (!layout) return tl::unexpected(layout.error());
  CudaContext::Scope scope(ctx);
  const CudaApi& cu = ctx.api();
  if (frame.ready_event)
    if (auto r = cu.cuEventSynchronize(static_cast<CUevent>(frame.ready_event)); r != CUDA_SUCCESS)
      return tl::unexpected(cu.error(r, "cuEventSynchronize(ready)"));
  std::vector<std::vector<uint8_t>> planes;
  for (uint32_t p = 0; p < layout->planes; ++p) {
    std::vector<uint8_t> host(size_t{layout->row_bytes[p]} * layout->rows[p]);
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    c.srcDevice = frame.planes[p];
    c.srcPitch = frame.pitches[p];
    c.dstMemoryType = CU_MEMORYTYPE_HOST;
    c.dstHost = host.data();
    c.dstPitch = layout->row_bytes[p];
    c.WidthInBytes = layout->row_bytes[p];
    c.Height = layout->rows[p];
    if (auto r = cu.cuMemcpy2D(&c); r != CUDA_SUCCESS) return tl::unexpected(cu.error(r, "cuMemcpy2D(download)"));
    planes.push_back(std::move(host));
  }
  return planes;
}

}  // namespace zc::cuda
