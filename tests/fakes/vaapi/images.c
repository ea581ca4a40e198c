/* Images: every image call on a surface (create, derive, get, put) and every map of an image's
 * buffer is counted in surface_maps. They are the CPU touching pixel memory, which zerocast's
 * dmabuf path must never do and its shared-memory path uploads with. */
#include <stdlib.h>
#include <string.h>

#include "fake_va.h"

int zc_image_formats(VAImageFormat* f) {
  const VAImageFormat formats[] = {
      {VA_FOURCC_NV12, VA_LSB_FIRST, 12, 0, 0, 0, 0, 0, {0}},
      {VA_FOURCC_P010, VA_LSB_FIRST, 24, 0, 0, 0, 0, 0, {0}},
      {VA_FOURCC_BGRX, VA_LSB_FIRST, 32, 24, 0x00ff0000, 0x0000ff00, 0x000000ff, 0, {0}},
      {VA_FOURCC_BGRA, VA_LSB_FIRST, 32, 32, 0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000, {0}},
      {VA_FOURCC_RGBX, VA_LSB_FIRST, 32, 24, 0x000000ff, 0x0000ff00, 0x00ff0000, 0, {0}},
      {VA_FOURCC_RGBA, VA_LSB_FIRST, 32, 32, 0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000, {0}},
  };
  const int n = (int)(sizeof formats / sizeof *formats);
  if (f) memcpy(f, formats, sizeof formats);
  return n;
}

VAStatus zc_QueryImageFormats(VADriverContextP ctx, VAImageFormat* formats, int* num_formats) {
  (void)ctx;
  *num_formats = zc_image_formats(formats);
  return VA_STATUS_SUCCESS;
}

static void fill_image(VAImage* img, const VAImageFormat* format, uint32_t width, uint32_t height,
                       const uint32_t pitch[2], size_t chroma_offset, int planes, size_t size) {
  memset(img, 0, sizeof *img);
  img->format = *format;
  img->width = (uint16_t)width;
  img->height = (uint16_t)height;
  img->data_size = (uint32_t)size;
  img->num_planes = (uint32_t)planes;
  img->pitches[0] = pitch[0];
  img->pitches[1] = pitch[1];
  img->offsets[1] = (uint32_t)chroma_offset;
}

static VAStatus create_image(ZcDriver* d, const VAImageFormat* format, int width, int height, VAImage* out) {
  if (!zc_rt_format_of(format->fourcc)) return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
  if (width <= 0 || height <= 0) return VA_STATUS_ERROR_INVALID_PARAMETER;
  uint32_t pitch[2];
  size_t chroma = 0;
  int planes = 0;
  const size_t size = zc_host_layout(format->fourcc, (uint32_t)width, (uint32_t)height, pitch, &chroma, &planes);
  ZcBuffer* b = zc_buffer_new(VAImageBufferType, (unsigned)size, 1);
  ZcImage* im = calloc(1, sizeof *im);
  if (!b || !im) {
    if (b) zc_buffer_free(b);
    free(im);
    return VA_STATUS_ERROR_ALLOCATION_FAILED;
  }
  b->image_buffer = 1;
  fill_image(&im->image, format, (uint32_t)width, (uint32_t)height, pitch, chroma, planes, size);
  im->image.buf = zc_object_add(d, ZC_OBJ_BUFFER, b);
  im->image.image_id = zc_object_add(d, ZC_OBJ_IMAGE, im);
  *out = im->image;
  ++zc_stats.images_created;
  ++zc_stats.surface_maps;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_CreateImage(VADriverContextP ctx, VAImageFormat* format, int width, int height, VAImage* image) {
  ZC_LOCKED(create_image(ZC_DRIVER(ctx), format, width, height, image));
}

static VAStatus derive_image(ZcDriver* d, VASurfaceID surface, VAImage* out) {
  const ZcSurface* s = zc_object_get(d, surface, ZC_OBJ_SURFACE);
  if (!s) return VA_STATUS_ERROR_INVALID_SURFACE;
  /* An import's planes may lie in several dmabufs, and reading them needs the sync calls that a
   * mapping through an image cannot make: vaGetImage instead, as with tiled memory. */
  if (s->imported) return VA_STATUS_ERROR_OPERATION_FAILED;
  VAImageFormat formats[8];
  const int n = zc_image_formats(formats);
  const VAImageFormat* format = NULL;
  for (int i = 0; i < n; ++i)
    if (formats[i].fourcc == s->fourcc) format = &formats[i];
  if (!format) return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
  ZcBuffer* b = calloc(1, sizeof *b);
  ZcImage* im = calloc(1, sizeof *im);
  if (!b || !im) {
    free(b);
    free(im);
    return VA_STATUS_ERROR_ALLOCATION_FAILED;
  }
  b->type = VAImageBufferType;
  b->size = (unsigned)s->host_size;
  b->num_elements = 1;
  b->data = s->host;
  b->alias = 1;
  b->image_buffer = 1;
  im->derived = 1;
  fill_image(&im->image, format, s->width, s->height, s->pitch, s->plane[1] ? (size_t)(s->plane[1] - s->host) : 0,
             s->planes, s->host_size);
  im->image.buf = zc_object_add(d, ZC_OBJ_BUFFER, b);
  im->image.image_id = zc_object_add(d, ZC_OBJ_IMAGE, im);
  *out = im->image;
  ++zc_stats.images_derived;
  ++zc_stats.surface_maps;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_DeriveImage(VADriverContextP ctx, VASurfaceID surface, VAImage* image) {
  ZC_LOCKED(derive_image(ZC_DRIVER(ctx), surface, image));
}

static VAStatus destroy_image(ZcDriver* d, VAImageID id) {
  const ZcImage* im = zc_object_get(d, id, ZC_OBJ_IMAGE);
  if (!im) return VA_STATUS_ERROR_INVALID_IMAGE;
  zc_object_remove(d, im->image.buf);
  zc_object_remove(d, id);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_DestroyImage(VADriverContextP ctx, VAImageID image) {
  ZC_LOCKED(destroy_image(ZC_DRIVER(ctx), image));
}

/* Copies a w x h rectangle between a surface and an image of the same format; `to_image` says
 * which way. Chroma rectangles are the luma's halved (x, y even for NV12 and P010). */
static VAStatus copy_rect(ZcDriver* d, VASurfaceID surface, VAImageID image, int sx, int sy, int ix, int iy, unsigned w,
                          unsigned h, int to_image) {
  ZcSurface* s = zc_object_get(d, surface, ZC_OBJ_SURFACE);
  if (!s) return VA_STATUS_ERROR_INVALID_SURFACE;
  const ZcImage* im = zc_object_get(d, image, ZC_OBJ_IMAGE);
  if (!im) return VA_STATUS_ERROR_INVALID_IMAGE;
  ZcBuffer* b = zc_object_get(d, im->image.buf, ZC_OBJ_BUFFER);
  if (!b) return VA_STATUS_ERROR_INVALID_IMAGE;
  if (im->image.format.fourcc != s->fourcc) return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
  if (sx < 0 || sy < 0 || ix < 0 || iy < 0 || sx + w > s->width || sy + h > s->height || ix + w > im->image.width ||
      iy + h > im->image.height)
    return VA_STATUS_ERROR_INVALID_PARAMETER;
  const uint32_t bpp = zc_fourcc_bytes(s->fourcc);
  if (!to_image && s->imported) return VA_STATUS_ERROR_OPERATION_FAILED; /* imports are read-only */
  zc_surface_begin_read(s);
  for (int p = 0; p < s->planes; ++p) {
    const unsigned rows = p ? (h + 1) / 2 : h;
    const size_t bytes = (size_t)(p ? (w + 1) & ~1u : w) * bpp;
    const size_t s_col = (size_t)(p ? sx & ~1 : sx) * bpp, i_col = (size_t)(p ? ix & ~1 : ix) * bpp;
    const size_t s_row = (size_t)(p ? sy / 2 : sy), i_row = (size_t)(p ? iy / 2 : iy);
    for (unsigned y = 0; y < rows; ++y) {
      uint8_t* sp = s->plane[p] + (s_row + y) * s->pitch[p] + s_col;
      uint8_t* ip = b->data + im->image.offsets[p] + (i_row + y) * im->image.pitches[p] + i_col;
      if (to_image) {
        memcpy(ip, sp, bytes);
      } else {
        memcpy(sp, ip, bytes);
      }
    }
  }
  zc_surface_end_read(s);
  return VA_STATUS_SUCCESS;
}

static VAStatus get_image(ZcDriver* d, VASurfaceID surface, int x, int y, unsigned w, unsigned h, VAImageID image) {
  const VAStatus st = copy_rect(d, surface, image, x, y, 0, 0, w, h, 1);
  if (st == VA_STATUS_SUCCESS) {
    ++zc_stats.image_gets;
    ++zc_stats.surface_maps;
  }
  return st;
}

VAStatus zc_GetImage(VADriverContextP ctx, VASurfaceID surface, int x, int y, unsigned int width, unsigned int height,
                     VAImageID image) {
  ZC_LOCKED(get_image(ZC_DRIVER(ctx), surface, x, y, width, height, image));
}

static VAStatus put_image(ZcDriver* d, VASurfaceID surface, VAImageID image, int sx, int sy, unsigned sw, unsigned sh,
                          int dx, int dy, unsigned dw, unsigned dh) {
  /* No scaling here: what uploads do is a plain copy. */
  if (sw != dw || sh != dh) return VA_STATUS_ERROR_UNIMPLEMENTED;
  const VAStatus st = copy_rect(d, surface, image, dx, dy, sx, sy, sw, sh, 0);
  if (st == VA_STATUS_SUCCESS) {
    ++zc_stats.image_puts;
    ++zc_stats.surface_maps;
  }
  return st;
}

VAStatus zc_PutImage(VADriverContextP ctx, VASurfaceID surface, VAImageID image, int src_x, int src_y,
                     unsigned int src_width, unsigned int src_height, int dest_x, int dest_y, unsigned int dest_width,
                     unsigned int dest_height) {
  ZC_LOCKED(put_image(ZC_DRIVER(ctx), surface, image, src_x, src_y, src_width, src_height, dest_x, dest_y, dest_width,
                      dest_height));
}
