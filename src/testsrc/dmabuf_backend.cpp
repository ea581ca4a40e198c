#include "testsrc/dmabuf_backend.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "drm/dmabuf_alloc.hpp"

namespace zc::testsrc {

namespace gbm = drm::gbm;

Result<DmabufBackend> open_dmabuf_backend(DmabufAllocator allocator, std::string_view render_node_dir) {
  DmabufBackend backend;
  if (allocator == DmabufAllocator::MemFd) return backend;
  if (allocator == DmabufAllocator::Udmabuf) {
    backend.udmabuf = UniqueFd(::open(std::string(drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
    if (!backend.udmabuf) {
      return fail(
          Errc::unsupported, "test-source",
          fmt::format("dmabuf allocator udmabuf: cannot open {}: {}", drm::kUdmabufDevice, std::strerror(errno)));
    }
    return backend;
  }
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

}  // namespace zc::testsrc
