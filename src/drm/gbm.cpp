#include "drm/gbm.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "core/pixel_format.hpp"

namespace zc::drm::gbm {
namespace {

constexpr const char* kStage = "gbm";

Result<Api> load_now() {
  void* lib = dlopen("libgbm.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    return fail(Errc::not_found, kStage, e ? e : "cannot load libgbm.so.1");
  }
  Api a;
#define ZC_GBM(member, name) a.member = reinterpret_cast<decltype(a.member)>(dlsym(lib, #name));
  ZC_GBM(create_device, gbm_create_device)
  ZC_GBM(device_destroy, gbm_device_destroy)
  ZC_GBM(bo_create, gbm_bo_create)
  ZC_GBM(bo_create_with_modifiers, gbm_bo_create_with_modifiers)
  ZC_GBM(bo_destroy, gbm_bo_destroy)
  ZC_GBM(bo_get_fd, gbm_bo_get_fd)
  ZC_GBM(bo_get_stride, gbm_bo_get_stride)
  ZC_GBM(bo_get_offset, gbm_bo_get_offset)
  ZC_GBM(bo_get_modifier, gbm_bo_get_modifier)
  ZC_GBM(bo_map, gbm_bo_map)
  ZC_GBM(bo_unmap, gbm_bo_unmap)
#undef ZC_GBM
  if (!a.create_device || !a.device_destroy || !a.bo_create || !a.bo_destroy || !a.bo_get_fd || !a.bo_get_stride ||
      !a.bo_map || !a.bo_unmap) {
    // Not dlclosed: harmless, and a vendor backend may already be loaded.
    return fail(Errc::not_found, kStage, "libgbm.so.1 lacks entry points");
  }
  return a;
}

std::string modifier_list(std::span<const uint64_t> modifiers) {
  std::string out;
  for (const uint64_t m : modifiers)
    out += (out.empty() ? "" : ", ") + modifier_hex(m);
  return out;
}

// The entries of `dir` whose names start with `prefix`, sorted.
std::vector<std::string> nodes_named(std::string_view dir, std::string_view prefix) {
  std::error_code ec;
  std::vector<std::string> nodes;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(dir), ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) nodes.push_back(e.path().string());
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

}  // namespace

Result<const Api*> load() {
  static const Result<Api> loaded = load_now();
  if (!loaded) return tl::unexpected(loaded.error());
  return &*loaded;
}

Result<std::string> find_render_node(std::string_view dir) {
  auto nodes = nodes_named(dir, "renderD");
  if (nodes.empty()) return fail(Errc::not_found, kStage, fmt::format("no DRM render node ({}/renderD*)", dir));
  return nodes.front();
}

std::vector<std::string> find_drm_nodes(std::string_view dir) {
  auto nodes = nodes_named(dir, "renderD");
  auto cards = nodes_named(dir, "card");
  nodes.insert(nodes.end(), cards.begin(), cards.end());
  return nodes;
}

Result<Device> Device::open(const Api& api, const std::string& node) {
  UniqueFd fd(::open(node.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return fail(Errc::not_found, kStage, fmt::format("cannot open {}: {}", node, std::strerror(errno)));
  gbm_device* dev = api.create_device(fd.get());
  if (!dev) return fail(Errc::gpu, kStage, "gbm_create_device failed on " + node);
  return Device(&api, std::move(fd), dev, node);
}

Device& Device::operator=(Device&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    fd_ = std::move(o.fd_);
    dev_ = std::exchange(o.dev_, nullptr);
    node_ = std::move(o.node_);
  }
  return *this;
}

void Device::reset() {
  if (dev_) api_->device_destroy(dev_);
  dev_ = nullptr;
  fd_.reset();
}

Result<void> check_allocates(const Device& device) {
  constexpr uint32_t kSide = 64;
  auto bo = Bo::create_linear(device, kSide, kSide, GBM_FORMAT_XRGB8888);
  if (!bo) return tl::unexpected(bo.error());
  return {};
}

Result<Device> open_first_device(std::string_view dir) {
  const auto nodes = find_drm_nodes(dir);
  if (nodes.empty()) return fail(Errc::not_found, kStage, fmt::format("no DRM node ({0}/renderD*, {0}/card*)", dir));
  auto api = load();
  if (!api) return tl::unexpected(api.error());
  std::string why;
  for (const auto& node : nodes) {
    auto device = Device::open(**api, node);
    if (device) {
      auto allocates = check_allocates(*device);
      if (allocates) return device;
      why += fmt::format("{}{}", why.empty() ? "" : "; ", allocates.error().message);
    } else {
      why += fmt::format("{}{}", why.empty() ? "" : "; ", device.error().message);
    }
  }
  return fail(Errc::unsupported, kStage, "GBM allocates on no DRM node: " + why);
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    bo_ = std::exchange(o.bo_, nullptr);
    map_data_ = std::exchange(o.map_data_, nullptr);
    data_ = std::exchange(o.data_, nullptr);
    stride_ = std::exchange(o.stride_, 0);
  }
  return *this;
}

void Mapping::reset() {
  if (bo_) api_->bo_unmap(bo_, map_data_);
  bo_ = nullptr;
  map_data_ = nullptr;
  data_ = nullptr;
  stride_ = 0;
}

Result<Bo> Bo::finish(const Api& api, gbm_bo* bo, uint32_t width, uint32_t height, bool linear) {
  Bo out(&api, bo, width, height, linear);
  out.fd_ = UniqueFd(api.bo_get_fd(bo));  // a new fd each call, ours to close
  if (!out.fd_) return fail(Errc::gpu, kStage, "gbm_bo_get_fd failed");
  return out;
}

Result<Bo> Bo::create(const Device& dev, uint32_t width, uint32_t height, uint32_t fourcc,
                      std::span<const uint64_t> modifiers) {
  const Api& api = dev.api();
  if (api.bo_create_with_modifiers && !modifiers.empty()) {
    gbm_bo* bo = api.bo_create_with_modifiers(dev.get(), width, height, fourcc, modifiers.data(),
                                              static_cast<unsigned>(modifiers.size()));
    if (bo) return finish(api, bo, width, height, false);
  }
  // Drivers (and libgbm) without modifier support still make LINEAR buffers the old way.
  if (std::find(modifiers.begin(), modifiers.end(), kModifierLinear) != modifiers.end())
    return create_linear(dev, width, height, fourcc);
  return fail(Errc::unsupported, kStage,
              fmt::format("{} cannot allocate {}x{} {} with modifier {}", dev.node(), width, height,
                          fourcc_name(fourcc), modifier_list(modifiers)));
}

Result<Bo> Bo::create_linear(const Device& dev, uint32_t width, uint32_t height, uint32_t fourcc) {
  const Api& api = dev.api();
  gbm_bo* bo = api.bo_create(dev.get(), width, height, fourcc, GBM_BO_USE_LINEAR | GBM_BO_USE_RENDERING);
  if (!bo) bo = api.bo_create(dev.get(), width, height, fourcc, GBM_BO_USE_LINEAR);
  if (!bo) {
    return fail(Errc::unsupported, kStage,
                fmt::format("{} cannot allocate a LINEAR {}x{} {}", dev.node(), width, height, fourcc_name(fourcc)));
  }
  return finish(api, bo, width, height, true);
}

Bo& Bo::operator=(Bo&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    bo_ = std::exchange(o.bo_, nullptr);
    fd_ = std::move(o.fd_);
    width_ = o.width_;
    height_ = o.height_;
    linear_ = o.linear_;
  }
  return *this;
}

void Bo::reset() {
  fd_.reset();
  if (bo_) api_->bo_destroy(bo_);
  bo_ = nullptr;
}

uint32_t Bo::stride() const {
  return api_->bo_get_stride(bo_);
}

uint32_t Bo::offset() const {
  return api_->bo_get_offset ? api_->bo_get_offset(bo_, 0) : 0;
}

uint64_t Bo::modifier() const {
  const uint64_t m = api_->bo_get_modifier ? api_->bo_get_modifier(bo_) : kModifierInvalid;
  return m == kModifierInvalid && linear_ ? kModifierLinear : m;
}

uint64_t Bo::size() const {
  const uint64_t minimum = uint64_t{offset()} + uint64_t{stride()} * height_;
  const off_t end = ::lseek(fd_.get(), 0, SEEK_END);
  ::lseek(fd_.get(), 0, SEEK_SET);
  return end > 0 ? static_cast<uint64_t>(end) : minimum;
}

Result<Mapping> Bo::map(uint32_t transfer) const {
  uint32_t stride = 0;
  void* map_data = nullptr;
  void* ptr = api_->bo_map(bo_, 0, 0, width_, height_, transfer, &stride, &map_data);
  if (!ptr) return fail(Errc::gpu, kStage, fmt::format("gbm_bo_map failed: {}", std::strerror(errno)));
  return Mapping(api_, bo_, map_data, static_cast<uint8_t*>(ptr), stride);
}

std::string modifier_hex(uint64_t modifier) {
  return fmt::format("{:#x}", modifier);
}

std::string fourcc_name(uint32_t fourcc) {
  std::string s(4, ' ');
  for (size_t i = 0; i < 4; ++i)
    s[i] = static_cast<char>((fourcc >> (8 * i)) & 0xff);
  return s;
}

}  // namespace zc::drm::gbm
