#pragma once
// A headless EGL display on an EGL device and an OpenGL ES 3.1+ context on it, without any
// window system: EGL_EXT_platform_device, surfaceless. For the importer the device is the one
// that is the CUDA device (EGL_NV_device_cuda); tests may take any device (Mesa's software one
// on CI). Also the RAII owners of the GL and EGL objects the GPU path creates.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "zerocopy/cuda_bridge/gl/egl_api.hpp"

namespace zc::zerocopy::cuda_bridge {

struct EglDeviceInfo {
  int index = 0;
  std::string extensions;
  std::optional<int> cuda_device;  // EGL_CUDA_DEVICE_NV
  std::string drm_render_node;     // EGL_DRM_RENDER_NODE_FILE_EXT, if any
  bool software = false;           // EGL_MESA_device_software
};

// Every EGL device, or Errc::unsupported when the client lacks EGL_EXT_device_enumeration.
Result<std::vector<EglDeviceInfo>> list_egl_devices(const EglApi& egl);

struct GlContextOptions {
  std::optional<int> cuda_device;  // pick the EGL device that is this CUDA device
  bool allow_software = false;     // no cuda_device: take any device, hardware first
  bool software_first = false;     // with allow_software: Mesa's software device first (tests)
};

struct DmaBufModifier {
  uint64_t modifier = 0;
  bool external_only = false;
};

// eglQueryDmaBufModifiersEXT on the EGL device whose DRM render node is `render_node` (another
// GPU API on the same node, VA-API, asks which layouts the GPU takes), without a context.
// Errc::not_found when no EGL device names that node, Errc::unsupported without the extension.
Result<std::vector<DmaBufModifier>> node_dmabuf_modifiers(const EglApi& egl, const std::string& render_node,
                                                          uint32_t drm_fourcc);

class GlContext {
 public:
  static Result<std::unique_ptr<GlContext>> create(const std::shared_ptr<const EglApi>& egl,
                                                   const GlContextOptions& options);
  ~GlContext();
  GlContext(const GlContext&) = delete;
  GlContext& operator=(const GlContext&) = delete;

  const EglApi& api() const { return *egl_; }
  const std::shared_ptr<const EglApi>& api_ptr() const { return egl_; }
  EGLDisplay display() const { return display_; }
  EGLContext context() const { return context_; }
  const EglDeviceInfo& device() const { return device_; }
  const std::string& egl_version() const { return egl_version_; }
  const std::string& gl_version() const { return gl_version_; }
  const std::string& gl_renderer() const { return gl_renderer_; }
  bool has_egl_extension(std::string_view name) const;
  bool has_gl_extension(std::string_view name) const;
  const std::string& egl_extensions() const { return egl_extensions_; }

  // Makes the context current on the calling thread (a no-op when it already is). A context is
  // current on one thread at a time: release it before another thread takes over.
  Result<void> make_current() const;
  void release_current() const;

  // eglQueryDmaBufModifiersEXT for a DRM fourcc; empty without EGL_EXT_image_dma_buf_import_modifiers.
  std::vector<DmaBufModifier> dmabuf_modifiers(uint32_t drm_fourcc) const;

  // The pending GL error as a zc::Error naming `what`, or ok.
  Result<void> check_gl(std::string_view what) const;
  Error egl_error(std::string_view what) const;

 private:
  GlContext() = default;
  std::shared_ptr<const EglApi> egl_;
  EglDeviceInfo device_;
  EGLDisplay display_ = EGL_NO_DISPLAY;
  EGLContext context_ = EGL_NO_CONTEXT;
  std::string egl_version_, gl_version_, gl_renderer_;
  std::string egl_extensions_;
  std::vector<std::string> gl_extensions_;
};

// RAII owners. Each needs its GlContext current when it dies (all ours live on one thread).
class GlTexture {
 public:
  GlTexture() = default;
  GlTexture(const EglApi* api, GLuint id) : api_(api), id_(id) {}
  GlTexture(GlTexture&& o) noexcept : api_(o.api_), id_(o.id_) { o.id_ = 0; }
  GlTexture& operator=(GlTexture&& o) noexcept;
  ~GlTexture() { reset(); }
  static GlTexture create(const EglApi& api);
  GLuint id() const { return id_; }
  explicit operator bool() const { return id_ != 0; }
  void reset();

 private:
  const EglApi* api_ = nullptr;
  GLuint id_ = 0;
};

class GlProgram {
 public:
  GlProgram() = default;
  GlProgram(const EglApi* api, GLuint id) : api_(api), id_(id) {}
  GlProgram(GlProgram&& o) noexcept : api_(o.api_), id_(o.id_) { o.id_ = 0; }
  GlProgram& operator=(GlProgram&& o) noexcept;
  ~GlProgram() { reset(); }
  GLuint id() const { return id_; }
  explicit operator bool() const { return id_ != 0; }
  void reset();

 private:
  const EglApi* api_ = nullptr;
  GLuint id_ = 0;
};

class GlFramebuffer {
 public:
  GlFramebuffer() = default;
  GlFramebuffer(GlFramebuffer&& o) noexcept : api_(o.api_), id_(o.id_) { o.id_ = 0; }
  GlFramebuffer& operator=(GlFramebuffer&& o) noexcept;
  ~GlFramebuffer() { reset(); }
  static GlFramebuffer create(const EglApi& api);
  GLuint id() const { return id_; }
  void reset();

 private:
  const EglApi* api_ = nullptr;
  GLuint id_ = 0;
};

class EglImage {
 public:
  EglImage() = default;
  EglImage(const EglApi* api, EGLDisplay dpy, EGLImageKHR image) : api_(api), dpy_(dpy), image_(image) {}
  EglImage(EglImage&& o) noexcept : api_(o.api_), dpy_(o.dpy_), image_(o.image_) { o.image_ = EGL_NO_IMAGE_KHR; }
  EglImage& operator=(EglImage&& o) noexcept;
  ~EglImage() { reset(); }
  EGLImageKHR get() const { return image_; }
  explicit operator bool() const { return image_ != EGL_NO_IMAGE_KHR; }
  void reset();

 private:
  const EglApi* api_ = nullptr;
  EGLDisplay dpy_ = EGL_NO_DISPLAY;
  EGLImageKHR image_ = EGL_NO_IMAGE_KHR;
};

// Compiles and links; the error carries the driver's info log.
Result<GlProgram> link_program(const GlContext& gl, const std::vector<std::pair<GLenum, std::string>>& stages);

}  // namespace zc::zerocopy::cuda_bridge
