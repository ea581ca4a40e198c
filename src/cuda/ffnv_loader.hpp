#pragma once
// Internal: nv-codec-headers' loader with our hooks. Include only from .cpp files. The loader's
// `logctx` argument carries a FfnvLoadLog, which can replace the library path (tests act out a
// machine without NVIDIA that way) and collects the loader's messages plus dlerror() for the
// probe's reasons instead of printing them to stderr.
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace zc::cuda {

struct FfnvLoadLog {
  std::string library;  // empty: the loader's default name
  std::string message;  // what went wrong, for the probe
};

inline void* ffnv_open(const char* default_path, void* logctx) {
  auto* log = static_cast<FfnvLoadLog*>(logctx);
  const char* path = log && !log->library.empty() ? log->library.c_str() : default_path;
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle && log) {
    const char* why = dlerror();
    log->message = why ? why : std::string("cannot load ") + path;
  }
  return handle;
}

inline void ffnv_log(void* logctx, const char* fmt, ...) {
  auto* log = static_cast<FfnvLoadLog*>(logctx);
  if (!log) return;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string line(buf);
  while (!line.empty() && line.back() == '\n')
    line.pop_back();
  // Keep dlopen's own message (it says why); add the loader's when it is about a symbol.
  if (log->message.empty() || line.rfind("Cannot load lib", 0) != 0) {
    if (!log->message.empty()) log->message += "; ";
    log->message += line;
  }
}

}  // namespace zc::cuda

#define FFNV_LOAD_FUNC(path) ::zc::cuda::ffnv_open((path), logctx)
#define FFNV_SYM_FUNC(lib, sym) dlsym((lib), (sym))
#define FFNV_FREE_FUNC(lib) dlclose(lib)
#define FFNV_LOG_FUNC(logctx, msg, ...) ::zc::cuda::ffnv_log((logctx), (msg), __VA_ARGS__)
#define FFNV_DEBUG_LOG_FUNC(logctx, msg, ...)

#include <ffnvcodec/dynlink_loader.h>
