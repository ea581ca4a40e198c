#include "testsrc/dmabuf_alloc.hpp"

#include <fmt/format.h>

namespace zc::testsrc {

namespace gbm = zerocopy::gbm;

Result<DmabufBackend> open_dmabuf_backend(DmabufAllocator allocator, std::string_view render_node_dir) {
  DmabufBackend backend;
  if (allocator == DmabufAllocator::MemFd) return backend;
  auto device = gbm::open_first_device(render_node_dir);
  if (device) {
    backend.gbm = std::move(*device);
    return backend;
  }
  if (allocator == DmabufAllocator::Gbm) {
    return fail(Errc::unsupported, "test-source", "dmabuf allocator gbm: " + device.error().message);
  }
  backend.unavailable = device.error().message;
  return backend;
}

Result<gbm::Bo> allocate_gbm_buffer(const gbm::Device& device, uint32_t width, uint32_t height, PixelFormat format,
                                    uint64_t modifier) {
  const uint32_t fourcc = drm_fourcc(format);
  if (fourcc == 0) {
    return fail(Errc::unsupported, "test-source", fmt::format("{} has no DRM fourcc for GBM", zc::to_string(format)));
  }
  auto bo = gbm::Bo::create(device, width, height, fourcc, modifier);
  if (!bo) {
    return fail(Errc::unsupported, "test-source", "GBM: " + bo.error().message);
  }
  // One modifier asked for, so the driver has no choice; one that reports another is a bug there.
  if (const uint64_t got = bo->modifier(); got != modifier && got != kModifierInvalid) {
    return fail(Errc::internal, "test-source",
                fmt::format("GBM allocated modifier {} when asked for {}", gbm::modifier_hex(got),
                            gbm::modifier_hex(modifier)));
  }
  if (bo->stride() < width * 4) {
    return fail(Errc::internal, "test-source", fmt::format("GBM buffer stride {} below {}", bo->stride(), width * 4));
  }
  return bo;
}

}  // namespace zc::testsrc
