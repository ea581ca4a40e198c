#include "zerocopy/cuda_bridge/gl/egl_api.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

namespace zc::zerocopy::cuda_bridge {

EglApi::~EglApi() {
  // The loaders stay mapped: glvnd and the vendor libraries register atexit handlers and
  // thread-local state that must not outlive their code.
}

Result<std::shared_ptr<const EglApi>> load_egl() {
  auto api = std::make_shared<EglApi>();
  api->egl_lib = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!api->egl_lib) {
    const char* why = dlerror();
    return fail(Errc::not_found, "zerocopy:egl", why ? why : "cannot load libEGL.so.1");
  }
  api->gles_lib = dlopen("libGLESv2.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!api->gles_lib) {
    const char* why = dlerror();
    return fail(Errc::not_found, "zerocopy:egl", why ? why : "cannot load libGLESv2.so.2");
  }
  std::string missing;
#define ZC_EGL_LOAD(name, type)                                   \
  api->name = reinterpret_cast<type>(dlsym(api->egl_lib, #name)); \
  if (!api->name) missing += " " #name;
  ZC_EGL_CORE(ZC_EGL_LOAD)
#undef ZC_EGL_LOAD
  if (!missing.empty()) return fail(Errc::not_found, "zerocopy:egl", "libEGL.so.1 lacks" + missing);
#define ZC_GL_LOAD(name, type)                                     \
  api->name = reinterpret_cast<type>(dlsym(api->gles_lib, #name)); \
  if (!api->name) missing += " " #name;
  ZC_GL_CORE(ZC_GL_LOAD)
#undef ZC_GL_LOAD
  if (!missing.empty()) return fail(Errc::not_found, "zerocopy:egl", "libGLESv2.so.2 lacks" + missing);
#define ZC_EXT_LOAD(name, type) api->name = reinterpret_cast<type>(api->eglGetProcAddress(#name));
  ZC_EGL_EXT(ZC_EXT_LOAD)
  ZC_GL_EXT(ZC_EXT_LOAD)
#undef ZC_EXT_LOAD
  return std::shared_ptr<const EglApi>(std::move(api));
}

std::string egl_error_name(EGLint error) {
  const char* name = "EGL error";
  switch (error) {
    case EGL_SUCCESS:
      name = "EGL_SUCCESS";
      break;
    case EGL_NOT_INITIALIZED:
      name = "EGL_NOT_INITIALIZED";
      break;
    case EGL_BAD_ACCESS:
      name = "EGL_BAD_ACCESS";
      break;
    case EGL_BAD_ALLOC:
      name = "EGL_BAD_ALLOC";
      break;
    case EGL_BAD_ATTRIBUTE:
      name = "EGL_BAD_ATTRIBUTE";
      break;
    case EGL_BAD_CONFIG:
      name = "EGL_BAD_CONFIG";
      break;
    case EGL_BAD_CONTEXT:
      name = "EGL_BAD_CONTEXT";
      break;
    case EGL_BAD_DISPLAY:
      name = "EGL_BAD_DISPLAY";
      break;
    case EGL_BAD_MATCH:
      name = "EGL_BAD_MATCH";
      break;
    case EGL_BAD_PARAMETER:
      name = "EGL_BAD_PARAMETER";
      break;
    case EGL_BAD_SURFACE:
      name = "EGL_BAD_SURFACE";
      break;
    case EGL_CONTEXT_LOST:
      name = "EGL_CONTEXT_LOST";
      break;
    default:
      break;
  }
  return fmt::format("{} (0x{:x})", name, error);
}

std::string gl_error_name(GLenum error) {
  const char* name = "GL error";
  switch (error) {
    case GL_NO_ERROR:
      name = "GL_NO_ERROR";
      break;
    case GL_INVALID_ENUM:
      name = "GL_INVALID_ENUM";
      break;
    case GL_INVALID_VALUE:
      name = "GL_INVALID_VALUE";
      break;
    case GL_INVALID_OPERATION:
      name = "GL_INVALID_OPERATION";
      break;
    case GL_INVALID_FRAMEBUFFER_OPERATION:
      name = "GL_INVALID_FRAMEBUFFER_OPERATION";
      break;
    case GL_OUT_OF_MEMORY:
      name = "GL_OUT_OF_MEMORY";
      break;
    default:
      break;
  }
  return fmt::format("{} (0x{:x})", name, error);
}

}  // namespace zc::zerocopy::cuda_bridge
