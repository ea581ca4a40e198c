/* Video processing: an 8-bit RGB surface (host or imported) into an NV12 render target, with
 * zerocast's CPU converter's arithmetic (src/core/colour.cpp's yuv_factors at 8 bits, the
 * portable rows of src/zerocopy/cpu/rgb8_avx2.cpp), so that a test compares the two paths byte
 * for byte:
 *   Y = (yr R + yg G + yb B + (y_offset << 8) + 128) >> 8
 *   a 2x2 block's B, G, R: the rounded-up mean of its columns' rounded-up means (each column
 *   averaged down its two rows first); an odd last column or row stands for its own block
 *   U = ((ub B + ug G + ur R) >> 8) + 128, V likewise, with an arithmetic shift.
 * The matrix is output_color_standard's (BT.601 when none is said, as zerocast's default), the
 * range output_color_properties.color_range's (limited unless full). surface_region crops;
 * an output_region of another size scales by nearest neighbour (each output pixel takes the
 * source pixel under its centre), which keeps samples exact; the CPU path's scalers filter, so
 * only unscaled output is comparable. Target pixels outside output_region get the background
 * colour, converted alike. No filters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fake_va.h"

typedef struct {
  int32_t yr, yg, yb, ur, ug, ub, vr, vg, vb, y_offset, c_offset;
} Factors;

typedef enum { MATRIX_BT601, MATRIX_BT709, MATRIX_BT2020 } Matrix;

/* yuv_factors(matrix, range, 8, 8, 127), step for step in the same doubles. */
static Factors factors_8bit(Matrix matrix, int full) {
  double kr = 0.299, kb = 0.114;
  if (matrix == MATRIX_BT709) {
    kr = 0.2126;
    kb = 0.0722;
  } else if (matrix == MATRIX_BT2020) {
    kr = 0.2627;
    kb = 0.0593;
  }
  const double top = ldexp(1.0, 8) - 1.0;
  const double one = ldexp(1.0, 8);
  const double ys = (full ? top : ldexp(219.0, 0)) / top * one;
  const double cs = (full ? top : ldexp(224.0, 0)) / top * one;
  Factors f;
  f.y_offset = full ? 0 : 16;
  f.c_offset = 128;
  const double exact[3] = {kr * ys, (1.0 - kr - kb) * ys, kb * ys};
  int32_t luma[3];
  int32_t left = (int32_t)lround(ys);
  for (int i = 0; i < 3; ++i) {
    luma[i] = (int32_t)floor(exact[i]);
    left -= luma[i];
  }
  for (; left > 0; --left) {
    int best = 0;
    for (int i = 1; i < 3; ++i)
      if (exact[i] - luma[i] > exact[best] - luma[best]) best = i;
    luma[best] += 1;
  }
  f.yr = luma[0];
  f.yg = luma[1];
  f.yb = luma[2];
  const int32_t half = (int32_t)lround(0.5 * cs);
  f.ub = half < 127 ? half : 127;
  f.ur = (int32_t)lround(-0.5 * kr / (1.0 - kb) * cs);
  f.ug = -(f.ub + f.ur);
  f.vr = half < 127 ? half : 127;
  f.vb = (int32_t)lround(-0.5 * kb / (1.0 - kr) * cs);
  f.vg = -(f.vr + f.vb);
  return f;
}

/* Where B, G and R sit in a 4-byte pixel. */
typedef struct {
  int b, g, r;
} Order;

static uint8_t avg(uint8_t a, uint8_t b) {
  return (uint8_t)((a + b + 1) >> 1);
}

static uint8_t luma(const uint8_t* p, const Order* o, const Factors* f) {
  return (uint8_t)((f->yr * p[o->r] + f->yg * p[o->g] + f->yb * p[o->b] + (f->y_offset << 8) + 128) >> 8);
}

static void chroma_of(int b, int g, int r, const Factors* f, uint8_t* u, uint8_t* v) {
  *u = (uint8_t)(((f->ub * b + f->ug * g + f->ur * r) >> 8) + f->c_offset);
  *v = (uint8_t)(((f->vr * r + f->vg * g + f->vb * b) >> 8) + f->c_offset);
}

/* The upper row's a0, a1 and the lower row's b0, b1. */
static void chroma(const uint8_t* a0, const uint8_t* a1, const uint8_t* b0, const uint8_t* b1, const Order* o,
                   const Factors* f, uint8_t* u, uint8_t* v) {
  const int b = avg(avg(a0[o->b], b0[o->b]), avg(a1[o->b], b1[o->b]));
  const int g = avg(avg(a0[o->g], b0[o->g]), avg(a1[o->g], b1[o->g]));
  const int r = avg(avg(a0[o->r], b0[o->r]), avg(a1[o->r], b1[o->r]));
  chroma_of(b, g, r, f, u, v);
}

/* The source pixel for output pixel (x, y) of a w x h output from a sw x sh source region. */
static const uint8_t* source_pixel(const ZcSurface* s, const VARectangle* in, uint32_t w, uint32_t h, uint32_t x,
                                   uint32_t y) {
  const uint32_t sx = in->width == w ? x : (uint32_t)(((2ull * x + 1) * in->width) / (2ull * w));
  const uint32_t sy = in->height == h ? y : (uint32_t)(((2ull * y + 1) * in->height) / (2ull * h));
  return s->plane[0] + (size_t)(in->y + sy) * s->pitch[0] + (size_t)(in->x + sx) * 4;
}

static Matrix matrix_of(const VAProcPipelineParameterBuffer* p) {
  switch (p->output_color_standard) {
    case VAProcColorStandardBT709:
    case VAProcColorStandardXVYCC709:
    case VAProcColorStandardSRGB:
      return MATRIX_BT709;
    case VAProcColorStandardBT2020:
      return MATRIX_BT2020;
    case VAProcColorStandardExplicit:
      switch (p->output_color_properties.matrix_coefficients) {
        case 1:
          return MATRIX_BT709;
        case 9:
        case 10:
          return MATRIX_BT2020;
        default:
          return MATRIX_BT601;
      }
    default:
      return MATRIX_BT601;
  }
}

VAStatus zc_vpp_render(ZcDriver* d, ZcContext* c, const ZcBuffer* b) {
  (void)d;
  if (c->config.entrypoint != VAEntrypointVideoProc || b->size < sizeof(VAProcPipelineParameterBuffer))
    return VA_STATUS_ERROR_INVALID_BUFFER;
  memcpy(&c->proc, b->data, sizeof c->proc);
  if (c->proc.num_filters) return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
  /* The regions point into the application's memory, valid only during this call. */
  c->have_surface_region = c->proc.surface_region != NULL;
  if (c->have_surface_region) c->surface_region = *c->proc.surface_region;
  c->have_output_region = c->proc.output_region != NULL;
  if (c->have_output_region) c->output_region = *c->proc.output_region;
  c->proc.surface_region = c->proc.output_region = NULL;
  c->have_proc = 1;
  return VA_STATUS_SUCCESS;
}

static int order_of(uint32_t fourcc, Order* o) {
  switch (fourcc) {
    case VA_FOURCC_BGRX:
    case VA_FOURCC_BGRA:
      *o = (Order){0, 1, 2};
      return 1;
    case VA_FOURCC_RGBX:
    case VA_FOURCC_RGBA:
      *o = (Order){2, 1, 0};
      return 1;
    default:
      return 0;
  }
}

static void fill_background(ZcSurface* t, uint32_t argb, const Factors* f) {
  const uint8_t px[4] = {(uint8_t)argb, (uint8_t)(argb >> 8), (uint8_t)(argb >> 16), 0};
  const Order o = {0, 1, 2};
  const uint8_t y = luma(px, &o, f);
  uint8_t u = 0, v = 0;
  chroma_of(px[0], px[1], px[2], f, &u, &v);
  for (uint32_t r = 0; r < t->height; ++r)
    memset(t->plane[0] + (size_t)r * t->pitch[0], y, t->width);
  for (uint32_t r = 0; r < (t->height + 1) / 2; ++r) {
    uint8_t* row = t->plane[1] + (size_t)r * t->pitch[1];
    for (uint32_t x = 0; x + 1 < t->width + 1; x += 2) {
      row[x] = u;
      row[x + 1] = v;
    }
  }
}

VAStatus zc_vpp_run(ZcDriver* d, ZcContext* c) {
  if (!c->have_proc) return VA_STATUS_ERROR_INVALID_PARAMETER;
  ZcSurface* t = zc_object_get(d, c->target, ZC_OBJ_SURFACE);
  ZcSurface* s = zc_object_get(d, c->proc.surface, ZC_OBJ_SURFACE);
  if (!t || !s) return VA_STATUS_ERROR_INVALID_SURFACE;
  Order o;
  if (!order_of(s->fourcc, &o)) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
  if (t->fourcc != VA_FOURCC_NV12 || t->imported) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
  const VARectangle in =
      c->have_surface_region ? c->surface_region : (VARectangle){0, 0, (uint16_t)s->width, (uint16_t)s->height};
  const VARectangle out =
      c->have_output_region ? c->output_region : (VARectangle){0, 0, (uint16_t)t->width, (uint16_t)t->height};
  if (in.x < 0 || in.y < 0 || in.width == 0 || in.height == 0 || (uint32_t)in.x + in.width > s->width ||
      (uint32_t)in.y + in.height > s->height)
    return VA_STATUS_ERROR_INVALID_PARAMETER;
  /* Chroma is made per 2x2 block of the target: the output region starts on one. */
  if (out.x < 0 || out.y < 0 || (out.x | out.y) & 1 || out.width == 0 || out.height == 0 ||
      (uint32_t)out.x + out.width > t->width || (uint32_t)out.y + out.height > t->height)
    return VA_STATUS_ERROR_INVALID_PARAMETER;
  const Factors f =
      factors_8bit(matrix_of(&c->proc), c->proc.output_color_properties.color_range == VA_SOURCE_RANGE_FULL);
  if (out.x || out.y || out.width != t->width || out.height != t->height)
    fill_background(t, c->proc.output_background_color, &f);

  const uint32_t w = out.width, h = out.height;
  zc_surface_begin_read(s);
  for (uint32_t row = 0; row < h; row += 2) {
    const uint32_t row1 = row + 1 < h ? row + 1 : row; /* an odd last row stands for its pair */
    uint8_t* y0 = t->plane[0] + (size_t)(out.y + row) * t->pitch[0] + out.x;
    uint8_t* y1 = t->plane[0] + (size_t)(out.y + row1) * t->pitch[0] + out.x;
    uint8_t* uv = t->plane[1] + (size_t)((out.y + row) / 2) * t->pitch[1] + out.x;
    for (uint32_t x = 0; x < w; ++x) {
      y0[x] = luma(source_pixel(s, &in, w, h, x, row), &o, &f);
      y1[x] = luma(source_pixel(s, &in, w, h, x, row1), &o, &f);
    }
    for (uint32_t x = 0; x < w; x += 2) {
      const uint32_t x1 = x + 1 < w ? x + 1 : x; /* an odd last column stands for its block */
      chroma(source_pixel(s, &in, w, h, x, row), source_pixel(s, &in, w, h, x1, row),
             source_pixel(s, &in, w, h, x, row1), source_pixel(s, &in, w, h, x1, row1), &o, &f, uv + x, uv + x + 1);
    }
  }
  zc_surface_end_read(s);
  ++zc_stats.vpp_runs;
  zc_stats.last_vpp_read_ino = (unsigned long)s->ino;
  zc_stats_flush(d);
  return VA_STATUS_SUCCESS;
}

VAStatus zc_QueryVideoProcFilters(VADriverContextP ctx, VAContextID context, VAProcFilterType* filters,
                                  unsigned int* num_filters) {
  (void)ctx, (void)context, (void)filters;
  *num_filters = 0;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_QueryVideoProcFilterCaps(VADriverContextP ctx, VAContextID context, VAProcFilterType type,
                                     void* filter_caps, unsigned int* num_filter_caps) {
  (void)ctx, (void)context, (void)type, (void)filter_caps;
  *num_filter_caps = 0;
  return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
}

static const VAProcColorStandardType input_standards[] = {VAProcColorStandardSRGB, VAProcColorStandardBT709};
static const VAProcColorStandardType output_standards[] = {VAProcColorStandardBT601, VAProcColorStandardBT709,
                                                           VAProcColorStandardBT2020, VAProcColorStandardExplicit};
static const uint32_t input_formats[] = {VA_FOURCC_BGRX, VA_FOURCC_BGRA, VA_FOURCC_RGBX, VA_FOURCC_RGBA};
static const uint32_t output_formats[] = {VA_FOURCC_NV12};

/* Our own static lists, as Mesa hands back: FFmpeg 5.1's VPP filters pass the structure
 * uninitialised, so pointers found in it are not room to write to. */
static void give_list(void** list, uint32_t* num, const void* ours, uint32_t n) {
  *list = (void*)ours;
  *num = n;
}

VAStatus zc_QueryVideoProcPipelineCaps(VADriverContextP ctx, VAContextID context, VABufferID* filters,
                                       unsigned int num_filters, VAProcPipelineCaps* caps) {
  (void)ctx, (void)context, (void)filters;
  if (num_filters) return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
  caps->pipeline_flags = caps->filter_flags = 0;
  caps->num_forward_references = caps->num_backward_references = 0;
  caps->rotation_flags = caps->blend_flags = caps->mirror_flags = 0;
  caps->num_additional_outputs = 0;
  give_list((void**)&caps->input_color_standards, &caps->num_input_color_standards, input_standards,
            sizeof input_standards / sizeof *input_standards);
  give_list((void**)&caps->output_color_standards, &caps->num_output_color_standards, output_standards,
            sizeof output_standards / sizeof *output_standards);
  give_list((void**)&caps->input_pixel_format, &caps->num_input_pixel_formats, input_formats,
            sizeof input_formats / sizeof *input_formats);
  give_list((void**)&caps->output_pixel_format, &caps->num_output_pixel_formats, output_formats,
            sizeof output_formats / sizeof *output_formats);
  caps->max_input_width = caps->max_input_height = caps->max_output_width = caps->max_output_height = 8192;
  caps->min_input_width = caps->min_input_height = caps->min_output_width = caps->min_output_height = 1;
  return VA_STATUS_SUCCESS;
}
