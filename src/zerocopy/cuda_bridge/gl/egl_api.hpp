#pragma once
// EGL and OpenGL ES entry points, loaded at run time from the loaders (libEGL.so.1,
// libGLESv2.so.2, both glvnd on Debian) so that a machine without them still starts and probes.
// Extension functions come from eglGetProcAddress and may be null.
#define EGL_EGL_PROTOTYPES 0
#define GL_GLES_PROTOTYPES 0
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl32.h>
// gl2ext.h needs the types of gl32.h: keep it in its own include block, after it.
#include <GLES2/gl2ext.h>

#include <memory>
#include <string>

#include "core/error.hpp"

namespace zc::zerocopy::cuda_bridge {

#define ZC_EGL_CORE(X)                                 \
  X(eglGetProcAddress, PFNEGLGETPROCADDRESSPROC)       \
  X(eglGetError, PFNEGLGETERRORPROC)                   \
  X(eglQueryString, PFNEGLQUERYSTRINGPROC)             \
  X(eglInitialize, PFNEGLINITIALIZEPROC)               \
  X(eglTerminate, PFNEGLTERMINATEPROC)                 \
  X(eglBindAPI, PFNEGLBINDAPIPROC)                     \
  X(eglChooseConfig, PFNEGLCHOOSECONFIGPROC)           \
  X(eglCreateContext, PFNEGLCREATECONTEXTPROC)         \
  X(eglDestroyContext, PFNEGLDESTROYCONTEXTPROC)       \
  X(eglMakeCurrent, PFNEGLMAKECURRENTPROC)             \
  X(eglGetCurrentContext, PFNEGLGETCURRENTCONTEXTPROC) \
  X(eglReleaseThread, PFNEGLRELEASETHREADPROC)

#define ZC_EGL_EXT(X)                                              \
  X(eglQueryDevicesEXT, PFNEGLQUERYDEVICESEXTPROC)                 \
  X(eglQueryDeviceStringEXT, PFNEGLQUERYDEVICESTRINGEXTPROC)       \
  X(eglQueryDeviceAttribEXT, PFNEGLQUERYDEVICEATTRIBEXTPROC)       \
  X(eglGetPlatformDisplayEXT, PFNEGLGETPLATFORMDISPLAYEXTPROC)     \
  X(eglQueryDmaBufFormatsEXT, PFNEGLQUERYDMABUFFORMATSEXTPROC)     \
  X(eglQueryDmaBufModifiersEXT, PFNEGLQUERYDMABUFMODIFIERSEXTPROC) \
  X(eglCreateImageKHR, PFNEGLCREATEIMAGEKHRPROC)                   \
  X(eglDestroyImageKHR, PFNEGLDESTROYIMAGEKHRPROC)                 \
  X(eglCreateSyncKHR, PFNEGLCREATESYNCKHRPROC)                     \
  X(eglDestroySyncKHR, PFNEGLDESTROYSYNCKHRPROC)                   \
  X(eglClientWaitSyncKHR, PFNEGLCLIENTWAITSYNCKHRPROC)             \
  X(eglWaitSyncKHR, PFNEGLWAITSYNCKHRPROC)                         \
  X(eglDupNativeFenceFDANDROID, PFNEGLDUPNATIVEFENCEFDANDROIDPROC)

#define ZC_GL_CORE(X)                                          \
  X(glGetError, PFNGLGETERRORPROC)                             \
  X(glGetString, PFNGLGETSTRINGPROC)                           \
  X(glGetStringi, PFNGLGETSTRINGIPROC)                         \
  X(glGetIntegerv, PFNGLGETINTEGERVPROC)                       \
  X(glGenTextures, PFNGLGENTEXTURESPROC)                       \
  X(glDeleteTextures, PFNGLDELETETEXTURESPROC)                 \
  X(glBindTexture, PFNGLBINDTEXTUREPROC)                       \
  X(glActiveTexture, PFNGLACTIVETEXTUREPROC)                   \
  X(glTexParameteri, PFNGLTEXPARAMETERIPROC)                   \
  X(glTexStorage2D, PFNGLTEXSTORAGE2DPROC)                     \
  X(glTexSubImage2D, PFNGLTEXSUBIMAGE2DPROC)                   \
  X(glPixelStorei, PFNGLPIXELSTOREIPROC)                       \
  X(glCreateShader, PFNGLCREATESHADERPROC)                     \
  X(glShaderSource, PFNGLSHADERSOURCEPROC)                     \
  X(glCompileShader, PFNGLCOMPILESHADERPROC)                   \
  X(glGetShaderiv, PFNGLGETSHADERIVPROC)                       \
  X(glGetShaderInfoLog, PFNGLGETSHADERINFOLOGPROC)             \
  X(glDeleteShader, PFNGLDELETESHADERPROC)                     \
  X(glCreateProgram, PFNGLCREATEPROGRAMPROC)                   \
  X(glAttachShader, PFNGLATTACHSHADERPROC)                     \
  X(glLinkProgram, PFNGLLINKPROGRAMPROC)                       \
  X(glGetProgramiv, PFNGLGETPROGRAMIVPROC)                     \
  X(glGetProgramInfoLog, PFNGLGETPROGRAMINFOLOGPROC)           \
  X(glDeleteProgram, PFNGLDELETEPROGRAMPROC)                   \
  X(glUseProgram, PFNGLUSEPROGRAMPROC)                         \
  X(glGetUniformLocation, PFNGLGETUNIFORMLOCATIONPROC)         \
  X(glUniform1i, PFNGLUNIFORM1IPROC)                           \
  X(glUniform2i, PFNGLUNIFORM2IPROC)                           \
  X(glUniform4i, PFNGLUNIFORM4IPROC)                           \
  X(glUniform2f, PFNGLUNIFORM2FPROC)                           \
  X(glUniform4f, PFNGLUNIFORM4FPROC)                           \
  X(glUniform4iv, PFNGLUNIFORM4IVPROC)                         \
  X(glBindImageTexture, PFNGLBINDIMAGETEXTUREPROC)             \
  X(glDispatchCompute, PFNGLDISPATCHCOMPUTEPROC)               \
  X(glMemoryBarrier, PFNGLMEMORYBARRIERPROC)                   \
  X(glGenFramebuffers, PFNGLGENFRAMEBUFFERSPROC)               \
  X(glDeleteFramebuffers, PFNGLDELETEFRAMEBUFFERSPROC)         \
  X(glBindFramebuffer, PFNGLBINDFRAMEBUFFERPROC)               \
  X(glFramebufferTexture2D, PFNGLFRAMEBUFFERTEXTURE2DPROC)     \
  X(glCheckFramebufferStatus, PFNGLCHECKFRAMEBUFFERSTATUSPROC) \
  X(glReadPixels, PFNGLREADPIXELSPROC)                         \
  X(glViewport, PFNGLVIEWPORTPROC)                             \
  X(glDisable, PFNGLDISABLEPROC)                               \
  X(glEnable, PFNGLENABLEPROC)                                 \
  X(glScissor, PFNGLSCISSORPROC)                               \
  X(glClearColor, PFNGLCLEARCOLORPROC)                         \
  X(glClear, PFNGLCLEARPROC)                                   \
  X(glDrawArrays, PFNGLDRAWARRAYSPROC)                         \
  X(glGenVertexArrays, PFNGLGENVERTEXARRAYSPROC)               \
  X(glBindVertexArray, PFNGLBINDVERTEXARRAYPROC)               \
  X(glDeleteVertexArrays, PFNGLDELETEVERTEXARRAYSPROC)         \
  X(glFlush, PFNGLFLUSHPROC)                                   \
  X(glFinish, PFNGLFINISHPROC)                                 \
  X(glFenceSync, PFNGLFENCESYNCPROC)                           \
  X(glClientWaitSync, PFNGLCLIENTWAITSYNCPROC)                 \
  X(glDeleteSync, PFNGLDELETESYNCPROC)                         \
  X(glGenQueries, PFNGLGENQUERIESPROC)                         \
  X(glDeleteQueries, PFNGLDELETEQUERIESPROC)                   \
  X(glBeginQuery, PFNGLBEGINQUERYPROC)                         \
  X(glEndQuery, PFNGLENDQUERYPROC)

#define ZC_GL_EXT(X)                                                   \
  X(glEGLImageTargetTexture2DOES, PFNGLEGLIMAGETARGETTEXTURE2DOESPROC) \
  X(glGetQueryObjectui64vEXT, PFNGLGETQUERYOBJECTUI64VEXTPROC)         \
  X(glGetQueryObjectivEXT, PFNGLGETQUERYOBJECTIVEXTPROC)

struct EglApi {
#define ZC_MEMBER(name, type) type name = nullptr;
  ZC_EGL_CORE(ZC_MEMBER)
  ZC_EGL_EXT(ZC_MEMBER)
  ZC_GL_CORE(ZC_MEMBER)
  ZC_GL_EXT(ZC_MEMBER)
#undef ZC_MEMBER

  EglApi() = default;
  EglApi(const EglApi&) = delete;
  EglApi& operator=(const EglApi&) = delete;
  ~EglApi();

  void* egl_lib = nullptr;
  void* gles_lib = nullptr;
};

// Errc::not_found when the loaders are missing or lack a core entry point.
Result<std::shared_ptr<const EglApi>> load_egl();

// "EGL_BAD_MATCH (0x3009)".
std::string egl_error_name(EGLint error);
// "GL_INVALID_OPERATION (0x502)".
std::string gl_error_name(GLenum error);

}  // namespace zc::zerocopy::cuda_bridge
