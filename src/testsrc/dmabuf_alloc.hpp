#pragma once
// Where DmaBuf mode's buffers come from (Options::dmabuf_allocator): real dmabufs from GBM on a
// DRM render node, or memfds typed as dmabufs. Internal to zc_testsrc (its unit tests use it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/pixel_format.hpp"
#include "testsrc/options.hpp"
#include "zerocopy/gbm/gbm.hpp"

namespace zc::testsrc {

struct DmabufBackend {
  std::optional<zerocopy::gbm::Device> gbm;  // set: buffers from GBM; empty: memfds
  std::string unavailable;                   // Auto without GBM: why (no render node, no libgbm, ...)
};

// Resolves the allocator when the source starts: MemFd → memfds; Auto → GBM on the first
// renderD* in `render_node_dir` if libgbm loads and the node opens, else memfds and the reason;
// Gbm → GBM, or an error naming what is missing ("... no DRM render node (/dev/dri/renderD*)").
Result<DmabufBackend> open_dmabuf_backend(DmabufAllocator allocator, std::string_view render_node_dir);

// One GBM buffer of `format` (its DRM fourcc) with exactly `modifier`; Errc::unsupported naming
// the size, fourcc and modifier when GBM cannot allocate it.
Result<zerocopy::gbm::Bo> allocate_gbm_buffer(const zerocopy::gbm::Device& device, uint32_t width, uint32_t height,
                                              PixelFormat format, uint64_t modifier);

}  // namespace zc::testsrc
