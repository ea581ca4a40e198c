// Preloaded into xdg-desktop-portal-wlr (0.7, Debian 12) by the portal tests, never into zerocast.
//
// xdg-desktop-portal-wlr 0.7 starts a screen cast only after the compositor's
// zwlr_screencopy_frame_v1 has sent a `linux_dmabuf` event (it checks the portal interface's version
// where it meant the screencopy protocol's: upstream issue emersion/xdg-desktop-portal-wlr#289).
// wlroots' pixman renderer, the only one on a machine without a DRM render node, never sends it, so
// every Start answers 2 ("unable to receive a valid format from wlr_screencopy").
//
// This library takes the place of libwayland-client's wl_proxy_add_listener. For a screencopy frame
// it hands the portal's own listener on, except that the `buffer` event (shared memory: format, size,
// stride) is followed by a call of the portal's `linux_dmabuf` handler with the same format and size.
// Nothing reaches the compositor. With no zwp_linux_dmabuf_v1 global the portal finds no modifier and
// offers MemFd buffers only, so each frame is an ordinary shared-memory screencopy.
//
// Built by the tests with: gcc -O2 -shared -fPIC -o portal_shim.so portal_shim.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wl_proxy;
// libwayland-client's; the portal links it, so the name resolves in its process.
extern const char* wl_proxy_get_class(struct wl_proxy* proxy);

// The event handlers of zwlr_screencopy_frame_v1 in protocol order (version 3).
struct screencopy_frame_events {
  void (*buffer)(void* data, void* frame, uint32_t format, uint32_t width, uint32_t height, uint32_t stride);
  void (*flags)(void* data, void* frame, uint32_t flags);
  void (*ready)(void* data, void* frame, uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec);
  void (*failed)(void* data, void* frame);
  void (*damage)(void* data, void* frame, uint32_t x, uint32_t y, uint32_t width, uint32_t height);
  void (*linux_dmabuf)(void* data, void* frame, uint32_t fourcc, uint32_t width, uint32_t height);
  void (*buffer_done)(void* data, void* frame);
};

typedef int (*add_listener_fn)(struct wl_proxy*, void (**)(void), void*);

// The portal installs one listener for every frame it asks for; the wrapped copy is made once per
// distinct listener it passes.
static const struct screencopy_frame_events* portal_events;
static struct screencopy_frame_events wrapped_events;

// wl_shm's two codes that are not DRM fourccs; every other wl_shm format code is one.
static uint32_t fourcc_of_shm(uint32_t shm_format) {
  switch (shm_format) {
    case 0:
      return 0x34325241u;  // WL_SHM_FORMAT_ARGB8888 -> DRM_FORMAT_ARGB8888 ('AR24')
    case 1:
      return 0x34325258u;  // WL_SHM_FORMAT_XRGB8888 -> DRM_FORMAT_XRGB8888 ('XR24')
    default:
      return shm_format;
  }
}

static void on_buffer(void* data, void* frame, uint32_t format, uint32_t width, uint32_t height, uint32_t stride) {
  portal_events->buffer(data, frame, format, width, height, stride);
  if (portal_events->linux_dmabuf != NULL)
    portal_events->linux_dmabuf(data, frame, fourcc_of_shm(format), width, height);
}

int wl_proxy_add_listener(struct wl_proxy* proxy, void (**implementation)(void), void* data) {
  static add_listener_fn next;
  if (next == NULL) {
    next = (add_listener_fn)dlsym(RTLD_NEXT, "wl_proxy_add_listener");
    if (next == NULL) {
      fprintf(stderr, "portal_shim: libwayland-client's wl_proxy_add_listener not found\n");
      abort();
    }
  }
  const char* interface = wl_proxy_get_class(proxy);
  if (implementation != NULL && interface != NULL && strcmp(interface, "zwlr_screencopy_frame_v1") == 0) {
    const struct screencopy_frame_events* events = (const struct screencopy_frame_events*)implementation;
    if (events != &wrapped_events) {
      if (events != portal_events) {
        portal_events = events;
        wrapped_events = *events;
        wrapped_events.buffer = on_buffer;
        fprintf(stderr, "portal_shim: screencopy frames announce their shared-memory format as linux_dmabuf too\n");
      }
      implementation = (void (**)(void)) & wrapped_events;
    }
  }
  return next(proxy, implementation, data);
}
