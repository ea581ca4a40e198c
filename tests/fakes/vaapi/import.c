/* dmabuf import (VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2): the buffers are mapped at import and
 * read where a GPU would read them (VPP input, encode source), between DMA_BUF_IOCTL_SYNC START
 * and END, never copied ahead. What a real driver refuses is refused here too, with the reason
 * in the stats: a modifier outside the accepted list (ZC_FAKE_VA_MODIFIERS, default linear), a
 * layer format it does not know, a buffer shorter than its planes. Statuses are Mesa's: a
 * descriptor that makes no sense is INVALID_PARAMETER, a format it has no surface for
 * INVALID_IMAGE_FORMAT, a buffer the kernel driver would not import ALLOCATION_FAILED. */
#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_va.h"

static VAStatus refuse(VAStatus status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

static VAStatus refuse(VAStatus status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(zc_stats.import_refused_reason, sizeof zc_stats.import_refused_reason, fmt, ap);
  va_end(ap);
  ++zc_stats.imports_refused;
  return status;
}

/* The VA fourcc a single-plane DRM format is, and its bytes per pixel. */
static uint32_t rgb_fourcc(uint32_t drm_format) {
  switch (drm_format) {
    case DRM_FORMAT_XRGB8888:
      return VA_FOURCC_BGRX;
    case DRM_FORMAT_ARGB8888:
      return VA_FOURCC_BGRA;
    case DRM_FORMAT_XBGR8888:
      return VA_FOURCC_RGBX;
    case DRM_FORMAT_ABGR8888:
      return VA_FOURCC_RGBA;
    default:
      return 0;
  }
}

/* One plane as the descriptor gives it: which object, where, how many rows of how many bytes. */
typedef struct {
  uint32_t object, offset, pitch, row_bytes, rows;
} Plane;

/* The descriptor's layers as planes of a surface: one RGB layer, NV12 in one layer of two
 * planes, or NV12 as two layers (R8 luma, GR88 chroma: what separate-layer exports give). */
static VAStatus read_layers(const VADRMPRIMESurfaceDescriptor* desc, uint32_t* fourcc, Plane planes[2],
                            int* num_planes) {
  const uint32_t w = desc->width, h = desc->height;
  if (desc->num_layers == 1 && desc->layers[0].num_planes == 1 && rgb_fourcc(desc->layers[0].drm_format)) {
    *fourcc = rgb_fourcc(desc->layers[0].drm_format);
    planes[0] = (Plane){desc->layers[0].object_index[0], desc->layers[0].offset[0], desc->layers[0].pitch[0], w * 4, h};
    *num_planes = 1;
    return VA_STATUS_SUCCESS;
  }
  if (desc->num_layers == 1 && desc->layers[0].drm_format == DRM_FORMAT_NV12 && desc->layers[0].num_planes == 2) {
    *fourcc = VA_FOURCC_NV12;
    for (int p = 0; p < 2; ++p)
      planes[p] = (Plane){desc->layers[0].object_index[p], desc->layers[0].offset[p], desc->layers[0].pitch[p],
                          p ? (w + 1) / 2 * 2 : w, p ? (h + 1) / 2 : h};
    *num_planes = 2;
    return VA_STATUS_SUCCESS;
  }
  if (desc->num_layers == 2 && desc->layers[0].drm_format == DRM_FORMAT_R8 &&
      desc->layers[1].drm_format == DRM_FORMAT_GR88 && desc->layers[0].num_planes == 1 &&
      desc->layers[1].num_planes == 1) {
    *fourcc = VA_FOURCC_NV12;
    for (int p = 0; p < 2; ++p)
      planes[p] = (Plane){desc->layers[p].object_index[0], desc->layers[p].offset[0], desc->layers[p].pitch[0],
                          p ? (w + 1) / 2 * 2 : w, p ? (h + 1) / 2 : h};
    *num_planes = 2;
    return VA_STATUS_SUCCESS;
  }
  return refuse(VA_STATUS_ERROR_INVALID_IMAGE_FORMAT, "unknown layer format 0x%08x (%u layers, %u planes)",
                desc->num_layers ? desc->layers[0].drm_format : 0, desc->num_layers,
                desc->num_layers ? desc->layers[0].num_planes : 0);
}

static int modifier_accepted(const ZcDriver* d, uint64_t modifier) {
  for (size_t i = 0; i < d->num_modifiers; ++i)
    if (d->modifiers[i] == modifier) return 1;
  return 0;
}

VAStatus zc_import_surface(ZcDriver* d, uint32_t rt_format, const VADRMPRIMESurfaceDescriptor* desc, ZcSurface** out) {
  if (desc->num_objects == 0 || desc->num_objects > 4 || desc->num_layers == 0 || desc->num_layers > 4 ||
      desc->width == 0 || desc->height == 0)
    return refuse(VA_STATUS_ERROR_INVALID_PARAMETER, "descriptor with %u objects, %u layers, %ux%u", desc->num_objects,
                  desc->num_layers, desc->width, desc->height);
  uint32_t fourcc = 0;
  Plane planes[2];
  int num_planes = 0;
  VAStatus st = read_layers(desc, &fourcc, planes, &num_planes);
  if (st != VA_STATUS_SUCCESS) return st;
  if (rt_format && !(rt_format & zc_rt_format_of(fourcc)))
    return refuse(VA_STATUS_ERROR_INVALID_PARAMETER, "layer format 0x%08x is not of render target format 0x%x",
                  desc->layers[0].drm_format, rt_format);
  for (uint32_t i = 0; i < desc->num_objects; ++i) {
    if (!modifier_accepted(d, desc->objects[i].drm_format_modifier))
      return refuse(VA_STATUS_ERROR_ALLOCATION_FAILED, "modifier 0x%016llx not accepted",
                    (unsigned long long)desc->objects[i].drm_format_modifier);
  }
  /* The size the kernel gives, not the descriptor's (which an application may get wrong). */
  off_t sizes[4];
  for (uint32_t i = 0; i < desc->num_objects; ++i) {
    sizes[i] = lseek(desc->objects[i].fd, 0, SEEK_END);
    if (sizes[i] <= 0)
      return refuse(VA_STATUS_ERROR_ALLOCATION_FAILED, "object %u: no size (fd %d)", i, desc->objects[i].fd);
  }
  for (int p = 0; p < num_planes; ++p) {
    const Plane* pl = &planes[p];
    if (pl->object >= desc->num_objects)
      return refuse(VA_STATUS_ERROR_INVALID_PARAMETER, "plane %d in object %u of %u", p, pl->object, desc->num_objects);
    if (pl->pitch < pl->row_bytes)
      return refuse(VA_STATUS_ERROR_INVALID_PARAMETER, "plane %d: pitch %u below %u bytes a row", p, pl->pitch,
                    pl->row_bytes);
    const uint64_t end = (uint64_t)pl->offset + (uint64_t)pl->pitch * pl->rows;
    if (end > (uint64_t)sizes[pl->object])
      return refuse(VA_STATUS_ERROR_ALLOCATION_FAILED,
                    "buffer too short: plane %d needs %llu bytes, object %u has %lld", p, (unsigned long long)end,
                    pl->object, (long long)sizes[pl->object]);
  }
  ZcSurface* s = calloc(1, sizeof *s);
  if (!s) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  for (int i = 0; i < 4; ++i)
    s->fds[i] = -1;
  s->imported = 1;
  s->fourcc = fourcc;
  s->rt_format = zc_rt_format_of(fourcc);
  s->width = desc->width;
  s->height = desc->height;
  s->planes = num_planes;
  s->num_objects = (int)desc->num_objects;
  for (uint32_t i = 0; i < desc->num_objects; ++i) {
    s->fds[i] = fcntl(desc->objects[i].fd, F_DUPFD_CLOEXEC, 3);
    s->maps[i] = s->fds[i] < 0 ? MAP_FAILED : mmap(NULL, (size_t)sizes[i], PROT_READ, MAP_SHARED, s->fds[i], 0);
    if (s->maps[i] == MAP_FAILED) {
      const int err = errno;
      s->maps[i] = NULL;
      zc_surface_free(s);
      return refuse(VA_STATUS_ERROR_ALLOCATION_FAILED, "object %u: mmap failed (%s)", i, strerror(err));
    }
    s->map_sizes[i] = (size_t)sizes[i];
  }
  for (int p = 0; p < num_planes; ++p) {
    s->plane[p] = (uint8_t*)s->maps[planes[p].object] + planes[p].offset;
    s->pitch[p] = planes[p].pitch;
  }
  struct stat info;
  s->ino = fstat(s->fds[planes[0].object], &info) == 0 ? info.st_ino : 0;
  ++zc_stats.imports;
  zc_stats.last_import_ino = (unsigned long)s->ino;
  *out = s;
  return VA_STATUS_SUCCESS;
}

/* Sync failures are ignored: a memfd given in place of a dmabuf (a test without udmabuf) has
 * no sync ioctl and needs none. */
static void sync_objects(ZcSurface* s, uint64_t flags) {
  for (int i = 0; i < s->num_objects; ++i) {
    struct dma_buf_sync sync = {flags | DMA_BUF_SYNC_READ};
    while (ioctl(s->fds[i], DMA_BUF_IOCTL_SYNC, &sync) < 0 && (errno == EINTR || errno == EAGAIN)) {
    }
  }
}

void zc_surface_begin_read(ZcSurface* s) {
  if (s->imported) sync_objects(s, DMA_BUF_SYNC_START);
}

void zc_surface_end_read(ZcSurface* s) {
  if (s->imported) sync_objects(s, DMA_BUF_SYNC_END);
}
