#include "zerocopy/cuda_bridge/gl/gl_context.hpp"

#include <algorithm>

#include <fmt/format.h>
#include "core/log.hpp"

#ifndef EGL_DRM_RENDER_NODE_FILE_EXT
#define EGL_DRM_RENDER_NODE_FILE_EXT 0x3377
#endif

namespace zc::zerocopy::cuda_bridge {
namespace {

bool has_word(std::string_view list, std::string_view word) {
  size_t pos = 0;
  while ((pos = list.find(word, pos)) != std::string_view::npos) {
    const size_t end = pos + word.size();
    const bool starts = pos == 0 || list[pos - 1] == ' ';
    const bool ends = end == list.size() || list[end] == ' ';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}

Result<std::vector<EGLDeviceEXT>> query_devices(const EglApi& egl) {
  const char* client = egl.eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!client || !egl.eglQueryDevicesEXT || !egl.eglGetPlatformDisplayEXT ||
      !has_word(client, "EGL_EXT_platform_device"))
    return fail(Errc::unsupported, "zerocopy:egl",
                "EGL client lacks EGL_EXT_device_enumeration/EGL_EXT_platform_device");
  EGLint n = 0;
  if (!egl.eglQueryDevicesEXT(0, nullptr, &n) || n <= 0)
    return fail(Errc::not_found, "zerocopy:egl", "eglQueryDevicesEXT found no EGL device");
  std::vector<EGLDeviceEXT> devices(static_cast<size_t>(n));
  egl.eglQueryDevicesEXT(n, devices.data(), &n);
  devices.resize(static_cast<size_t>(n));
  return devices;
}

EglDeviceInfo describe_device(const EglApi& egl, EGLDeviceEXT dev, int index) {
  EglDeviceInfo info;
  info.index = index;
  if (egl.eglQueryDeviceStringEXT) {
    const char* ext = egl.eglQueryDeviceStringEXT(dev, EGL_EXTENSIONS);
    info.extensions = ext ? ext : "";
    if (has_word(info.extensions, "EGL_EXT_device_drm_render_node")) {
      const char* node = egl.eglQueryDeviceStringEXT(dev, EGL_DRM_RENDER_NODE_FILE_EXT);
      if (node) info.drm_render_node = node;
    }
  }
  info.software = has_word(info.extensions, "EGL_MESA_device_software");
  if (egl.eglQueryDeviceAttribEXT && has_word(info.extensions, "EGL_NV_device_cuda")) {
    EGLAttrib cuda = -1;
    if (egl.eglQueryDeviceAttribEXT(dev, EGL_CUDA_DEVICE_NV, &cuda)) info.cuda_device = static_cast<int>(cuda);
  }
  return info;
}

}  // namespace

Result<std::vector<EglDeviceInfo>> list_egl_devices(const EglApi& egl) {
  auto devices = query_devices(egl);
  if (!devices) return tl::unexpected(devices.error());
  std::vector<EglDeviceInfo> out;
  for (size_t i = 0; i < devices->size(); ++i)
    out.push_back(describe_device(egl, (*devices)[i], static_cast<int>(i)));
  return out;
}

Result<std::unique_ptr<GlContext>> GlContext::create(const std::shared_ptr<const EglApi>& egl_ptr,
                                                     const GlContextOptions& options) {
  const EglApi& egl = *egl_ptr;
  auto devices = query_devices(egl);
  if (!devices) return tl::unexpected(devices.error());

  // Candidates in order of preference: the CUDA device only, or hardware before software.
  std::vector<EglDeviceInfo> infos;
  for (size_t i = 0; i < devices->size(); ++i)
    infos.push_back(describe_device(egl, (*devices)[i], static_cast<int>(i)));
  std::vector<const EglDeviceInfo*> order;
  if (options.cuda_device) {
    for (const auto& d : infos)
      if (d.cuda_device == options.cuda_device) order.push_back(&d);
    if (order.empty())
      return fail(
          Errc::not_found, "zerocopy:egl",
          fmt::format("no EGL device is CUDA device {} ({} EGL devices, none with a matching EGL_CUDA_DEVICE_NV)",
                      *options.cuda_device, infos.size()));
  } else if (options.allow_software) {
    for (const bool software : {options.software_first, !options.software_first}) {
      for (const auto& d : infos)
        if (d.software == software) order.push_back(&d);
    }
  } else {
    return fail(Errc::invalid_argument, "zerocopy:egl", "no EGL device selected");
  }

  std::string errors;
  for (const EglDeviceInfo* info : order) {
    std::unique_ptr<GlContext> c(new GlContext());
    c->egl_ = egl_ptr;
    c->device_ = *info;
    c->display_ =
        egl.eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, (*devices)[static_cast<size_t>(info->index)], nullptr);
    EGLint major = 0, minor = 0;
    if (c->display_ == EGL_NO_DISPLAY || !egl.eglInitialize(c->display_, &major, &minor)) {
      errors += fmt::format(" device {}: eglInitialize {};", info->index, egl_error_name(egl.eglGetError()));
      c->display_ = EGL_NO_DISPLAY;
      continue;
    }
    c->egl_version_ = fmt::format("{}.{}", major, minor);
    const char* ext = egl.eglQueryString(c->display_, EGL_EXTENSIONS);
    c->egl_extensions_ = ext ? ext : "";
    if (!egl.eglBindAPI(EGL_OPENGL_ES_API)) {
      errors += fmt::format(" device {}: eglBindAPI(GLES) {};", info->index, egl_error_name(egl.eglGetError()));
      continue;
    }
    EGLConfig config = EGL_NO_CONFIG_KHR;
    const EGLint config_attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
                                     EGL_NONE};
    EGLint n_configs = 0;
    if (!egl.eglChooseConfig(c->display_, config_attribs, &config, 1, &n_configs) || n_configs < 1) {
      if (!c->has_egl_extension("EGL_KHR_no_config_context")) {
        errors += fmt::format(" device {}: no GLES3 config;", info->index);
        continue;
      }
      config = EGL_NO_CONFIG_KHR;
    }
    for (EGLint want_minor : {2, 1}) {
      const EGLint ctx_attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, want_minor, EGL_NONE};
      c->context_ = egl.eglCreateContext(c->display_, config, EGL_NO_CONTEXT, ctx_attribs);
      if (c->context_ != EGL_NO_CONTEXT) break;
    }
    if (c->context_ == EGL_NO_CONTEXT) {
      errors +=
          fmt::format(" device {}: eglCreateContext(GLES 3.1) {};", info->index, egl_error_name(egl.eglGetError()));
      continue;
    }
    if (!egl.eglMakeCurrent(c->display_, EGL_NO_SURFACE, EGL_NO_SURFACE, c->context_)) {
      errors +=
          fmt::format(" device {}: eglMakeCurrent(surfaceless) {};", info->index, egl_error_name(egl.eglGetError()));
      continue;
    }
    auto str = [&](GLenum name) {
      const auto* s = reinterpret_cast<const char*>(egl.glGetString(name));
      return std::string(s ? s : "");
    };
    c->gl_version_ = str(GL_VERSION);
    c->gl_renderer_ = str(GL_RENDERER);
    GLint n_ext = 0;
    egl.glGetIntegerv(GL_NUM_EXTENSIONS, &n_ext);
    for (GLint i = 0; i < n_ext; ++i) {
      const auto* e = reinterpret_cast<const char*>(egl.glGetStringi(GL_EXTENSIONS, static_cast<GLuint>(i)));
      if (e) c->gl_extensions_.emplace_back(e);
    }
    zc::log::debug("zerocopy: EGL {} device {} ({}), {}", c->egl_version_, info->index, c->gl_renderer_,
                   c->gl_version_);
    return c;
  }
  return fail(Errc::gpu, "zerocopy:egl", "no usable EGL device:" + errors);
}

GlContext::~GlContext() {
  if (!egl_ || display_ == EGL_NO_DISPLAY) return;
  if (context_ != EGL_NO_CONTEXT) {
    if (egl_->eglGetCurrentContext() == context_)
      egl_->eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    egl_->eglDestroyContext(display_, context_);
  }
  // No eglTerminate: a device display is one per process and may be shared with another context
  // on the same device (a second importer, a test); terminating it would pull it from under them.
}

bool GlContext::has_egl_extension(std::string_view name) const {
  return has_word(egl_extensions_, name);
}

bool GlContext::has_gl_extension(std::string_view name) const {
  return std::find(gl_extensions_.begin(), gl_extensions_.end(), name) != gl_extensions_.end();
}

Result<void> GlContext::make_current() const {
  if (egl_->eglGetCurrentContext() == context_) return {};
  if (!egl_->eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_))
    return tl::unexpected(egl_error("eglMakeCurrent"));
  return {};
}

void GlContext::release_current() const {
  if (egl_->eglGetCurrentContext() == context_)
    egl_->eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
}

Result<std::vector<DmaBufModifier>> node_dmabuf_modifiers(const EglApi& egl, const std::string& render_node,
                                                          uint32_t drm_fourcc) {
  auto devices = query_devices(egl);
  if (!devices) return tl::unexpected(devices.error());
  for (size_t i = 0; i < devices->size(); ++i) {
    const EglDeviceInfo info = describe_device(egl, (*devices)[i], static_cast<int>(i));
    if (info.drm_render_node != render_node) continue;
    // The display stays initialised for the process: eglTerminate would end it for any other user
    // of the same device display.
    EGLDisplay display = egl.eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, (*devices)[i], nullptr);
    EGLint major = 0, minor = 0;
    if (display == EGL_NO_DISPLAY || !egl.eglInitialize(display, &major, &minor)) {
      return fail(Errc::gpu, "zerocopy:egl",
                  fmt::format("eglInitialize on {}: {}", render_node, egl_error_name(egl.eglGetError())));
    }
    const char* ext = egl.eglQueryString(display, EGL_EXTENSIONS);
    if (!egl.eglQueryDmaBufModifiersEXT || !ext ||
        std::string_view(ext).find("EGL_EXT_image_dma_buf_import_modifiers") == std::string_view::npos) {
      return fail(Errc::unsupported, "zerocopy:egl", render_node + ": no EGL_EXT_image_dma_buf_import_modifiers");
    }
    std::vector<DmaBufModifier> out;
    EGLint n = 0;
    if (!egl.eglQueryDmaBufModifiersEXT(display, static_cast<EGLint>(drm_fourcc), 0, nullptr, nullptr, &n) || n <= 0)
      return out;
    std::vector<EGLuint64KHR> mods(static_cast<size_t>(n));
    std::vector<EGLBoolean> external(static_cast<size_t>(n));
    if (!egl.eglQueryDmaBufModifiersEXT(display, static_cast<EGLint>(drm_fourcc), n, mods.data(), external.data(), &n))
      return out;
    for (EGLint k = 0; k < n; ++k)
      out.push_back({mods[static_cast<size_t>(k)], external[static_cast<size_t>(k)] == EGL_TRUE});
    return out;
  }
  return fail(Errc::not_found, "zerocopy:egl", "no EGL device on " + render_node);
}

std::vector<DmaBufModifier> GlContext::dmabuf_modifiers(uint32_t drm_fourcc) const {
  std::vector<DmaBufModifier> out;
  if (!egl_->eglQueryDmaBufModifiersEXT || !has_egl_extension("EGL_EXT_image_dma_buf_import_modifiers")) return out;
  EGLint n = 0;
  if (!egl_->eglQueryDmaBufModifiersEXT(display_, static_cast<EGLint>(drm_fourcc), 0, nullptr, nullptr, &n) || n <= 0)
    return out;
  std::vector<EGLuint64KHR> mods(static_cast<size_t>(n));
  std::vector<EGLBoolean> external(static_cast<size_t>(n));
  if (!egl_->eglQueryDmaBufModifiersEXT(display_, static_cast<EGLint>(drm_fourcc), n, mods.data(), external.data(), &n))
    return out;
  for (EGLint i = 0; i < n; ++i)
    out.push_back({mods[static_cast<size_t>(i)], external[static_cast<size_t>(i)] == EGL_TRUE});
  return out;
}

Result<void> GlContext::check_gl(std::string_view what) const {
  const GLenum e = egl_->glGetError();
  if (e == GL_NO_ERROR) return {};
  // Drain the rest so the next check reports its own call.
  while (egl_->glGetError() != GL_NO_ERROR) {
  }
  return fail(Errc::gpu, "zerocopy:gl", fmt::format("{} failed: {}", what, gl_error_name(e)));
}

Error GlContext::egl_error(std::string_view what) const {
  return Error{Errc::gpu, "zerocopy:egl", fmt::format("{} failed: {}", what, egl_error_name(egl_->eglGetError()))};
}

GlTexture& GlTexture::operator=(GlTexture&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}
GlTexture GlTexture::create(const EglApi& api) {
  GLuint id = 0;
  api.glGenTextures(1, &id);
  return GlTexture(&api, id);
}
void GlTexture::reset() {
  if (id_ && api_) api_->glDeleteTextures(1, &id_);
  id_ = 0;
}

GlProgram& GlProgram::operator=(GlProgram&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}
void GlProgram::reset() {
  if (id_ && api_) api_->glDeleteProgram(id_);
  id_ = 0;
}

GlFramebuffer& GlFramebuffer::operator=(GlFramebuffer&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}
GlFramebuffer GlFramebuffer::create(const EglApi& api) {
  GlFramebuffer fb;
  fb.api_ = &api;
  api.glGenFramebuffers(1, &fb.id_);
  return fb;
}
void GlFramebuffer::reset() {
  if (id_ && api_) api_->glDeleteFramebuffers(1, &id_);
  id_ = 0;
}

EglImage& EglImage::operator=(EglImage&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    dpy_ = o.dpy_;
    image_ = o.image_;
    o.image_ = EGL_NO_IMAGE_KHR;
  }
  return *this;
}
void EglImage::reset() {
  if (image_ != EGL_NO_IMAGE_KHR && api_) api_->eglDestroyImageKHR(dpy_, image_);
  image_ = EGL_NO_IMAGE_KHR;
}

Result<GlProgram> link_program(const GlContext& gl, const std::vector<std::pair<GLenum, std::string>>& stages) {
  const EglApi& api = gl.api();
  GlProgram program(&api, api.glCreateProgram());
  std::vector<GLuint> shaders;
  auto cleanup = [&] {
    for (GLuint s : shaders)
      api.glDeleteShader(s);
  };
  for (const auto& [type, source] : stages) {
    GLuint s = api.glCreateShader(type);
    shaders.push_back(s);
    const char* src = source.c_str();
    api.glShaderSource(s, 1, &src, nullptr);
    api.glCompileShader(s);
    GLint ok = 0;
    api.glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
      char log[4096] = {};
      api.glGetShaderInfoLog(s, sizeof log - 1, nullptr, log);
      cleanup();
      return fail(Errc::gpu, "zerocopy:gl", fmt::format("shader compile failed: {}", log));
    }
    api.glAttachShader(program.id(), s);
  }
  api.glLinkProgram(program.id());
  cleanup();
  GLint ok = 0;
  api.glGetProgramiv(program.id(), GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[4096] = {};
    api.glGetProgramInfoLog(program.id(), sizeof log - 1, nullptr, log);
    return fail(Errc::gpu, "zerocopy:gl", fmt::format("program link failed: {}", log));
  }
  return program;
}

}  // namespace zc::zerocopy::cuda_bridge
