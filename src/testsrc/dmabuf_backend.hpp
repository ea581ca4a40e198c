#pragma once
// Where DmaBuf mode's buffers come from (Options::dmabuf_allocator): real dmabufs from GBM on a
// DRM node or from /dev/udmabuf (zc::drm allocates them), or memfds typed as dmabufs. Internal to
// zc_testsrc (its unit tests use it).
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "drm/gbm.hpp"
#include "testsrc/options.hpp"

namespace zc::testsrc {

struct DmabufBackend {
  std::optional<drm::gbm::Device> gbm;  // set: buffers from GBM
  UniqueFd udmabuf;                     // set: buffers from /dev/udmabuf; neither: memfds
  std::string unavailable;              // Auto without GBM: why (no render node, no libgbm, ...)
};

// Resolves the allocator when the source starts: MemFd → memfds; Auto → GBM on the first DRM
// node in `render_node_dir` where GBM allocates (render nodes, then card nodes: Mesa's software
// backend allocates only on card nodes), else memfds and the reason; Gbm → GBM, or an error naming
// what is missing ("... no DRM node (/dev/dri/renderD*, /dev/dri/card*)").
// Udmabuf → /dev/udmabuf, or an error naming why it does not open.
Result<DmabufBackend> open_dmabuf_backend(DmabufAllocator allocator, std::string_view render_node_dir);

}  // namespace zc::testsrc
