#pragma once
// The EGL bridge's dmabuf import, on its own so that it also runs where there is no CUDA (Mesa's
// llvmpipe in the vm tests' guest): eglCreateImage(EGL_LINUX_DMA_BUF_EXT) of a frame's first
// plane, bound to a texture the GL pass samples.
#include "core/error.hpp"
#include "core/frame.hpp"
#include "zerocopy/cuda_bridge/gl/gl_context.hpp"

namespace zc::zerocopy::cuda_bridge {

struct DmabufTexture {
  EglImage image;
  GlTexture texture;
  bool external = false;  // bound as GL_TEXTURE_EXTERNAL_OES (external-only modifiers)
};

// The frame's plane 0 (fd, offset, pitch), its format's DRM fourcc and its modifier (unless
// INVALID: the driver's choice), as an EGLImage bound to a new texture (GL_TEXTURE_EXTERNAL_OES
// when `external`, else GL_TEXTURE_2D). Errc::rejected with the driver's error when EGL or GL
// refuses it. The context must be current.
Result<DmabufTexture> import_dmabuf_texture(GlContext& gl, const Frame& frame, bool external);

}  // namespace zc::zerocopy::cuda_bridge
