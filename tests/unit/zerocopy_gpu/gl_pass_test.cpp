// The GL pass on whatever EGL device this machine has (Mesa's software rasteriser on CI), from an
// EGLImage made of a texture with a known pattern, as the importer binds dmabuf images. Compared
// bit-exactly with libyuv (4:2:0) and byte-exactly for packed formats; crop and cursor too.
#include <catch2/catch.hpp>

#include "support/skip.hpp"
#include "yuv_reference.hpp"
#include "zerocopy/cuda_bridge/gl/gl_pass.hpp"

using namespace zc;
using namespace zc::zerocopy::cuda_bridge;

namespace {

struct Fixture {
  std::shared_ptr<const EglApi> egl;
  std::unique_ptr<GlContext> gl;

  Fixture() {
    auto api = load_egl();
    if (!api) ZC_SKIP("no EGL here: " + api.error().describe());
    egl = *api;
    GlContextOptions o;
    o.allow_software = true;
    auto ctx = GlContext::create(egl, o);
    if (!ctx) ZC_SKIP("no EGL device with GLES 3.1: " + ctx.error().describe());
    gl = std::move(*ctx);
  }

  // A texture with `rgba`, then an EGLImage of it bound to a second texture (the importer's leg).
  struct Source {
    GlTexture original;
    EglImage image;
    GlTexture bound;
    GLenum target = GL_TEXTURE_2D;
  };
  Source make_source(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h, bool external = false) {
    const EglApi& api = gl->api();
    Source s;
    s.original = GlTexture::create(api);
    api.glBindTexture(GL_TEXTURE_2D, s.original.id());
    api.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, static_cast<GLsizei>(w), static_cast<GLsizei>(h));
    api.glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    api.glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(w), static_cast<GLsizei>(h), GL_RGBA,
                        GL_UNSIGNED_BYTE, rgba.data());
    api.glBindTexture(GL_TEXTURE_2D, 0);
    REQUIRE(gl->check_gl("source upload"));
    REQUIRE(gl->has_egl_extension("EGL_KHR_gl_texture_2D_image"));
    const EGLint attrs[] = {EGL_GL_TEXTURE_LEVEL_KHR, 0, EGL_NONE};
    EGLImageKHR img =
        api.eglCreateImageKHR(gl->display(), gl->context(), EGL_GL_TEXTURE_2D_KHR,
                              reinterpret_cast<EGLClientBuffer>(static_cast<uintptr_t>(s.original.id())), attrs);
    REQUIRE(img != EGL_NO_IMAGE_KHR);
    s.image = EglImage(&api, gl->display(), img);
    s.bound = GlTexture::create(api);
    s.target = external ? GL_TEXTURE_EXTERNAL_OES : GL_TEXTURE_2D;
    api.glBindTexture(s.target, s.bound.id());
    api.glEGLImageTargetTexture2DOES(s.target, img);
    api.glBindTexture(s.target, 0);
    REQUIRE(gl->check_gl("glEGLImageTargetTexture2DOES"));
    return s;
  }

  std::vector<std::vector<uint8_t>> run(GlPass& pass, const Source& src, uint32_t sw, uint32_t sh,
                                        const cuda::FrameLayout& layout, const Rect& crop,
                                        const Cursor* cursor = nullptr, const Colour& colour = kBt601Limited) {
    auto out = create_output_texture(*gl, layout);
    REQUIRE(out);
    PassSource ps;
    ps.texture = src.bound.id();
    ps.target = src.target;
    ps.width = sw;
    ps.height = sh;
    auto ok = pass.run(ps, out->id(), layout, crop, cursor, colour);
    INFO((ok ? std::string() : ok.error().describe()));
    REQUIRE(ok);
    auto grid = pass.read_texture(out->id(), layout.grid_w, layout.grid_h);
    REQUIRE(grid);
    return test::unpack_grid(*grid, layout);
  }
};

std::vector<std::vector<uint8_t>> reference(const std::vector<uint8_t>& rgba, uint32_t w, uint32_t h, PixelFormat f) {
  if (is_packed_rgb(f)) return {test::packed_reference(rgba, f)};
  return test::libyuv_planes(rgba, w, h, f);
}

}  // namespace

TEST_CASE("GL pass converts an EGLImage exactly like libyuv, compute and draw") {
  Fixture fx;
  const auto kind = GENERATE(PassKind::Compute, PassKind::Draw);
  auto pass = GlPass::create(*fx.gl, kind);
  INFO((pass ? std::string() : pass.error().describe()));
  REQUIRE(pass);
  // 200x120: widths that are not multiples of 8 exercise the word padding of every plane.
  const uint32_t w = GENERATE(200u, 202u), h = 120;
  // External: how external-only (LINEAR) dmabuf images are sampled.
  const bool external = GENERATE(false, true);
  if (external && !fx.gl->has_gl_extension("GL_OES_EGL_image_external_essl3")) return;
  const auto rgba = test::noise_rgba(w, h, w);
  auto src = fx.make_source(rgba, w, h, external);
  for (PixelFormat f :
       {PixelFormat::BGRx, PixelFormat::RGBA, PixelFormat::xRGB, PixelFormat::NV12, PixelFormat::I420}) {
    INFO("format " << to_string(f) << " width " << w << (kind == PassKind::Compute ? " compute" : " draw")
                   << (external ? " external" : ""));
    auto layout = cuda::frame_layout(w, h, f);
    REQUIRE(layout);
    const auto got = fx.run(**pass, src, w, h, *layout, Rect{0, 0, w, h});
    const auto want = reference(rgba, w, h, f);
    REQUIRE(got.size() == want.size());
    for (size_t p = 0; p < got.size(); ++p) {
      INFO("plane " << p);
      CHECK(test::count_diff(got[p], want[p]) == 0);
    }
  }
}

TEST_CASE("GL pass converts by BT.709, BT.2020 and full range exactly as the CPU rows do, compute and draw") {
  Fixture fx;
  const auto kind = GENERATE(PassKind::Compute, PassKind::Draw);
  auto pass = GlPass::create(*fx.gl, kind);
  INFO((pass ? std::string() : pass.error().describe()));
  REQUIRE(pass);
  const uint32_t w = 202, h = 120;
  const auto rgba = test::noise_rgba(w, h, 7);
  auto src = fx.make_source(rgba, w, h, false);
  INFO((kind == PassKind::Compute ? "compute" : "draw"));
  test::check_other_colours(rgba, w, h, [&](const cuda::FrameLayout& layout, const Colour& c) {
    return fx.run(**pass, src, w, h, layout, Rect{0, 0, w, h}, nullptr, c);
  });
}

TEST_CASE("GL pass applies the crop") {
  Fixture fx;
  auto pass = GlPass::create(*fx.gl, PassKind::Compute);
  REQUIRE(pass);
  const uint32_t w = 160, h = 100;
  const auto rgba = test::noise_rgba(w, h, 7);
  auto src = fx.make_source(rgba, w, h);
  const Rect crop{10, 6, 96, 64};
  for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::I420}) {
    INFO("format " << to_string(f));
    auto layout = cuda::frame_layout(crop.width, crop.height, f);
    REQUIRE(layout);
    const auto got = fx.run(**pass, src, w, h, *layout, crop);
    const auto want = reference(test::crop_rgba(rgba, w, 10, 6, 96, 64), 96, 64, f);
    for (size_t p = 0; p < got.size(); ++p)
      CHECK(test::count_diff(got[p], want[p]) == 0);
  }
}

TEST_CASE("GL pass composites the metadata cursor with straight alpha, clipped at the edge") {
  Fixture fx;
  auto pass = GlPass::create(*fx.gl, PassKind::Compute);
  REQUIRE(pass);
  const uint32_t w = 64, h = 48;
  const auto rgba = test::noise_rgba(w, h, 3);
  auto src = fx.make_source(rgba, w, h);
  // A 16x16 BGRA cursor with varying alpha, hanging over the right edge.
  const uint32_t cw = 16, ch = 16;
  std::vector<uint8_t> bgra(cw * ch * 4);
  for (uint32_t i = 0; i < cw * ch; ++i) {
    bgra[i * 4 + 0] = static_cast<uint8_t>(i * 7);
    bgra[i * 4 + 1] = static_cast<uint8_t>(i * 3);
    bgra[i * 4 + 2] = static_cast<uint8_t>(255 - i);
    bgra[i * 4 + 3] = static_cast<uint8_t>(i % 4 == 0 ? 255 : i % 4 == 1 ? 0 : i);
  }
  Cursor cursor;
  cursor.visible = true;
  cursor.x = 56;
  cursor.y = 10;
  cursor.width = cw;
  cursor.height = ch;
  cursor.stride = cw * 4;
  cursor.format = PixelFormat::BGRA;
  cursor.pixels = bgra.data();
  auto layout = cuda::frame_layout(w, h, PixelFormat::RGBA);
  REQUIRE(layout);
  const auto got = fx.run(**pass, src, w, h, *layout, Rect{0, 0, w, h}, &cursor);
  auto want = rgba;
  for (uint32_t y = 0; y < ch; ++y)
    for (uint32_t x = 0; x < cw; ++x) {
      const uint32_t fx_ = 56 + x, fy = 10 + y;
      if (fx_ >= w || fy >= h) continue;
      const uint8_t* k = &bgra[(y * cw + x) * 4];
      uint8_t* d = &want[(fy * w + fx_) * 4];
      const uint32_t a = k[3];
      const uint8_t kc[3] = {k[2], k[1], k[0]};
      for (int c = 0; c < 3; ++c)
        d[c] = static_cast<uint8_t>((kc[c] * a + d[c] * (255 - a) + 127) / 255);
      d[3] = 255;
    }
  for (size_t i = 3; i < want.size(); i += 4)
    want[i] = 255;
  CHECK(test::count_diff(got[0], want) == 0);

  // A second frame with the cursor hidden: the bitmap is not drawn.
  cursor.visible = false;
  const auto hidden = fx.run(**pass, src, w, h, *layout, Rect{0, 0, w, h}, &cursor);
  CHECK(test::count_diff(hidden[0], test::packed_reference(rgba, PixelFormat::RGBA)) == 0);
}

TEST_CASE("GL pass scales the visible rectangle to the output size") {
  Fixture fx;
  auto pass = GlPass::create(*fx.gl, PassKind::Compute);
  REQUIRE(pass);
  const uint32_t w = 256, h = 128;
  const auto rgba = test::gradient_rgba(w, h);
  auto src = fx.make_source(rgba, w, h);
  auto layout = cuda::frame_layout(128, 64, PixelFormat::RGBA);
  REQUIRE(layout);
  const auto got = fx.run(**pass, src, w, h, *layout, Rect{0, 0, w, h});
  // Halving samples between each 2x2 block: the average of the block, up to filter rounding.
  std::vector<uint8_t> want(128 * 64 * 4);
  for (uint32_t y = 0; y < 64; ++y)
    for (uint32_t x = 0; x < 128; ++x)
      for (uint32_t c = 0; c < 4; ++c) {
        uint32_t sum = 0;
        for (uint32_t dy = 0; dy < 2; ++dy)
          for (uint32_t dx = 0; dx < 2; ++dx)
            sum += rgba[((2 * y + dy) * w + 2 * x + dx) * 4 + c];
        want[(y * 128 + x) * 4 + c] = c == 3 ? 255 : static_cast<uint8_t>((sum + 2) / 4);
      }
  CHECK(test::count_diff(got[0], want, 2) == 0);
}
