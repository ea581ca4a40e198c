#include "zerocopy/cuda_bridge/gl/dmabuf_image.hpp"

#include <vector>

#include <fmt/format.h>

#include "zerocopy/cuda_bridge/modifiers.hpp"

namespace zc::zerocopy::cuda_bridge {

Result<DmabufTexture> import_dmabuf_texture(GlContext& gl, const Frame& frame, bool external) {
  const DmaBufPlane& p = frame.planes[0];
  std::vector<EGLint> attrs = {EGL_WIDTH,
                               static_cast<EGLint>(frame.width),
                               EGL_HEIGHT,
                               static_cast<EGLint>(frame.height),
                               EGL_LINUX_DRM_FOURCC_EXT,
                               static_cast<EGLint>(drm_fourcc(frame.format)),
                               EGL_DMA_BUF_PLANE0_FD_EXT,
                               p.fd,
                               EGL_DMA_BUF_PLANE0_OFFSET_EXT,
                               static_cast<EGLint>(p.offset),
                               EGL_DMA_BUF_PLANE0_PITCH_EXT,
                               static_cast<EGLint>(p.stride)};
  if (frame.modifier != kModifierInvalid) {
    attrs.insert(attrs.end(), {EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, static_cast<EGLint>(frame.modifier & 0xffffffffu),
                               EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT, static_cast<EGLint>(frame.modifier >> 32)});
  }
  attrs.push_back(EGL_NONE);
  const EglApi& api = gl.api();
  EGLImageKHR image = api.eglCreateImageKHR(gl.display(), EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attrs.data());
  if (image == EGL_NO_IMAGE_KHR) {
    auto e = gl.egl_error(fmt::format("eglCreateImage(dmabuf {} modifier {})", to_string(frame.format),
                                      describe_modifier(frame.modifier)));
    e.code = Errc::rejected;
    return tl::unexpected(e);
  }
  DmabufTexture out;
  out.image = EglImage(&api, gl.display(), image);
  out.external = external;
  out.texture = GlTexture::create(api);
  const GLenum target = external ? GL_TEXTURE_EXTERNAL_OES : GL_TEXTURE_2D;
  api.glBindTexture(target, out.texture.id());
  api.glEGLImageTargetTexture2DOES(target, image);
  api.glBindTexture(target, 0);
  if (auto ok = gl.check_gl("glEGLImageTargetTexture2DOES"); !ok) {
    auto e = ok.error();
    e.code = Errc::rejected;
    return tl::unexpected(e);
  }
  return out;
}

}  // namespace zc::zerocopy::cuda_bridge
