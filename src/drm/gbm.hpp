#pragma once
// GBM (libgbm.so.1) at run time, never linked, so one binary runs where it is missing: the
// loader, the DRM render node, a device on it and owned buffer objects that are real dmabufs.
// Mesa's libgbm picks the GPU vendor's backend. <gbm.h> is included for its types only.
//
// Used by the probe's dmabuf proof and by the test source's dmabuf mode.
#include <gbm.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace zc::drm::gbm {

// The entry points we use. Loaded once per process and never unloaded: the vendor backend
// libgbm loads may keep state around.
struct Api {
  decltype(&gbm_create_device) create_device = nullptr;
  decltype(&gbm_device_destroy) device_destroy = nullptr;
  decltype(&gbm_bo_create) bo_create = nullptr;
  decltype(&gbm_bo_create_with_modifiers) bo_create_with_modifiers = nullptr;  // may be missing (old libgbm)
  decltype(&gbm_bo_destroy) bo_destroy = nullptr;
  decltype(&gbm_bo_get_fd) bo_get_fd = nullptr;
  decltype(&gbm_bo_get_stride) bo_get_stride = nullptr;
  decltype(&gbm_bo_get_offset) bo_get_offset = nullptr;      // may be missing: offset 0
  decltype(&gbm_bo_get_modifier) bo_get_modifier = nullptr;  // may be missing: kModifierInvalid
  decltype(&gbm_bo_map) bo_map = nullptr;
  decltype(&gbm_bo_unmap) bo_unmap = nullptr;
};

// libgbm.so.1's entry points; the first call loads it (thread-safe), later calls return the same
// answer. Errc::not_found with the loader's reason when it cannot be loaded or lacks entry points.
Result<const Api*> load();

inline constexpr std::string_view kRenderNodeDir = "/dev/dri";

// The first renderD* in `dir` (sorted by name), e.g. "/dev/dri/renderD128"; Errc::not_found
// "no DRM render node (DIR/renderD*)" when there is none or `dir` does not exist. Tests pass
// another directory.
Result<std::string> find_render_node(std::string_view dir = kRenderNodeDir);

// The DRM nodes GBM may allocate on, in the order to try them: every renderD* (sorted by name),
// then every card* (sorted). Empty when there is none or `dir` does not exist.
std::vector<std::string> find_drm_nodes(std::string_view dir = kRenderNodeDir);

// A gbm_device on an opened render node. Outlives every Bo made on it.
class Device {
 public:
  // Opens `node` read-write and creates a gbm_device on it.
  static Result<Device> open(const Api& api, const std::string& node);

  Device(Device&& o) noexcept
      : api_(o.api_), fd_(std::move(o.fd_)), dev_(std::exchange(o.dev_, nullptr)), node_(std::move(o.node_)) {}
  Device& operator=(Device&& o) noexcept;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device() { reset(); }

  gbm_device* get() const { return dev_; }
  const Api& api() const { return *api_; }
  const std::string& node() const { return node_; }

 private:
  Device(const Api* api, UniqueFd fd, gbm_device* dev, std::string node)
      : api_(api), fd_(std::move(fd)), dev_(dev), node_(std::move(node)) {}
  void reset();

  const Api* api_ = nullptr;
  UniqueFd fd_;  // the gbm_device uses it: closed after the device is destroyed
  gbm_device* dev_ = nullptr;
  std::string node_;
};

// libgbm and a device on the first node of find_drm_nodes(dir) where GBM really allocates (a
// small LINEAR XRGB8888 buffer is made and dropped): render nodes first, then card nodes, since
// Mesa's software backend (kms_swrast on vgem or virtio_gpu) creates a device on a render node
// but allocates only on a card node (dumb buffers). Errc::not_found "no DRM node (DIR/renderD*,
// DIR/card*)" when there is none, the loader's error, or Errc::unsupported naming each node
// and why it failed.
Result<Device> open_first_device(std::string_view dir = kRenderNodeDir);

// Whether GBM allocates on `device` at all (a 64x64 LINEAR XRGB8888 buffer); the error says why not.
Result<void> check_allocates(const Device& device);

// A CPU mapping of a Bo (gbm_bo_map), unmapped on destruction. The stride is the mapping's, which
// may differ from the buffer's (a tiled buffer maps through a linear staging copy). Must not
// outlive its Bo.
class Mapping {
 public:
  Mapping() = default;
  Mapping(Mapping&& o) noexcept
      : api_(o.api_),
        bo_(std::exchange(o.bo_, nullptr)),
        map_data_(std::exchange(o.map_data_, nullptr)),
        data_(std::exchange(o.data_, nullptr)),
        stride_(std::exchange(o.stride_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  uint8_t* data() const { return data_; }
  uint32_t stride() const { return stride_; }
  void reset();

 private:
  friend class Bo;
  Mapping(const Api* api, gbm_bo* bo, void* map_data, uint8_t* data, uint32_t stride)
      : api_(api), bo_(bo), map_data_(map_data), data_(data), stride_(stride) {}

  const Api* api_ = nullptr;
  gbm_bo* bo_ = nullptr;
  void* map_data_ = nullptr;
  uint8_t* data_ = nullptr;
  uint32_t stride_ = 0;
};

// An owned buffer object (one plane) and an fd of its dmabuf. Must not outlive its Device.
class Bo {
 public:
  // A buffer of DRM `fourcc` with one of `modifiers` (gbm_bo_create_with_modifiers: the driver
  // picks). When that fails (or libgbm lacks it) and LINEAR is among them, a LINEAR buffer through
  // gbm_bo_create (create_linear). Errc::unsupported naming the modifiers when GBM refuses.
  static Result<Bo> create(const Device& dev, uint32_t width, uint32_t height, uint32_t fourcc,
                           std::span<const uint64_t> modifiers);
  static Result<Bo> create(const Device& dev, uint32_t width, uint32_t height, uint32_t fourcc, uint64_t modifier) {
    return create(dev, width, height, fourcc, std::span<const uint64_t>(&modifier, 1));
  }
  // A LINEAR buffer through gbm_bo_create: GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING, else
  // GBM_BO_USE_LINEAR alone.
  static Result<Bo> create_linear(const Device& dev, uint32_t width, uint32_t height, uint32_t fourcc);

  Bo(Bo&& o) noexcept
      : api_(o.api_),
        bo_(std::exchange(o.bo_, nullptr)),
        fd_(std::move(o.fd_)),
        width_(o.width_),
        height_(o.height_),
        linear_(o.linear_) {}
  Bo& operator=(Bo&& o) noexcept;
  Bo(const Bo&) = delete;
  Bo& operator=(const Bo&) = delete;
  ~Bo() { reset(); }

  gbm_bo* get() const { return bo_; }
  int fd() const { return fd_.get(); }  // owned by the Bo
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  uint32_t stride() const;
  uint32_t offset() const;
  // gbm_bo_get_modifier; LINEAR for a create_linear buffer whose driver reports none.
  uint64_t modifier() const;
  // The dmabuf's size in bytes (lseek to its end; offset + stride * height if that fails).
  uint64_t size() const;

  // Maps the whole buffer for the CPU. The default GBM_BO_TRANSFER_READ_WRITE keeps the current
  // content (a painter that only redraws what changed needs it).
  Result<Mapping> map(uint32_t transfer = GBM_BO_TRANSFER_READ_WRITE) const;

 private:
  Bo(const Api* api, gbm_bo* bo, uint32_t width, uint32_t height, bool linear)
      : api_(api), bo_(bo), width_(width), height_(height), linear_(linear) {}
  static Result<Bo> finish(const Api& api, gbm_bo* bo, uint32_t width, uint32_t height, bool linear);
  void reset();

  const Api* api_ = nullptr;
  gbm_bo* bo_ = nullptr;
  UniqueFd fd_;
  uint32_t width_ = 0;
  uint32_t height_ = 0;
  bool linear_ = false;
};

// "0x..." for a modifier, and a DRM fourcc as its four characters ("XR24").
std::string modifier_hex(uint64_t modifier);
std::string fourcc_name(uint32_t fourcc);

}  // namespace zc::drm::gbm
