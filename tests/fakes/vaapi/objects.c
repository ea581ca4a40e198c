/* The driver's objects: the id table, surfaces in host memory, contexts and buffers (images are
 * in images.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_va.h"

static uint32_t align(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

uint32_t zc_object_add(ZcDriver* d, ZcObjType type, void* p) {
  for (size_t i = 0; i < d->num_objects; ++i) {
    if (d->objects[i].type == ZC_OBJ_FREE) {
      d->objects[i] = (ZcObject){type, p};
      return (uint32_t)i + 1;
    }
  }
  if (d->num_objects == d->cap_objects) {
    d->cap_objects = d->cap_objects ? d->cap_objects * 2 : 256;
    d->objects = realloc(d->objects, d->cap_objects * sizeof *d->objects);
    if (!d->objects) abort();
  }
  d->objects[d->num_objects++] = (ZcObject){type, p};
  return (uint32_t)d->num_objects;
}

void* zc_object_get(ZcDriver* d, uint32_t id, ZcObjType type) {
  if (id == 0 || id > d->num_objects || d->objects[id - 1].type != type) return NULL;
  return d->objects[id - 1].p;
}

void zc_buffer_free(ZcBuffer* b) {
  if (!b->alias) free(b->data);
  zc_bytes_free(&b->coded);
  free(b);
}

static void free_context(ZcContext* c) {
  zc_context_reset_picture(c);
  free(c->slices);
  free(c->packed);
  free(c);
}

void zc_surface_free(ZcSurface* s) {
  if (!s) return;
  free(s->host);
  for (int i = 0; i < s->num_objects; ++i) {
    if (s->maps[i]) munmap(s->maps[i], s->map_sizes[i]);
    if (s->fds[i] >= 0) close(s->fds[i]);
  }
  free(s);
}

void zc_object_remove(ZcDriver* d, uint32_t id) {
  if (id == 0 || id > d->num_objects) return;
  ZcObject* o = &d->objects[id - 1];
  switch (o->type) {
    case ZC_OBJ_CONFIG:
    case ZC_OBJ_IMAGE:
      free(o->p);
      break;
    case ZC_OBJ_CONTEXT:
      free_context(o->p);
      break;
    case ZC_OBJ_SURFACE:
      zc_surface_free(o->p);
      break;
    case ZC_OBJ_BUFFER:
      zc_buffer_free(o->p);
      break;
    case ZC_OBJ_FREE:
      break;
  }
  *o = (ZcObject){ZC_OBJ_FREE, NULL};
}

void zc_objects_free_all(ZcDriver* d) {
  for (size_t i = 0; i < d->num_objects; ++i)
    zc_object_remove(d, (uint32_t)i + 1);
  free(d->objects);
  d->objects = NULL;
  d->num_objects = d->cap_objects = 0;
}

uint32_t zc_rt_format_of(uint32_t fourcc) {
  switch (fourcc) {
    case VA_FOURCC_NV12:
      return VA_RT_FORMAT_YUV420;
    case VA_FOURCC_P010:
      return VA_RT_FORMAT_YUV420_10;
    case VA_FOURCC_BGRX:
    case VA_FOURCC_BGRA:
    case VA_FOURCC_RGBX:
    case VA_FOURCC_RGBA:
      return VA_RT_FORMAT_RGB32;
    default:
      return 0;
  }
}

uint32_t zc_fourcc_bytes(uint32_t fourcc) {
  return fourcc == VA_FOURCC_NV12 ? 1 : fourcc == VA_FOURCC_P010 ? 2 : 4;
}

/* The host layout of a surface or image: planes one after the other, rows 64-byte aligned, luma
 * rows to a whole macroblock (what an encoder reads). Returns the size. */
size_t zc_host_layout(uint32_t fourcc, uint32_t width, uint32_t height, uint32_t pitch[2], size_t* chroma_offset,
                      int* planes) {
  pitch[0] = align(width * zc_fourcc_bytes(fourcc), 64);
  if (zc_rt_format_of(fourcc) == VA_RT_FORMAT_RGB32) {
    pitch[1] = 0;
    *chroma_offset = 0;
    *planes = 1;
    return (size_t)pitch[0] * height;
  }
  const uint32_t rows = align(height, 16);
  pitch[1] = pitch[0];
  *chroma_offset = (size_t)pitch[0] * rows;
  *planes = 2;
  return *chroma_offset + (size_t)pitch[1] * (rows / 2);
}

ZcSurface* zc_surface_new_host(uint32_t fourcc, uint32_t width, uint32_t height) {
  ZcSurface* s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->fourcc = fourcc;
  s->rt_format = zc_rt_format_of(fourcc);
  s->width = width;
  s->height = height;
  size_t chroma = 0;
  s->host_size = zc_host_layout(fourcc, width, height, s->pitch, &chroma, &s->planes);
  s->host = calloc(1, s->host_size);
  if (!s->host) {
    free(s);
    return NULL;
  }
  /* A new NV12 surface is black rather than green, as after a real driver's clear. */
  if (fourcc == VA_FOURCC_NV12) memset(s->host + chroma, 128, s->host_size - chroma);
  s->plane[0] = s->host;
  s->plane[1] = s->planes > 1 ? s->host + chroma : NULL;
  return s;
}

static uint32_t default_fourcc(uint32_t rt_format) {
  if (rt_format & VA_RT_FORMAT_YUV420) return VA_FOURCC_NV12;
  if (rt_format & VA_RT_FORMAT_YUV420_10) return VA_FOURCC_P010;
  if (rt_format & VA_RT_FORMAT_RGB32) return VA_FOURCC_BGRX;
  return 0;
}

static VAStatus create_surfaces(ZcDriver* d, unsigned format, unsigned width, unsigned height, VASurfaceID* surfaces,
                                unsigned num, const VASurfaceAttrib* attribs, unsigned num_attribs) {
  uint32_t fourcc = 0, mem_type = VA_SURFACE_ATTRIB_MEM_TYPE_VA;
  const VADRMPRIMESurfaceDescriptor* desc = NULL;
  for (unsigned i = 0; i < num_attribs; ++i) {
    if (!(attribs[i].flags & VA_SURFACE_ATTRIB_SETTABLE)) continue;
    switch (attribs[i].type) {
      case VASurfaceAttribPixelFormat:
        fourcc = (uint32_t)attribs[i].value.value.i;
        break;
      case VASurfaceAttribMemoryType:
        mem_type = (uint32_t)attribs[i].value.value.i;
        break;
      case VASurfaceAttribExternalBufferDescriptor:
        desc = attribs[i].value.value.p;
        break;
      default:
        break;
    }
  }
  if (width == 0 || height == 0 || width > 8192 || height > 8192) return VA_STATUS_ERROR_INVALID_PARAMETER;
  if (mem_type == VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2) {
    /* One descriptor describes one surface. */
    if (!desc || num != 1) return VA_STATUS_ERROR_INVALID_PARAMETER;
    ZcSurface* s = NULL;
    const VAStatus st = zc_import_surface(d, format, desc, &s);
    if (st != VA_STATUS_SUCCESS) return st;
    surfaces[0] = zc_object_add(d, ZC_OBJ_SURFACE, s);
    return VA_STATUS_SUCCESS;
  }
  if (mem_type != VA_SURFACE_ATTRIB_MEM_TYPE_VA) return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
  if (!fourcc) fourcc = default_fourcc(format);
  if (!zc_rt_format_of(fourcc)) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
  for (unsigned i = 0; i < num; ++i) {
    ZcSurface* s = zc_surface_new_host(fourcc, width, height);
    if (!s) {
      for (unsigned j = 0; j < i; ++j)
        zc_object_remove(d, surfaces[j]);
      return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }
    surfaces[i] = zc_object_add(d, ZC_OBJ_SURFACE, s);
  }
  return VA_STATUS_SUCCESS;
}

VAStatus zc_CreateSurfaces2(VADriverContextP ctx, unsigned int format, unsigned int width, unsigned int height,
                            VASurfaceID* surfaces, unsigned int num_surfaces, VASurfaceAttrib* attribs,
                            unsigned int num_attribs) {
  ZC_LOCKED(create_surfaces(ZC_DRIVER(ctx), format, width, height, surfaces, num_surfaces, attribs, num_attribs));
}

VAStatus zc_CreateSurfaces(VADriverContextP ctx, int width, int height, int format, int num_surfaces,
                           VASurfaceID* surfaces) {
  if (width <= 0 || height <= 0 || num_surfaces <= 0) return VA_STATUS_ERROR_INVALID_PARAMETER;
  ZC_LOCKED(create_surfaces(ZC_DRIVER(ctx), (unsigned)format, (unsigned)width, (unsigned)height, surfaces,
                            (unsigned)num_surfaces, NULL, 0));
}

static VAStatus destroy_surfaces(ZcDriver* d, const VASurfaceID* list, int num) {
  for (int i = 0; i < num; ++i)
    if (!zc_object_get(d, list[i], ZC_OBJ_SURFACE)) return VA_STATUS_ERROR_INVALID_SURFACE;
  for (int i = 0; i < num; ++i)
    zc_object_remove(d, list[i]);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_DestroySurfaces(VADriverContextP ctx, VASurfaceID* surfaces, int num_surfaces) {
  ZC_LOCKED(destroy_surfaces(ZC_DRIVER(ctx), surfaces, num_surfaces));
}

static VAStatus query_surface_attributes(ZcDriver* d, VAConfigID config, VASurfaceAttrib* list, unsigned* num) {
  const ZcConfig* c = zc_object_get(d, config, ZC_OBJ_CONFIG);
  if (!c) return VA_STATUS_ERROR_INVALID_CONFIG;
  const int encode = c->entrypoint != VAEntrypointVideoProc;
  const uint32_t formats[] = {VA_FOURCC_NV12, VA_FOURCC_P010, VA_FOURCC_BGRX,
                              VA_FOURCC_BGRA, VA_FOURCC_RGBX, VA_FOURCC_RGBA};
  const unsigned num_formats = encode ? 1 : sizeof formats / sizeof *formats;
  const unsigned total = num_formats + 6;
  if (!list) {
    *num = total;
    return VA_STATUS_SUCCESS;
  }
  if (*num < total) {
    *num = total;
    return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
  }
  unsigned n = 0;
  for (unsigned i = 0; i < num_formats; ++i) {
    list[n].type = VASurfaceAttribPixelFormat;
    list[n].flags = VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE;
    list[n].value.type = VAGenericValueTypeInteger;
    list[n++].value.value.i = (int)formats[i];
  }
  static const struct {
    VASurfaceAttribType type;
    int value;
  } ints[] = {{VASurfaceAttribMinWidth, 16},
              {VASurfaceAttribMinHeight, 16},
              {VASurfaceAttribMaxWidth, 8192},
              {VASurfaceAttribMaxHeight, 8192},
              {VASurfaceAttribMemoryType, VA_SURFACE_ATTRIB_MEM_TYPE_VA | VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; ++i) {
    list[n].type = ints[i].type;
    list[n].flags =
        VA_SURFACE_ATTRIB_GETTABLE | (ints[i].type == VASurfaceAttribMemoryType ? VA_SURFACE_ATTRIB_SETTABLE : 0);
    list[n].value.type = VAGenericValueTypeInteger;
    list[n++].value.value.i = ints[i].value;
  }
  list[n].type = VASurfaceAttribExternalBufferDescriptor;
  list[n].flags = VA_SURFACE_ATTRIB_SETTABLE;
  list[n].value.type = VAGenericValueTypePointer;
  list[n++].value.value.p = NULL;
  *num = n;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_QuerySurfaceAttributes(VADriverContextP ctx, VAConfigID config, VASurfaceAttrib* attribs,
                                   unsigned int* num_attribs) {
  ZC_LOCKED(query_surface_attributes(ZC_DRIVER(ctx), config, attribs, num_attribs));
}

/* Work is done by the time EndPicture returns: every surface is always ready. */
static VAStatus surface_ready(ZcDriver* d, VASurfaceID id, VASurfaceStatus* status) {
  if (!zc_object_get(d, id, ZC_OBJ_SURFACE)) return VA_STATUS_ERROR_INVALID_SURFACE;
  if (status) *status = VASurfaceReady;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_SyncSurface(VADriverContextP ctx, VASurfaceID surface) {
  ZC_LOCKED(surface_ready(ZC_DRIVER(ctx), surface, NULL));
}

VAStatus zc_QuerySurfaceStatus(VADriverContextP ctx, VASurfaceID surface, VASurfaceStatus* status) {
  ZC_LOCKED(surface_ready(ZC_DRIVER(ctx), surface, status));
}

/* Host memory has no dmabuf to give; a real driver's answer for memory it cannot export. */
VAStatus zc_ExportSurfaceHandle(VADriverContextP ctx, VASurfaceID surface, uint32_t mem_type, uint32_t flags,
                                void* descriptor) {
  (void)mem_type, (void)flags, (void)descriptor;
  pthread_mutex_lock(&zc_lock);
  const int known = zc_object_get(ZC_DRIVER(ctx), surface, ZC_OBJ_SURFACE) != NULL;
  pthread_mutex_unlock(&zc_lock);
  return known ? VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE : VA_STATUS_ERROR_INVALID_SURFACE;
}

static VAStatus create_context(ZcDriver* d, VAConfigID config, int width, int height, VAContextID* out) {
  const ZcConfig* cfg = zc_object_get(d, config, ZC_OBJ_CONFIG);
  if (!cfg) return VA_STATUS_ERROR_INVALID_CONFIG;
  if (width <= 0 || height <= 0 || width > 8192 || height > 8192) return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
  ZcContext* c = calloc(1, sizeof *c);
  if (!c) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  c->config_id = config;
  c->config = *cfg;
  c->width = width;
  c->height = height;
  c->target = VA_INVALID_SURFACE;
  *out = zc_object_add(d, ZC_OBJ_CONTEXT, c);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_CreateContext(VADriverContextP ctx, VAConfigID config, int width, int height, int flag,
                          VASurfaceID* targets, int num_targets, VAContextID* context) {
  (void)flag, (void)targets, (void)num_targets;
  ZC_LOCKED(create_context(ZC_DRIVER(ctx), config, width, height, context));
}

static VAStatus destroy_context(ZcDriver* d, VAContextID id) {
  if (!zc_object_get(d, id, ZC_OBJ_CONTEXT)) return VA_STATUS_ERROR_INVALID_CONTEXT;
  zc_object_remove(d, id);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_DestroyContext(VADriverContextP ctx, VAContextID context) {
  ZC_LOCKED(destroy_context(ZC_DRIVER(ctx), context));
}

ZcBuffer* zc_buffer_new(VABufferType type, unsigned size, unsigned num_elements) {
  ZcBuffer* b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->type = type;
  b->size = size;
  b->num_elements = num_elements;
  /* A coded buffer's bytes live in `coded`, grown to what a picture needs. */
  if (type != VAEncCodedBufferType) {
    b->data = calloc(1, (size_t)size * num_elements + 1);
    if (!b->data) {
      free(b);
      return NULL;
    }
  }
  return b;
}

static VAStatus create_buffer(ZcDriver* d, VABufferType type, unsigned size, unsigned num_elements, const void* data,
                              VABufferID* out) {
  if (num_elements == 0) num_elements = 1;
  ZcBuffer* b = zc_buffer_new(type, size, num_elements);
  if (!b) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  if (data && b->data) memcpy(b->data, data, (size_t)size * num_elements);
  *out = zc_object_add(d, ZC_OBJ_BUFFER, b);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_CreateBuffer(VADriverContextP ctx, VAContextID context, VABufferType type, unsigned int size,
                         unsigned int num_elements, void* data, VABufferID* buf_id) {
  (void)context;
  ZC_LOCKED(create_buffer(ZC_DRIVER(ctx), type, size, num_elements, data, buf_id));
}

static VAStatus set_num_elements(ZcDriver* d, VABufferID id, unsigned num) {
  ZcBuffer* b = zc_object_get(d, id, ZC_OBJ_BUFFER);
  if (!b) return VA_STATUS_ERROR_INVALID_BUFFER;
  if (num > b->num_elements || b->alias) return VA_STATUS_ERROR_INVALID_PARAMETER;
  b->num_elements = num;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_BufferSetNumElements(VADriverContextP ctx, VABufferID buf_id, unsigned int num_elements) {
  ZC_LOCKED(set_num_elements(ZC_DRIVER(ctx), buf_id, num_elements));
}

static VAStatus map_buffer(ZcDriver* d, VABufferID id, void** out) {
  ZcBuffer* b = zc_object_get(d, id, ZC_OBJ_BUFFER);
  if (!b) return VA_STATUS_ERROR_INVALID_BUFFER;
  if (b->type == VAEncCodedBufferType) {
    memset(&b->segment, 0, sizeof b->segment);
    b->segment.size = (uint32_t)b->coded.size;
    b->segment.buf = b->coded.data;
    *out = &b->segment;
    return VA_STATUS_SUCCESS;
  }
  if (b->image_buffer) {
    ++zc_stats.image_buffer_maps;
    ++zc_stats.surface_maps;
  }
  *out = b->data;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_MapBuffer(VADriverContextP ctx, VABufferID buf_id, void** pbuf) {
  ZC_LOCKED(map_buffer(ZC_DRIVER(ctx), buf_id, pbuf));
}

static VAStatus unmap_buffer(ZcDriver* d, VABufferID id) {
  return zc_object_get(d, id, ZC_OBJ_BUFFER) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_BUFFER;
}

VAStatus zc_UnmapBuffer(VADriverContextP ctx, VABufferID buf_id) {
  ZC_LOCKED(unmap_buffer(ZC_DRIVER(ctx), buf_id));
}

static VAStatus destroy_buffer(ZcDriver* d, VABufferID id) {
  if (!zc_object_get(d, id, ZC_OBJ_BUFFER)) return VA_STATUS_ERROR_INVALID_BUFFER;
  zc_object_remove(d, id);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_DestroyBuffer(VADriverContextP ctx, VABufferID buf_id) {
  ZC_LOCKED(destroy_buffer(ZC_DRIVER(ctx), buf_id));
}

static VAStatus buffer_info(ZcDriver* d, VABufferID id, VABufferType* type, unsigned* size, unsigned* num) {
  const ZcBuffer* b = zc_object_get(d, id, ZC_OBJ_BUFFER);
  if (!b) return VA_STATUS_ERROR_INVALID_BUFFER;
  *type = b->type;
  *size = b->size;
  *num = b->num_elements;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_BufferInfo(VADriverContextP ctx, VABufferID buf_id, VABufferType* type, unsigned int* size,
                       unsigned int* num_elements) {
  ZC_LOCKED(buffer_info(ZC_DRIVER(ctx), buf_id, type, size, num_elements));
}
