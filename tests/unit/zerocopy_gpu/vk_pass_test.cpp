// The Vulkan pass of the LINEAR bridge on whatever Vulkan device this machine has (lavapipe on
// CI): a source VkBuffer filled on the GPU from a known pattern, the pass's output read back and
// compared with libyuv (4:2:0, bit-exact) or the pattern itself (packed formats, crop, cursor).
#include <catch2/catch.hpp>

#include <cstring>

#include "support/skip.hpp"
#include "yuv_reference.hpp"
#include "zerocopy/cuda_bridge/vk/vk_pass.hpp"

using namespace zc;
using namespace zc::zerocopy::cuda_bridge;

namespace {

constexpr VkMemoryPropertyFlags kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

struct Fixture {
  std::unique_ptr<VkContext> vk;
  Fixture() {
    auto api = load_vulkan();
    if (!api) ZC_SKIP("no Vulkan loader: " + api.error().describe());
    VkContextOptions o;
    o.allow_any = true;
    auto ctx = VkContext::create(*api, o);
    if (!ctx) ZC_SKIP("no Vulkan 1.1 device: " + ctx.error().describe());
    vk = std::move(*ctx);
  }

  // A device-local buffer holding `bytes` at `offset`, written by a GPU copy from a staging buffer.
  VkOwnedBuffer upload(const std::vector<uint8_t>& bytes, uint32_t offset) {
    auto staging = VkOwnedBuffer::create(*vk, offset + bytes.size(), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, kHost, false);
    REQUIRE(staging);
    std::memcpy(static_cast<uint8_t*>(staging->mapped()) + offset, bytes.data(), bytes.size());
    auto dev = VkOwnedBuffer::create(*vk, offset + bytes.size(),
                                     VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                     VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, false);
    REQUIRE(dev);
    auto ok = vk->run_once([&](VkCommandBuffer cb) {
      VkBufferCopy region{0, 0, offset + bytes.size()};
      vk->api().vkCmdCopyBuffer(cb, staging->buffer(), dev->buffer(), 1, &region);
    });
    REQUIRE(ok);
    return std::move(*dev);
  }

  // Runs the pass into a host-visible buffer of the layout at `pitch` and returns its planes.
  std::vector<std::vector<uint8_t>> run(VkPass& pass, const VkPassSource& src, const cuda::FrameLayout& layout,
                                        const Rect& crop, const Cursor* cursor = nullptr,
                                        const Colour& colour = kBt601Limited) {
    const size_t pitch = (layout.alloc_row_bytes + 255) / 256 * 256;
    auto dst = VkOwnedBuffer::create(*vk, layout.total_bytes(pitch), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, kHost, false);
    REQUIRE(dst);
    auto ok = pass.submit(src, VkPassDest{dst->buffer(), pitch, layout, colour}, crop, cursor, VK_NULL_HANDLE,
                          VK_NULL_HANDLE);
    INFO((ok ? std::string() : ok.error().describe()));
    REQUIRE(ok);
    REQUIRE(pass.wait(5'000'000'000ull));
    std::vector<std::vector<uint8_t>> planes;
    const auto* base = static_cast<const uint8_t*>(dst->mapped());
    for (uint32_t p = 0; p < layout.planes; ++p) {
      std::vector<uint8_t> plane(size_t{layout.row_bytes[p]} * layout.rows[p]);
      for (uint32_t y = 0; y < layout.rows[p]; ++y)
        std::memcpy(&plane[size_t{y} * layout.row_bytes[p]],
                    base + layout.plane_offset(p, pitch) + y * layout.plane_pitch(p, pitch), layout.row_bytes[p]);
      planes.push_back(std::move(plane));
    }
    return planes;
  }
};

// RGBA bytes as a LINEAR image of `format` with `stride` (padding bytes 0xEE).
std::vector<uint8_t> to_linear(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h, PixelFormat format,
                               uint32_t stride) {
  const auto order = cuda::packed_byte_order(format);
  std::vector<uint8_t> out(size_t{stride} * h, 0xEE);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x)
      for (size_t k = 0; k < 4; ++k)
        out[size_t{y} * stride + x * 4 + k] = order[k] == 3 ? 0x11 : rgba[(size_t{y} * w + x) * 4 + order[k]];
  return out;
}

std::vector<std::vector<uint8_t>> reference(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h, PixelFormat f) {
  if (is_packed_rgb(f)) return {test::packed_reference(rgba, f)};
  return test::libyuv_planes(rgba, w, h, f);
}

}  // namespace

TEST_CASE("Vulkan pass converts a LINEAR buffer exactly like libyuv") {
  Fixture fx;
  auto pass = VkPass::create(*fx.vk);
  INFO((pass ? std::string() : pass.error().describe()));
  REQUIRE(pass);
  const uint32_t w = GENERATE(200u, 202u), h = 120;
  const uint32_t stride = w * 4 + 64, offset = 256;
  const auto rgba = test::noise_rgba(w, h, w + 1);
  for (PixelFormat in : {PixelFormat::BGRx, PixelFormat::RGBx}) {
    auto buf = fx.upload(to_linear(rgba, w, h, in, stride), offset);
    VkPassSource src{buf.buffer(), offset, stride, w, h, in, false};
    for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::xBGR, PixelFormat::NV12, PixelFormat::I420}) {
      INFO("in " << to_string(in) << " out " << to_string(f) << " width " << w);
      auto layout = cuda::frame_layout(w, h, f);
      REQUIRE(layout);
      const auto got = fx.run(**pass, src, *layout, Rect{0, 0, w, h});
      const auto want = reference(rgba, w, h, f);
      REQUIRE(got.size() == want.size());
      for (size_t p = 0; p < got.size(); ++p) {
        INFO("plane " << p);
        CHECK(test::count_diff(got[p], want[p]) == 0);
      }
    }
  }
}

TEST_CASE("Vulkan pass converts by BT.709, BT.2020 and full range exactly as the CPU rows do") {
  Fixture fx;
  auto pass = VkPass::create(*fx.vk);
  INFO((pass ? std::string() : pass.error().describe()));
  REQUIRE(pass);
  const uint32_t w = 202, h = 120, stride = w * 4 + 64, offset = 256;
  const auto rgba = test::noise_rgba(w, h, 9);
  auto buf = fx.upload(to_linear(rgba, w, h, PixelFormat::BGRx, stride), offset);
  VkPassSource src{buf.buffer(), offset, stride, w, h, PixelFormat::BGRx, false};
  test::check_other_colours(rgba, w, h, [&](const cuda::FrameLayout& layout, const Colour& c) {
    return fx.run(**pass, src, layout, Rect{0, 0, w, h}, nullptr, c);
  });
}

TEST_CASE("Vulkan pass applies crop and cursor, and scales") {
  Fixture fx;
  auto pass = VkPass::create(*fx.vk);
  REQUIRE(pass);
  const uint32_t w = 160, h = 100;
  const auto rgba = test::noise_rgba(w, h, 11);
  auto buf = fx.upload(to_linear(rgba, w, h, PixelFormat::BGRx, w * 4), 0);
  VkPassSource src{buf.buffer(), 0, w * 4, w, h, PixelFormat::BGRx, false};

  SECTION("crop") {
    auto layout = cuda::frame_layout(96, 64, PixelFormat::I420);
    REQUIRE(layout);
    const auto got = fx.run(**pass, src, *layout, Rect{10, 6, 96, 64});
    const auto want = reference(test::crop_rgba(rgba, w, 10, 6, 96, 64), 96, 64, PixelFormat::I420);
    for (size_t p = 0; p < 3; ++p)
      CHECK(test::count_diff(got[p], want[p]) == 0);
  }
  SECTION("cursor") {
    std::vector<uint8_t> bgra(8 * 8 * 4);
    for (size_t i = 0; i < 64; ++i) {
      bgra[i * 4] = 10;
      bgra[i * 4 + 1] = 200;
      bgra[i * 4 + 2] = 30;
      bgra[i * 4 + 3] = static_cast<uint8_t>(i * 4);
    }
    Cursor c;
    c.visible = true;
    c.x = -3;  // hanging over the left edge
    c.y = 20;
    c.width = c.height = 8;
    c.stride = 32;
    c.format = PixelFormat::BGRA;
    c.pixels = bgra.data();
    auto layout = cuda::frame_layout(w, h, PixelFormat::RGBA);
    REQUIRE(layout);
    const auto got = fx.run(**pass, src, *layout, Rect{0, 0, w, h}, &c);
    auto want = test::packed_reference(rgba, PixelFormat::RGBA);
    for (int y = 0; y < 8; ++y)
      for (int x = 3; x < 8; ++x) {
        const uint8_t* k = &bgra[(y * 8 + x) * 4];
        uint8_t* d = &want[((20 + y) * w + (x - 3)) * 4];
        const uint8_t kc[3] = {k[2], k[1], k[0]};
        for (int ch = 0; ch < 3; ++ch)
          d[ch] = static_cast<uint8_t>((kc[ch] * k[3] + d[ch] * (255 - k[3]) + 127) / 255);
      }
    CHECK(test::count_diff(got[0], want) == 0);
  }
  SECTION("scale") {
    const auto grad = test::gradient_rgba(w, h);
    auto gbuf = fx.upload(to_linear(grad, w, h, PixelFormat::BGRx, w * 4), 0);
    VkPassSource gsrc{gbuf.buffer(), 0, w * 4, w, h, PixelFormat::BGRx, false};
    auto layout = cuda::frame_layout(80, 50, PixelFormat::RGBA);
    REQUIRE(layout);
    const auto got = fx.run(**pass, gsrc, *layout, Rect{0, 0, w, h});
    std::vector<uint8_t> want(80 * 50 * 4);
    for (uint32_t y = 0; y < 50; ++y)
      for (uint32_t x = 0; x < 80; ++x)
        for (uint32_t c = 0; c < 4; ++c) {
          uint32_t sum = 0;
          for (uint32_t dy = 0; dy < 2; ++dy)
            for (uint32_t dx = 0; dx < 2; ++dx)
              sum += grad[((2 * y + dy) * w + 2 * x + dx) * 4 + c];
          want[(y * 80 + x) * 4 + c] = c == 3 ? 255 : static_cast<uint8_t>((sum + 2) / 4);
        }
    CHECK(test::count_diff(got[0], want, 1) == 0);
  }
}
