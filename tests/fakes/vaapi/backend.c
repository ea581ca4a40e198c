/* zerocast's fake VA-API driver, for tests on machines without an AMD or Intel GPU. libva loads it
 * as "zc_fake" (LIBVA_DRIVERS_PATH, LIBVA_DRIVER_NAME=zc_fake) on any DRM render node; it keeps
 * every surface in host memory and answers the calls FFmpeg 5.1's h264_vaapi, its hwcontext and
 * zerocast's own VA-API code make, as a real encoder driver would:
 *  - H.264 encode (ConstrainedBaseline, Main, High; I and P pictures, CAVLC or CABAC), where every
 *    macroblock is I_PCM (tests/fakes/h264): a real stream whose decoded pictures are exactly the
 *    source surface's samples. The application's packed headers are written as given, and what it
 *    does not pack (by ZC_FAKE_VA_VARIANT: full, sequence, none, lowpower) the driver writes from
 *    the parameter buffers, as the drivers it stands for do.
 *  - Video processing: RGB surfaces to NV12 with zerocast's CPU converter's arithmetic, so a test
 *    can compare the two paths byte for byte.
 *  - dmabuf import (DRM PRIME 2), refusing what a real driver refuses (an unknown modifier or
 *    format, a buffer too short), read only between DMA_BUF_IOCTL_SYNC calls.
 *  - Counts of what the tests must see (or not see): CPU maps of surfaces, imports, reads, in
 *    ZC_FAKE_VA_STATS's file and zc_fake_va_stats_text().
 * Other knobs: ZC_FAKE_VA_MODIFIERS (accepted import modifiers, hex, comma separated; default
 * linear only), ZC_FAKE_VA_FAIL_AFTER=N (every EndPicture after the N-th encoded picture fails). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_va.h"
/* After fake_va.h: it needs va.h first. */
#include <va/va_backend_vpp.h>

ZcStats zc_stats;
pthread_mutex_t zc_lock = PTHREAD_MUTEX_INITIALIZER;

#define ZC_VENDOR "zerocast fake VA driver"
#define ZC_MAX_SIZE 8192
#define ZC_MAX_SLICES 64

static const char* variant_name(ZcVariant v) {
  switch (v) {
    case ZC_VARIANT_SEQUENCE:
      return "sequence";
    case ZC_VARIANT_NONE:
      return "none";
    case ZC_VARIANT_LOWPOWER:
      return "lowpower";
    default:
      return "full";
  }
}

/* The packed headers the variant takes. */
static uint32_t variant_packed(ZcVariant v) {
  switch (v) {
    case ZC_VARIANT_SEQUENCE:
      return VA_ENC_PACKED_HEADER_SEQUENCE;
    case ZC_VARIANT_NONE:
      return VA_ENC_PACKED_HEADER_NONE;
    default:
      return VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_SLICE | VA_ENC_PACKED_HEADER_MISC |
             VA_ENC_PACKED_HEADER_RAW_DATA;
  }
}

static VAEntrypoint encode_entrypoint(const ZcDriver* d) {
  return d->variant == ZC_VARIANT_LOWPOWER ? VAEntrypointEncSliceLP : VAEntrypointEncSlice;
}

static int is_h264(VAProfile p) {
  return p == VAProfileH264ConstrainedBaseline || p == VAProfileH264Main || p == VAProfileH264High;
}

static size_t stats_text(char* out, size_t cap) {
  const ZcStats* s = &zc_stats;
  return (size_t)snprintf(
      out, cap,
      "variant=%s\npictures_encoded=%lu\nbytes_encoded=%lu\nidr_pictures=%lu\ni_slices=%lu\np_slices=%lu\ncabac_slices="
      "%lu\n"
      "entrypoint=%s\nprofile=%s\nrc_mode=%s\npacked_headers_enabled=0x%x\npacked_headers_written=%lu\n"
      "packed_headers_ignored=%lu\npacked_slice_headers=%lu\nown_slice_headers=%lu\nown_parameter_sets=%lu\n"
      "surface_maps=%lu\nimages_created=%lu\nimages_derived=%lu\nimage_gets=%lu\nimage_puts=%lu\n"
      "image_buffer_maps=%lu\nimports=%lu\nimports_refused=%lu\nimport_refused_reason=%s\nlast_import_ino=%lu\n"
      "last_encode_read_ino=%lu\nlast_vpp_read_ino=%lu\nvpp_runs=%lu\nfailures_injected=%lu\n",
      s->variant, s->pictures_encoded, s->bytes_encoded, s->idr_pictures, s->i_slices, s->p_slices, s->cabac_slices,
      s->entrypoint, s->profile, s->rc_mode, s->packed_headers_enabled, s->packed_headers_written,
      s->packed_headers_ignored, s->packed_slice_headers, s->own_slice_headers, s->own_parameter_sets, s->surface_maps,
      s->images_created, s->images_derived, s->image_gets, s->image_puts, s->image_buffer_maps, s->imports,
      s->imports_refused, s->import_refused_reason, s->last_import_ino, s->last_encode_read_ino, s->last_vpp_read_ino,
      s->vpp_runs, s->failures_injected);
}

/* For a test that loaded the driver into its own process: the same text as the stats file, in a
 * static buffer valid until the next call. */
__attribute__((visibility("default"))) const char* zc_fake_va_stats_text(void) {
  static char text[4096];
  pthread_mutex_lock(&zc_lock);
  stats_text(text, sizeof text);
  pthread_mutex_unlock(&zc_lock);
  return text;
}

void zc_stats_flush(ZcDriver* d) {
  if (!d->stats_path) return;
  char text[4096];
  const size_t n = stats_text(text, sizeof text);
  /* A reader never sees half a file: written aside, then renamed over it. */
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", d->stats_path, (long)getpid());
  FILE* f = fopen(tmp, "w");
  if (!f) return;
  const int ok = fwrite(text, 1, n, f) == n;
  if (fclose(f) == 0 && ok) {
    rename(tmp, d->stats_path);
  } else {
    unlink(tmp);
  }
}

static VAStatus zc_Terminate(VADriverContextP ctx) {
  pthread_mutex_lock(&zc_lock);
  ZcDriver* d = ZC_DRIVER(ctx);
  zc_stats_flush(d);
  zc_objects_free_all(d);
  free(d->stats_path);
  free(d);
  ctx->pDriverData = NULL;
  pthread_mutex_unlock(&zc_lock);
  return VA_STATUS_SUCCESS;
}

static VAStatus zc_QueryConfigProfiles(VADriverContextP ctx, VAProfile* list, int* num) {
  (void)ctx;
  const VAProfile profiles[] = {VAProfileH264ConstrainedBaseline, VAProfileH264Main, VAProfileH264High, VAProfileNone};
  for (size_t i = 0; i < sizeof profiles / sizeof *profiles; ++i)
    list[i] = profiles[i];
  *num = (int)(sizeof profiles / sizeof *profiles);
  return VA_STATUS_SUCCESS;
}

static VAStatus zc_QueryConfigEntrypoints(VADriverContextP ctx, VAProfile profile, VAEntrypoint* list, int* num) {
  if (is_h264(profile)) {
    list[0] = encode_entrypoint(ZC_DRIVER(ctx));
  } else if (profile == VAProfileNone) {
    list[0] = VAEntrypointVideoProc;
  } else {
    *num = 0;
    return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
  }
  *num = 1;
  return VA_STATUS_SUCCESS;
}

static VAStatus check_pair(const ZcDriver* d, VAProfile profile, VAEntrypoint entrypoint) {
  if (is_h264(profile))
    return entrypoint == encode_entrypoint(d) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
  if (profile == VAProfileNone)
    return entrypoint == VAEntrypointVideoProc ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
  return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
}

/* An attribute's value for the pair, VA_ATTRIB_NOT_SUPPORTED where a real driver has none. */
static uint32_t attribute_value(const ZcDriver* d, VAProfile profile, VAConfigAttribType type) {
  const int encode = is_h264(profile);
  switch (type) {
    case VAConfigAttribRTFormat:
      return encode ? VA_RT_FORMAT_YUV420 : VA_RT_FORMAT_YUV420 | VA_RT_FORMAT_YUV420_10 | VA_RT_FORMAT_RGB32;
    case VAConfigAttribMaxPictureWidth:
    case VAConfigAttribMaxPictureHeight:
      return ZC_MAX_SIZE;
    default:
      break;
  }
  if (!encode) return VA_ATTRIB_NOT_SUPPORTED;
  switch (type) {
    case VAConfigAttribRateControl:
      return VA_RC_CQP | VA_RC_CBR | VA_RC_VBR;
    case VAConfigAttribEncPackedHeaders:
      return variant_packed(d->variant);
    case VAConfigAttribEncMaxRefFrames:
      return 1; /* one in L0, none in L1: P pictures, no B */
    case VAConfigAttribEncMaxSlices:
      return ZC_MAX_SLICES;
    case VAConfigAttribEncSliceStructure:
      return VA_ENC_SLICE_STRUCTURE_POWER_OF_TWO_ROWS | VA_ENC_SLICE_STRUCTURE_ARBITRARY_MACROBLOCKS |
             VA_ENC_SLICE_STRUCTURE_EQUAL_ROWS | VA_ENC_SLICE_STRUCTURE_ARBITRARY_ROWS;
    case VAConfigAttribEncQualityRange:
      return 4; /* accepted and ignored: the output does not depend on it */
    case VAConfigAttribEncInterlaced:
      return VA_ENC_INTERLACED_NONE;
    default:
      return VA_ATTRIB_NOT_SUPPORTED;
  }
}

static VAStatus zc_GetConfigAttributes(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint,
                                       VAConfigAttrib* list, int num) {
  const ZcDriver* d = ZC_DRIVER(ctx);
  const VAStatus st = check_pair(d, profile, entrypoint);
  if (st != VA_STATUS_SUCCESS) return st;
  for (int i = 0; i < num; ++i)
    list[i].value = attribute_value(d, profile, list[i].type);
  return VA_STATUS_SUCCESS;
}

static const char* rc_name(uint32_t rc) {
  switch (rc) {
    case VA_RC_CQP:
      return "CQP";
    case VA_RC_CBR:
      return "CBR";
    case VA_RC_VBR:
      return "VBR";
    default:
      return "none";
  }
}

static VAStatus create_config(ZcDriver* d, VAProfile profile, VAEntrypoint entrypoint, VAConfigAttrib* list, int num,
                              VAConfigID* id) {
  const VAStatus st = check_pair(d, profile, entrypoint);
  if (st != VA_STATUS_SUCCESS) return st;
  const int encode = is_h264(profile);
  ZcConfig c = {profile, entrypoint, VA_RT_FORMAT_YUV420, encode ? VA_RC_CQP : VA_RC_NONE,
                encode ? variant_packed(d->variant) : 0};
  for (int i = 0; i < num; ++i) {
    const uint32_t offered = attribute_value(d, profile, list[i].type);
    switch (list[i].type) {
      case VAConfigAttribRTFormat:
        if (!(list[i].value & offered)) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
        c.rt_format = list[i].value;
        break;
      case VAConfigAttribRateControl:
        if (!encode || (list[i].value & ~offered) || !list[i].value) return VA_STATUS_ERROR_INVALID_VALUE;
        c.rc_mode = list[i].value;
        break;
      case VAConfigAttribEncPackedHeaders:
        if (!encode || (list[i].value & ~offered)) return VA_STATUS_ERROR_INVALID_VALUE;
        c.packed_headers = list[i].value;
        break;
      default:
        /* Other attributes are taken as hints, as drivers mostly do. */
        break;
    }
  }
  ZcConfig* p = malloc(sizeof *p);
  if (!p) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  *p = c;
  *id = zc_object_add(d, ZC_OBJ_CONFIG, p);
  if (encode) {
    snprintf(zc_stats.entrypoint, sizeof zc_stats.entrypoint, "%s",
             entrypoint == VAEntrypointEncSliceLP ? "EncSliceLP" : "EncSlice");
    snprintf(zc_stats.rc_mode, sizeof zc_stats.rc_mode, "%s", rc_name(c.rc_mode));
    snprintf(zc_stats.profile, sizeof zc_stats.profile, "%s",
             profile == VAProfileH264High   ? "high"
             : profile == VAProfileH264Main ? "main"
                                            : "constrained_baseline");
    zc_stats.packed_headers_enabled = c.packed_headers;
  }
  return VA_STATUS_SUCCESS;
}

static VAStatus zc_CreateConfig(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint, VAConfigAttrib* list,
                                int num, VAConfigID* id) {
  ZC_LOCKED(create_config(ZC_DRIVER(ctx), profile, entrypoint, list, num, id));
}

static VAStatus destroy_config(ZcDriver* d, VAConfigID id) {
  if (!zc_object_get(d, id, ZC_OBJ_CONFIG)) return VA_STATUS_ERROR_INVALID_CONFIG;
  zc_object_remove(d, id);
  return VA_STATUS_SUCCESS;
}

static VAStatus zc_DestroyConfig(VADriverContextP ctx, VAConfigID id) {
  ZC_LOCKED(destroy_config(ZC_DRIVER(ctx), id));
}

static VAStatus query_config(ZcDriver* d, VAConfigID id, VAProfile* profile, VAEntrypoint* entrypoint,
                             VAConfigAttrib* list, int* num) {
  const ZcConfig* c = zc_object_get(d, id, ZC_OBJ_CONFIG);
  if (!c) return VA_STATUS_ERROR_INVALID_CONFIG;
  *profile = c->profile;
  *entrypoint = c->entrypoint;
  int n = 0;
  list[n].type = VAConfigAttribRTFormat;
  list[n++].value = c->rt_format;
  if (is_h264(c->profile)) {
    list[n].type = VAConfigAttribRateControl;
    list[n++].value = c->rc_mode;
    list[n].type = VAConfigAttribEncPackedHeaders;
    list[n++].value = c->packed_headers;
  }
  *num = n;
  return VA_STATUS_SUCCESS;
}

static VAStatus zc_QueryConfigAttributes(VADriverContextP ctx, VAConfigID id, VAProfile* profile,
                                         VAEntrypoint* entrypoint, VAConfigAttrib* list, int* num) {
  ZC_LOCKED(query_config(ZC_DRIVER(ctx), id, profile, entrypoint, list, num));
}

/* Subpictures and display attributes: libva insists on the entries; nothing here has them. */
static VAStatus zc_SetImagePalette(VADriverContextP ctx, VAImageID image, unsigned char* palette) {
  (void)ctx, (void)image, (void)palette;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_QuerySubpictureFormats(VADriverContextP ctx, VAImageFormat* list, unsigned int* flags,
                                          unsigned int* num) {
  (void)ctx, (void)list, (void)flags;
  *num = 0;
  return VA_STATUS_SUCCESS;
}
static VAStatus zc_CreateSubpicture(VADriverContextP ctx, VAImageID image, VASubpictureID* sub) {
  (void)ctx, (void)image, (void)sub;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_DestroySubpicture(VADriverContextP ctx, VASubpictureID sub) {
  (void)ctx, (void)sub;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_SetSubpictureImage(VADriverContextP ctx, VASubpictureID sub, VAImageID image) {
  (void)ctx, (void)sub, (void)image;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_SetSubpictureChromakey(VADriverContextP ctx, VASubpictureID sub, unsigned int a, unsigned int b,
                                          unsigned int c) {
  (void)ctx, (void)sub, (void)a, (void)b, (void)c;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_SetSubpictureGlobalAlpha(VADriverContextP ctx, VASubpictureID sub, float alpha) {
  (void)ctx, (void)sub, (void)alpha;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_AssociateSubpicture(VADriverContextP ctx, VASubpictureID sub, VASurfaceID* targets, int num,
                                       short sx, short sy, unsigned short sw, unsigned short sh, short dx, short dy,
                                       unsigned short dw, unsigned short dh, unsigned int flags) {
  (void)ctx, (void)sub, (void)targets, (void)num, (void)sx, (void)sy, (void)sw, (void)sh, (void)dx, (void)dy;
  (void)dw, (void)dh, (void)flags;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_DeassociateSubpicture(VADriverContextP ctx, VASubpictureID sub, VASurfaceID* targets, int num) {
  (void)ctx, (void)sub, (void)targets, (void)num;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_QueryDisplayAttributes(VADriverContextP ctx, VADisplayAttribute* list, int* num) {
  (void)ctx, (void)list;
  *num = 0;
  return VA_STATUS_SUCCESS;
}
static VAStatus zc_GetDisplayAttributes(VADriverContextP ctx, VADisplayAttribute* list, int num) {
  (void)ctx, (void)list, (void)num;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}
static VAStatus zc_SetDisplayAttributes(VADriverContextP ctx, VADisplayAttribute* list, int num) {
  (void)ctx, (void)list, (void)num;
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static void read_environment(ZcDriver* d) {
  const char* v = getenv("ZC_FAKE_VA_VARIANT");
  d->variant = ZC_VARIANT_FULL;
  if (v && strcmp(v, "sequence") == 0) d->variant = ZC_VARIANT_SEQUENCE;
  if (v && strcmp(v, "none") == 0) d->variant = ZC_VARIANT_NONE;
  if (v && strcmp(v, "lowpower") == 0) d->variant = ZC_VARIANT_LOWPOWER;
  d->modifiers[0] = 0; /* DRM_FORMAT_MOD_LINEAR */
  d->num_modifiers = 1;
  const char* m = getenv("ZC_FAKE_VA_MODIFIERS");
  if (m && *m) {
    d->num_modifiers = 0;
    char* end = NULL;
    for (const char* p = m; *p && d->num_modifiers < sizeof d->modifiers / sizeof *d->modifiers; p = end) {
      d->modifiers[d->num_modifiers++] = strtoull(p, &end, 16);
      if (end == p) break;
      while (*end == ',' || *end == ' ')
        ++end;
    }
  }
  const char* f = getenv("ZC_FAKE_VA_FAIL_AFTER");
  d->fail_after = f && *f ? strtol(f, NULL, 10) : -1;
  const char* s = getenv("ZC_FAKE_VA_STATS");
  d->stats_path = s && *s ? strdup(s) : NULL;
}

/* libva looks for __vaDriverInit_<major>_<minor>, from its own minor version down to 0: the
 * name of the headers this is built against is found by that libva and any later one. */
#define ZC_INIT_NAME2(major, minor) __vaDriverInit_##major##_##minor
#define ZC_INIT_NAME(major, minor) ZC_INIT_NAME2(major, minor)
#define ZC_DRIVER_INIT ZC_INIT_NAME(VA_MAJOR_VERSION, VA_MINOR_VERSION)

__attribute__((visibility("default"))) VAStatus ZC_DRIVER_INIT(VADriverContextP ctx);

VAStatus ZC_DRIVER_INIT(VADriverContextP ctx) {
  ZcDriver* d = calloc(1, sizeof *d);
  if (!d) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  read_environment(d);
  pthread_mutex_lock(&zc_lock);
  /* The stats count from the last initialisation in the process. */
  memset(&zc_stats, 0, sizeof zc_stats);
  snprintf(zc_stats.entrypoint, sizeof zc_stats.entrypoint, "none");
  snprintf(zc_stats.rc_mode, sizeof zc_stats.rc_mode, "none");
  snprintf(zc_stats.profile, sizeof zc_stats.profile, "none");
  snprintf(zc_stats.import_refused_reason, sizeof zc_stats.import_refused_reason, "none");
  snprintf(zc_stats.variant, sizeof zc_stats.variant, "%s", variant_name(d->variant));
  pthread_mutex_unlock(&zc_lock);

  ctx->pDriverData = d;
  ctx->version_major = VA_MAJOR_VERSION;
  ctx->version_minor = VA_MINOR_VERSION;
  ctx->max_profiles = 4;
  ctx->max_entrypoints = 1;
  ctx->max_attributes = 16;
  ctx->max_image_formats = 8;
  ctx->max_subpic_formats = 1;
  ctx->max_display_attributes = 1;
  ctx->str_vendor = ZC_VENDOR;

  struct VADriverVTable* vt = ctx->vtable;
  vt->vaTerminate = zc_Terminate;
  vt->vaQueryConfigProfiles = zc_QueryConfigProfiles;
  vt->vaQueryConfigEntrypoints = zc_QueryConfigEntrypoints;
  vt->vaGetConfigAttributes = zc_GetConfigAttributes;
  vt->vaCreateConfig = zc_CreateConfig;
  vt->vaDestroyConfig = zc_DestroyConfig;
  vt->vaQueryConfigAttributes = zc_QueryConfigAttributes;
  vt->vaCreateSurfaces = zc_CreateSurfaces;
  vt->vaCreateSurfaces2 = zc_CreateSurfaces2;
  vt->vaDestroySurfaces = zc_DestroySurfaces;
  vt->vaQuerySurfaceAttributes = zc_QuerySurfaceAttributes;
  vt->vaCreateContext = zc_CreateContext;
  vt->vaDestroyContext = zc_DestroyContext;
  vt->vaCreateBuffer = zc_CreateBuffer;
  vt->vaBufferSetNumElements = zc_BufferSetNumElements;
  vt->vaMapBuffer = zc_MapBuffer;
  vt->vaUnmapBuffer = zc_UnmapBuffer;
  vt->vaDestroyBuffer = zc_DestroyBuffer;
  vt->vaBufferInfo = zc_BufferInfo;
  vt->vaBeginPicture = zc_BeginPicture;
  vt->vaRenderPicture = zc_RenderPicture;
  vt->vaEndPicture = zc_EndPicture;
  vt->vaSyncSurface = zc_SyncSurface;
  vt->vaQuerySurfaceStatus = zc_QuerySurfaceStatus;
  vt->vaExportSurfaceHandle = zc_ExportSurfaceHandle;
  vt->vaQueryImageFormats = zc_QueryImageFormats;
  vt->vaCreateImage = zc_CreateImage;
  vt->vaDeriveImage = zc_DeriveImage;
  vt->vaDestroyImage = zc_DestroyImage;
  vt->vaSetImagePalette = zc_SetImagePalette;
  vt->vaGetImage = zc_GetImage;
  vt->vaPutImage = zc_PutImage;
  vt->vaQuerySubpictureFormats = zc_QuerySubpictureFormats;
  vt->vaCreateSubpicture = zc_CreateSubpicture;
  vt->vaDestroySubpicture = zc_DestroySubpicture;
  vt->vaSetSubpictureImage = zc_SetSubpictureImage;
  vt->vaSetSubpictureChromakey = zc_SetSubpictureChromakey;
  vt->vaSetSubpictureGlobalAlpha = zc_SetSubpictureGlobalAlpha;
  vt->vaAssociateSubpicture = zc_AssociateSubpicture;
  vt->vaDeassociateSubpicture = zc_DeassociateSubpicture;
  vt->vaQueryDisplayAttributes = zc_QueryDisplayAttributes;
  vt->vaGetDisplayAttributes = zc_GetDisplayAttributes;
  vt->vaSetDisplayAttributes = zc_SetDisplayAttributes;

  struct VADriverVTableVPP* vpp = ctx->vtable_vpp;
  vpp->vaQueryVideoProcFilters = zc_QueryVideoProcFilters;
  vpp->vaQueryVideoProcFilterCaps = zc_QueryVideoProcFilterCaps;
  vpp->vaQueryVideoProcPipelineCaps = zc_QueryVideoProcPipelineCaps;
  return VA_STATUS_SUCCESS;
}
