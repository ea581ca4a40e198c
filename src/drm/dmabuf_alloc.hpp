#pragma once
// Real dmabufs to write into: GBM buffer objects with an exact modifier, and udmabufs (a sealed
// memfd's pages exported as a dmabuf). The test source paints its frames into them; tests make
// them to feed the importers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "core/mapping.hpp"
#include "core/pixel_format.hpp"
#include "core/unique_fd.hpp"
#include "drm/gbm.hpp"

namespace zc::drm {

inline constexpr std::string_view kUdmabufDevice = "/dev/udmabuf";

// One GBM buffer of `format` (its DRM fourcc) with exactly `modifier`; Errc::unsupported naming
// the size, fourcc and modifier when GBM cannot allocate it.
Result<gbm::Bo> allocate_gbm_buffer(const gbm::Device& device, uint32_t width, uint32_t height, PixelFormat format,
                                    uint64_t modifier);

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

}  // namespace zc::drm
