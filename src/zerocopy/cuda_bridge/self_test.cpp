#include "zerocopy/cuda_bridge/self_test.hpp"

#include <cstring>

#include "cuda/download.hpp"
#include "cuda/layout.hpp"

namespace zc::zerocopy::cuda_bridge {

std::vector<uint8_t> test_pattern_rgba(uint32_t width, uint32_t height, uint32_t seed) {
  std::vector<uint8_t> px(size_t{width} * height * 4);
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < px.size(); ++i) {
    s = s * 1664525u + 1013904223u;
    px[i] = (i % 4 == 3) ? 255 : static_cast<uint8_t>(s >> 24);
  }
  return px;
}

std::vector<uint8_t> rgba_to_packed(const std::vector<uint8_t>& rgba, PixelFormat format) {
  const auto order = cuda::packed_byte_order(format);
  std::vector<uint8_t> out(rgba.size());
  for (size_t i = 0; i < rgba.size(); i += 4)
    for (size_t k = 0; k < 4; ++k)
      out[i + k] = order[k] == 3 ? 255 : rgba[i + order[k]];
  return out;
}

size_t count_mismatches(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return a.size() + b.size();
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    n += a[i] != b[i];
  return n;
}

Result<LegResult> run_egl_leg(EglCudaImporter& importer, const std::vector<uint8_t>& rgba, uint32_t width,
                              uint32_t height, const ImportTarget& target, const Frame* meta, bool external) {
  GlContext& gl = importer.gl();
  if (auto ok = gl.make_current(); !ok) return tl::unexpected(ok.error());
  if (!gl.has_egl_extension("EGL_KHR_gl_texture_2D_image"))
    return fail(Errc::unsupported, "zerocopy:probe", "EGL lacks EGL_KHR_gl_texture_2D_image");
  const EglApi& api = gl.api();
  GlTexture tex = GlTexture::create(api);
  api.glBindTexture(GL_TEXTURE_2D, tex.id());
  api.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, static_cast<GLsizei>(width), static_cast<GLsizei>(height));
  api.glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  api.glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(width), static_cast<GLsizei>(height), GL_RGBA,
                      GL_UNSIGNED_BYTE, rgba.data());
  api.glBindTexture(GL_TEXTURE_2D, 0);
  if (auto ok = gl.check_gl("pattern upload"); !ok) return tl::unexpected(ok.error());
  const EGLint attrs[] = {EGL_GL_TEXTURE_LEVEL_KHR, 0, EGL_NONE};
  EGLImageKHR img =
      api.eglCreateImageKHR(gl.display(), gl.context(), EGL_GL_TEXTURE_2D_KHR,
                            // NOLINTNEXTLINE(performance-no-int-to-ptr): EGL takes the GL name as a pointer
                            reinterpret_cast<EGLClientBuffer>(static_cast<uintptr_t>(tex.id())), attrs);
  if (img == EGL_NO_IMAGE_KHR) return tl::unexpected(gl.egl_error("eglCreateImage(EGL_GL_TEXTURE_2D_KHR)"));
  EglImage image(&api, gl.display(), img);
  Frame frame = meta ? *meta : Frame{};
  frame.width = width;
  frame.height = height;
  frame.format = PixelFormat::RGBA;
  constexpr uint64_t kCacheId = 0xfeedfacecafe0001ull;
  auto f = importer.import_egl_image(kCacheId, img, external, frame, target);
  importer.forget(kCacheId);  // the texture binding goes before the image does
  if (!f) return tl::unexpected(f.error());
  auto planes = cuda::download_planes(importer.cuda(), *f);
  if (!planes) return tl::unexpected(planes.error());
  return LegResult{std::move(*planes), std::move(*f)};
}

Result<LegResult> run_vulkan_leg(VulkanCudaImporter& importer, const std::vector<uint8_t>& rgba, uint32_t width,
                                 uint32_t height, PixelFormat src_format, uint32_t stride, const ImportTarget& target,
                                 const Frame* meta) {
  VkContext& vk = importer.vk();
  const auto packed = rgba_to_packed(rgba, src_format);
  const VkDeviceSize size = VkDeviceSize{stride} * height;
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  auto staging = VkOwnedBuffer::create(vk, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, host, false);
  if (!staging) return tl::unexpected(staging.error());
  auto* dst = static_cast<uint8_t*>(staging->mapped());
  std::memset(dst, 0xEE, size);
  for (uint32_t y = 0; y < height; ++y)
    std::memcpy(dst + size_t{y} * stride, &packed[size_t{y} * width * 4], size_t{width} * 4);
  auto buf = VkOwnedBuffer::create(vk, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                   VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, false);
  if (!buf) return tl::unexpected(buf.error());
  if (auto ok = vk.run_once([&](VkCommandBuffer cb) {
        VkBufferCopy region{0, 0, size};
        vk.api().vkCmdCopyBuffer(cb, staging->buffer(), buf->buffer(), 1, &region);
      });
      !ok)
    return tl::unexpected(ok.error());
  Frame frame = meta ? *meta : Frame{};
  frame.width = width;
  frame.height = height;
  frame.format = src_format;
  auto f = importer.import_buffer(buf->buffer(), 0, stride, frame, target);
  if (!f) return tl::unexpected(f.error());
  auto planes = cuda::download_planes(importer.cuda(), *f);
  if (!planes) return tl::unexpected(planes.error());
  return LegResult{std::move(*planes), std::move(*f)};
}

}  // namespace zc::zerocopy::cuda_bridge
