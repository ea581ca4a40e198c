// The GPU bridges' dmabuf import on Mesa 25, from real dmabufs (the vm tests' guest; skipped where
// there is none): the EGL bridge's eglCreateImage(EGL_LINUX_DMA_BUF_EXT) on llvmpipe
// (import_dmabuf_texture, the importer's own code) and the Vulkan bridge's dmabuf VkBuffer import
// on lavapipe (VkOwnedBuffer::import_dmabuf), each through its pass, compared with libyuv. The CUDA
// half of each bridge is proven on the GPU machine.
//
// What Mesa 25 does in the guest (measured): llvmpipe's software EGL device and lavapipe import a
// udmabuf and convert it exactly; llvmpipe on the DRM device (kms_swrast on vgem) refuses every
// dmabuf (EGL_BAD_ALLOC), lavapipe refuses a vgem dumb buffer from GBM
// (VK_ERROR_INVALID_EXTERNAL_HANDLE), and llvmpipe's software device imports that dumb buffer but
// samples it black (not asserted: a Mesa matter, not ours). Where Mesa refuses, the tests show the
// driver's error as a rejection and the import chain's fallback: the same frame read by the CPU
// path, none lost, and the (format, modifier) sent back to negotiation.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <cstring>
#include <optional>
#include <string_view>

#include "drm/dmabuf_alloc.hpp"
#include "drm/gbm.hpp"
#include "support/skip.hpp"
#include "yuv_reference.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/cuda_bridge/gl/dmabuf_image.hpp"
#include "zerocopy/cuda_bridge/gl/gl_pass.hpp"
#include "zerocopy/cuda_bridge/modifiers.hpp"
#include "zerocopy/cuda_bridge/vk/vk_pass.hpp"
#include "zerocopy/import_chain.hpp"

using namespace zc;
using namespace zc::zerocopy::cuda_bridge;

namespace {

constexpr uint32_t kW = 200, kH = 120;
constexpr uint32_t kUdmabufStride = kW * 4 + 64;
constexpr VkMemoryPropertyFlags kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

// RGBA as a LINEAR BGRx image with `stride` (padding 0xEE, X bytes 0x11).
std::vector<uint8_t> to_bgrx(const std::vector<uint8_t>& rgba, uint32_t stride) {
  std::vector<uint8_t> out(size_t{stride} * kH, 0xEE);
  for (uint32_t y = 0; y < kH; ++y)
    for (uint32_t x = 0; x < kW; ++x) {
      const uint8_t* s = &rgba[(size_t{y} * kW + x) * 4];
      uint8_t* d = &out[size_t{y} * stride + x * 4];
      d[0] = s[2];
      d[1] = s[1];
      d[2] = s[0];
      d[3] = 0x11;
    }
  return out;
}

// A real dmabuf holding `rgba` as LINEAR BGRx: a udmabuf, or a GBM buffer (a dumb buffer of the
// first DRM node where Mesa's GBM allocates, as a producer on this GPU would make it).
enum class Source { udmabuf, gbm };
std::string_view to_string(Source s) {
  return s == Source::gbm ? "GBM" : "udmabuf";
}

struct RealDmabuf {
  UniqueFd device;
  std::optional<drm::Udmabuf> udmabuf;
  std::optional<drm::gbm::Device> gbm_device;
  std::optional<drm::gbm::Bo> bo;
  uint32_t stride = 0;

  int fd() const { return bo ? bo->fd() : udmabuf->dmabuf.get(); }
  uint64_t size() const { return bo ? bo->size() : udmabuf->map.size(); }
  Frame frame() const {
    Frame f;
    f.buffer_id = 1;
    f.width = kW;
    f.height = kH;
    f.format = PixelFormat::BGRx;
    f.memory = MemoryKind::DmaBuf;
    f.modifier = kModifierLinear;
    f.plane_count = 1;
    f.planes[0] = DmaBufPlane{fd(), bo ? bo->offset() : 0, stride, size()};
    return f;
  }
};

// nullopt (and why, in `why`) when this machine cannot make one.
std::optional<RealDmabuf> make_dmabuf(Source source, const std::vector<uint8_t>& rgba, std::string& why) {
  RealDmabuf d;
  if (source == Source::udmabuf) {
    d.device = UniqueFd(::open(std::string(zc::drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
    if (!d.device) {
      why = "no /dev/udmabuf";
      return std::nullopt;
    }
    d.stride = kUdmabufStride;
    const auto bytes = to_bgrx(rgba, d.stride);
    auto buf = zc::drm::allocate_udmabuf(d.device.get(), bytes.size());
    REQUIRE(buf);
    std::memcpy(buf->map.data(), bytes.data(), bytes.size());
    d.udmabuf = std::move(*buf);
    return d;
  }
  auto dev = drm::gbm::open_first_device();
  if (!dev) {
    why = dev.error().message;
    return std::nullopt;
  }
  d.gbm_device = std::move(*dev);
  auto bo = drm::gbm::Bo::create_linear(*d.gbm_device, kW, kH, drm_fourcc(PixelFormat::BGRx));
  REQUIRE(bo);
  d.stride = bo->stride();
  {
    auto map = bo->map(GBM_BO_TRANSFER_WRITE);
    REQUIRE(map);
    const auto bytes = to_bgrx(rgba, map->stride());
    std::memcpy(map->data(), bytes.data(), bytes.size());
  }
  d.bo = std::move(*bo);
  return d;
}

// The outputs each bridge is checked in: packed RGB, libyuv's BT.601 limited in both 4:2:0 layouts,
// then HD's BT.709 at either range (held to the CPU rows).
struct Out {
  PixelFormat format;
  Colour colour;
};
const std::vector<Out> kOutputs = {{PixelFormat::BGRx, kBt601Limited},
                                   {PixelFormat::NV12, kBt601Limited},
                                   {PixelFormat::I420, kBt601Limited},
                                   {PixelFormat::NV12, {ColourMatrix::BT709, ColourRange::Limited}},
                                   {PixelFormat::I420, {ColourMatrix::BT709, ColourRange::Full}}};

std::vector<std::vector<uint8_t>> reference(const std::vector<uint8_t>& rgba, const Out& out) {
  if (is_packed_rgb(out.format)) return {test::packed_reference(rgba, out.format)};
  if (out.colour == kBt601Limited) return test::libyuv_planes(rgba, kW, kH, out.format);
  return test::cpu_rows_planes(rgba, kW, kH, out.format, out.colour);
}

}  // namespace

TEST_CASE("EGL bridge: a udmabuf imported by eglCreateImage on llvmpipe converts exactly like libyuv", "[vm]") {
  const Source source = Source::udmabuf;
  const auto rgba = test::noise_rgba(kW, kH, 7);
  std::string why;
  const auto dmabuf = make_dmabuf(source, rgba, why);
  if (!dmabuf) ZC_SKIP("no real dmabuf here: " + why);
  auto api = load_egl();
  if (!api) ZC_SKIP("no EGL here: " + api.error().describe());
  GlContextOptions o;
  o.allow_software = true;
  o.software_first = true;  // llvmpipe's own device: the DRM one (kms_swrast) refuses dmabufs
  auto gl = GlContext::create(*api, o);
  if (!gl) ZC_SKIP("no EGL device with GLES 3.1: " + gl.error().describe());
  REQUIRE((*gl)->make_current());
  INFO("GL renderer: " << (*gl)->gl_renderer() << " (EGL device " << (*gl)->device().index
                       << ((*gl)->device().software ? ", software" : ", DRM ") << (*gl)->device().drm_render_node
                       << "); source " << to_string(source));
  REQUIRE((*gl)->has_egl_extension("EGL_EXT_image_dma_buf_import"));
  // LINEAR as the driver lists it (external-only ones are sampled as GL_TEXTURE_EXTERNAL_OES, as the
  // importer does).
  const auto listed = (*gl)->dmabuf_modifiers(drm_fourcc(PixelFormat::BGRx));
  const bool external = is_external_only(listed, kModifierLinear);
  auto tex = import_dmabuf_texture(**gl, dmabuf->frame(), external);
  if (!tex) {
    // Mesa refused it: the driver's error, as a rejection (capture renegotiates without LINEAR).
    CHECK(tex.error().code == Errc::rejected);
    FAIL("Mesa refused the dmabuf import: " << tex.error().describe());
  }
  auto pass = GlPass::create(**gl, PassKind::Compute);
  REQUIRE(pass);
  for (const Out& o : kOutputs) {
    INFO("output " << zc::to_string(o.format) << " " << describe(o.colour) << (external ? " (external sampler)" : ""));
    auto layout = cuda::frame_layout(kW, kH, o.format);
    REQUIRE(layout);
    auto out = create_output_texture(**gl, *layout);
    REQUIRE(out);
    PassSource src;
    src.texture = tex->texture.id();
    src.target = external ? GL_TEXTURE_EXTERNAL_OES : GL_TEXTURE_2D;
    src.width = kW;
    src.height = kH;
    auto ok = (*pass)->run(src, out->id(), *layout, Rect{0, 0, kW, kH}, nullptr, o.colour);
    INFO((ok ? std::string() : ok.error().describe()));
    REQUIRE(ok);
    auto grid = (*pass)->read_texture(out->id(), layout->grid_w, layout->grid_h);
    REQUIRE(grid);
    const auto got = test::unpack_grid(*grid, *layout);
    const auto want = reference(rgba, o);
    REQUIRE(got.size() == want.size());
    for (size_t p = 0; p < got.size(); ++p) {
      INFO("plane " << p);
      CHECK(test::count_diff(got[p], want[p]) == 0);
    }
  }
}

TEST_CASE("EGL bridge: a dmabuf Mesa cannot import is a rejection naming the driver's error", "[vm]") {
  std::string why;
  const auto dmabuf = make_dmabuf(Source::udmabuf, test::noise_rgba(kW, kH, 3), why);
  if (!dmabuf) ZC_SKIP("no real dmabuf here: " + why);
  auto api = load_egl();
  if (!api) ZC_SKIP("no EGL here: " + api.error().describe());
  GlContextOptions o;
  o.allow_software = true;
  auto gl = GlContext::create(*api, o);
  if (!gl) ZC_SKIP("no EGL device with GLES 3.1: " + gl.error().describe());
  REQUIRE((*gl)->make_current());
  // A pitch below the row: no driver may take it.
  Frame bad = dmabuf->frame();
  bad.planes[0].stride = kW * 2;
  auto tex = import_dmabuf_texture(**gl, bad, false);
  REQUIRE_FALSE(tex);
  CHECK(tex.error().code == Errc::rejected);
  CHECK_THAT(tex.error().message, Catch::Matchers::Contains("eglCreateImage(dmabuf BGRx modifier"));
  CHECK_THAT(tex.error().message, Catch::Matchers::Contains("EGL_BAD"));
}

TEST_CASE("Vulkan bridge: a udmabuf imported as a VkBuffer on lavapipe converts exactly like libyuv", "[vm]") {
  const Source source = Source::udmabuf;
  const bool foreign = GENERATE(false, true);
  const auto rgba = test::noise_rgba(kW, kH, 9);
  std::string why;
  const auto dmabuf = make_dmabuf(source, rgba, why);
  if (!dmabuf) ZC_SKIP("no real dmabuf here: " + why);
  auto api = load_vulkan();
  if (!api) ZC_SKIP("no Vulkan loader: " + api.error().describe());
  VkContextOptions o;
  o.allow_any = true;
  auto vk = VkContext::create(*api, o);
  if (!vk) ZC_SKIP("no Vulkan 1.1 device: " + vk.error().describe());
  INFO("Vulkan device: " << (*vk)->device_name() << "; source " << to_string(source) << (foreign ? ", foreign" : ""));
  auto buf = VkOwnedBuffer::import_dmabuf(**vk, dmabuf->fd(), dmabuf->size(), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
  if (!buf) {
    CHECK(buf.error().code == Errc::rejected);
    FAIL("Mesa refused the dmabuf import: " << buf.error().describe());
  }
  auto pass = VkPass::create(**vk);
  REQUIRE(pass);
  const VkPassSource src{buf->buffer(), dmabuf->frame().planes[0].offset, dmabuf->stride, kW, kH, PixelFormat::BGRx,
                         foreign};
  for (const Out& o : kOutputs) {
    INFO("output " << zc::to_string(o.format) << " " << describe(o.colour));
    auto layout = cuda::frame_layout(kW, kH, o.format);
    REQUIRE(layout);
    const size_t pitch = (layout->alloc_row_bytes + 255) / 256 * 256;
    auto dst =
        VkOwnedBuffer::create(**vk, layout->total_bytes(pitch), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, kHost, false);
    REQUIRE(dst);
    auto ok = (*pass)->submit(src, VkPassDest{dst->buffer(), pitch, *layout, o.colour}, Rect{0, 0, kW, kH}, nullptr,
                              VK_NULL_HANDLE, VK_NULL_HANDLE);
    INFO((ok ? std::string() : ok.error().describe()));
    REQUIRE(ok);
    // lavapipe compiles the pass's shader at its first dispatch: seconds under TCG.
    REQUIRE((*pass)->wait(120'000'000'000ull));
    const auto want = reference(rgba, o);
    REQUIRE(want.size() == layout->planes);
    const auto* base = static_cast<const uint8_t*>(dst->mapped());
    for (uint32_t p = 0; p < layout->planes; ++p) {
      std::vector<uint8_t> plane(size_t{layout->row_bytes[p]} * layout->rows[p]);
      for (uint32_t y = 0; y < layout->rows[p]; ++y)
        std::memcpy(&plane[size_t{y} * layout->row_bytes[p]],
                    base + layout->plane_offset(p, pitch) + y * layout->plane_pitch(p, pitch), layout->row_bytes[p]);
      INFO("plane " << p);
      CHECK(test::count_diff(plane, want[p]) == 0);
    }
  }
}

namespace {

// The Vulkan bridge's import step on its own (no CUDA here), as the import chain's primary.
class VulkanImportOnly final : public zerocopy::Importer {
 public:
  explicit VulkanImportOnly(const VkContext& vk) : vk_(vk) {}
  std::string_view name() const override { return "vulkan-import"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat) const override { return {kModifierLinear}; }
  Result<DeviceFrame> import(const Frame& frame, const zerocopy::ImportTarget&) override {
    const auto& p = frame.planes[0];
    auto buf = VkOwnedBuffer::import_dmabuf(vk_, p.fd, p.size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
    if (!buf) return tl::unexpected(buf.error());
    return DeviceFrame{};
  }
  void forget(uint64_t) override {}
  bool reads_done(uint64_t, bool) override { return true; }

 private:
  const VkContext& vk_;
};

}  // namespace

TEST_CASE("a dmabuf lavapipe refuses: the driver's error, and the CPU path reads the same frame", "[vm]") {
  const auto rgba = test::noise_rgba(kW, kH, 5);
  std::string why;
  const auto dmabuf = make_dmabuf(Source::gbm, rgba, why);
  if (!dmabuf) ZC_SKIP("no real dmabuf here: " + why);
  auto api = load_vulkan();
  if (!api) ZC_SKIP("no Vulkan loader: " + api.error().describe());
  VkContextOptions o;
  o.allow_any = true;
  auto vk = VkContext::create(*api, o);
  if (!vk) ZC_SKIP("no Vulkan 1.1 device: " + vk.error().describe());
  INFO("Vulkan device: " << (*vk)->device_name());
  // The driver's own answer, as the bridge reports it.
  auto direct = VkOwnedBuffer::import_dmabuf(**vk, dmabuf->fd(), dmabuf->size(), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
  if (direct) ZC_SKIP("this Mesa imports GBM dumb buffers: nothing refused to fall back from");
  CHECK(direct.error().code == Errc::rejected);
  CHECK_THAT(direct.error().message, Catch::Matchers::Contains("VK_ERROR"));
  WARN("lavapipe refused a GBM dmabuf: " << direct.error().describe());

  zerocopy::ImportChain chain(std::make_unique<VulkanImportOnly>(**vk), std::make_unique<zerocopy::CpuImporter>());
  std::vector<std::pair<PixelFormat, uint64_t>> rejected;
  zerocopy::ImportTarget target;
  target.width = kW;
  target.height = kH;
  target.format = PixelFormat::NV12;
  auto f = chain.import(dmabuf->frame(), target, [&](PixelFormat pf, uint64_t m) { rejected.emplace_back(pf, m); });
  REQUIRE(f);  // no frame lost: the CPU path read it
  CHECK(chain.fallbacks() == 1);
  REQUIRE(rejected.size() == 1);  // capture renegotiates without it
  CHECK(rejected[0].second == kModifierLinear);
  // The frame the CPU path made is the pattern, as libyuv converts it.
  const auto want = test::libyuv_planes(rgba, kW, kH, PixelFormat::NV12);
  std::vector<uint8_t> y(size_t{kW} * kH);
  for (uint32_t row = 0; row < kH; ++row)
    std::memcpy(&y[size_t{row} * kW], reinterpret_cast<const uint8_t*>(f->planes[0]) + size_t{row} * f->pitches[0], kW);
  CHECK(test::count_diff(y, want[0]) == 0);
}
