#pragma once
// Where DmaBuf mode's buffers come from (Options::dmabuf_allocator): real dmabufs from GBM on a
// DRM render node, or memfds typed as dmabufs. Internal to zc_testsrc (its unit tests use it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/mapping.hpp"
#include "core/pixel_format.hpp"
#include "core/unique_fd.hpp"
#include "testsrc/options.hpp"
#include "zerocopy/gbm/gbm.hpp"

namespace zc::testsrc {

struct DmabufBackend {
  std::optional<zerocopy::gbm::Device> gbm;  // set: buffers from GBM
  UniqueFd udmabuf;                          // set: buffers from /dev/udmabuf; neither: memfds
  std::string unavailable;                   // Auto without GBM: why (no render node, no libgbm, ...)
};

inline constexpr std::string_view kUdmabufDevice = "/dev/udmabuf";

// Resolves the allocator when the source starts: MemFd → memfds; Auto → GBM on the first DRM
// node in `render_node_dir` where GBM allocates (render nodes, then card nodes: Mesa's software
// backend allocates only on card nodes), else memfds and the reason; Gbm → GBM, or an error naming
// what is missing ("... no DRM node (/dev/dri/renderD*, /dev/dri/card*)").
// Udmabuf → /dev/udmabuf, or an error naming why it does not open.
Result<DmabufBackend> open_dmabuf_backend(DmabufAllocator allocator, std::string_view render_node_dir);

// One GBM buffer of `format` (its DRM fourcc) with exactly `modifier`; Errc::unsupported naming
// the size, fourcc and modifier when GBM cannot allocate it.
Result<zerocopy::gbm::Bo> allocate_gbm_buffer(const zerocopy::gbm::Device& device, uint32_t width, uint32_t height,
                                              PixelFormat format, uint64_t modifier);

// A udmabuf: a sealed memfd of at least `size` bytes (rounded up to pages), mapped for the
// painter, and the dmabuf exported from its pages. The dmabuf is what consumers get.
struct Udmabuf {
  UniqueFd memfd;
  UniqueFd dmabuf;
  Mapping map;  // of the memfd, read-write
};
Result<Udmabuf> allocate_udmabuf(int udmabuf_device, size_t size);

// DMA_BUF_IOCTL_SYNC around a CPU write of a dmabuf (start, then end). Errors are ignored: the
// bytes are written either way; a dmabuf without caches to flush (udmabuf) has nothing to lose.
void sync_dmabuf_write(int dmabuf_fd, bool start);

}  // namespace zc::testsrc
