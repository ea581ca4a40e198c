/* The fake VA driver's shared state: its objects, the stats it reports, and the entry points each
 * of its files gives the others. See backend.c for what the driver is. */
#ifndef ZC_FAKE_VA_H
#define ZC_FAKE_VA_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_drmcommon.h>
#include <va/va_enc_h264.h>
#include <va/va_vpp.h>

#include "fake_h264.h"

/* What the driver pretends to be (ZC_FAKE_VA_VARIANT). */
typedef enum {
  ZC_VARIANT_FULL,     /* packed sequence, slice and raw data (SEI) headers */
  ZC_VARIANT_SEQUENCE, /* packed sequence headers only: the driver writes slice headers (recent radeonsi) */
  ZC_VARIANT_NONE,     /* no packed headers: the driver writes SPS/PPS and slice headers (Mesa 22.3) */
  ZC_VARIANT_LOWPOWER, /* as full, under VAEntrypointEncSliceLP only */
} ZcVariant;

typedef struct {
  VAProfile profile;
  VAEntrypoint entrypoint;
  uint32_t rt_format;
  uint32_t rc_mode;
  uint32_t packed_headers; /* what the application enabled, within what the variant offers */
} ZcConfig;

/* A surface's pixels: host memory, or a dmabuf the application gave (mapped at import, read only
 * between DMA_BUF_IOCTL_SYNC calls). Plane 0 is luma (or the packed RGB), plane 1 NV12's CbCr. */
typedef struct {
  uint32_t fourcc, rt_format;
  uint32_t width, height;
  uint8_t* plane[2];
  uint32_t pitch[2];
  int planes;
  uint8_t* host; /* owned host memory, NULL for an import */
  size_t host_size;
  int imported;
  int fds[4]; /* the imported objects, duplicated: they outlive the application's */
  void* maps[4];
  size_t map_sizes[4];
  int num_objects;
  ino_t ino; /* of the dmabuf behind plane 0 */
} ZcSurface;

typedef struct {
  VABufferType type;
  unsigned size, num_elements;
  uint8_t* data; /* owned unless `alias` */
  int alias;     /* a derived image's buffer: data is its surface's memory */
  ZcBytes coded; /* VAEncCodedBufferType: what the last picture wrote */
  VACodedBufferSegment segment;
  int image_buffer; /* the buffer of an image: mapping it touches pixel memory */
} ZcBuffer;

typedef struct {
  VAImage image;
  int derived;
} ZcImage;

typedef struct {
  VAEncPackedHeaderParameterBuffer param;
  uint8_t* data;
  size_t bytes;
} ZcPacked;

typedef struct {
  VAConfigID config_id;
  ZcConfig config;
  int width, height;
  VASurfaceID target;
  int in_picture;
  /* encode */
  VAEncSequenceParameterBufferH264 seq;
  int have_seq;
  VAEncPictureParameterBufferH264 pic;
  int have_pic;
  VAEncSliceParameterBufferH264* slices;
  size_t num_slices, cap_slices;
  ZcPacked* packed; /* every packed header of the picture, in the order they came */
  size_t num_packed, cap_packed;
  VAEncPackedHeaderParameterBuffer pending; /* waits for its data buffer */
  int have_pending;
  uint32_t rc_bits_per_second, quality_level, frame_rate;
  /* video processing */
  VAProcPipelineParameterBuffer proc;
  VARectangle surface_region, output_region;
  int have_proc, have_surface_region, have_output_region;
} ZcContext;

typedef enum { ZC_OBJ_FREE, ZC_OBJ_CONFIG, ZC_OBJ_CONTEXT, ZC_OBJ_SURFACE, ZC_OBJ_BUFFER, ZC_OBJ_IMAGE } ZcObjType;

typedef struct {
  ZcObjType type;
  void* p;
} ZcObject;

typedef struct {
  ZcObject* objects;
  size_t num_objects, cap_objects;
  ZcVariant variant;
  uint64_t modifiers[16]; /* dmabuf modifiers an import may carry */
  size_t num_modifiers;
  long fail_after; /* EndPicture fails after this many pictures; -1: never */
  char* stats_path;
} ZcDriver;

/* What the tests read back (ZC_FAKE_VA_STATS, zc_fake_va_stats_text). */
typedef struct {
  char variant[12];
  unsigned long pictures_encoded, bytes_encoded, idr_pictures;
  unsigned long i_slices, p_slices, cabac_slices, packed_slice_headers, own_slice_headers, own_parameter_sets;
  unsigned long packed_headers_written, packed_headers_ignored;
  char entrypoint[16], rc_mode[8], profile[24];
  uint32_t packed_headers_enabled;
  unsigned long surface_maps, images_created, images_derived, image_gets, image_puts, image_buffer_maps;
  unsigned long imports, imports_refused;
  char import_refused_reason[128];
  unsigned long last_import_ino, last_encode_read_ino, last_vpp_read_ino;
  unsigned long vpp_runs, failures_injected;
} ZcStats;

extern ZcStats zc_stats;
/* One lock for every driver instance and the stats: each vtable entry holds it throughout (the
 * driver is for tests; FFmpeg calls it from its filter and encoder threads at once). */
extern pthread_mutex_t zc_lock;
#define ZC_LOCKED(expr)                 \
  do {                                  \
    pthread_mutex_lock(&zc_lock);       \
    const VAStatus zc_status_ = (expr); \
    pthread_mutex_unlock(&zc_lock);     \
    return zc_status_;                  \
  } while (0)

/* Writes the stats file, when asked for (caller holds the driver lock). */
void zc_stats_flush(ZcDriver* d);

#define ZC_DRIVER(ctx) ((ZcDriver*)(ctx)->pDriverData)

/* Objects (objects.c). Ids are table index + 1; lookups check the type. */
uint32_t zc_object_add(ZcDriver* d, ZcObjType type, void* p);
void* zc_object_get(ZcDriver* d, uint32_t id, ZcObjType type);
void zc_object_remove(ZcDriver* d, uint32_t id);
void zc_objects_free_all(ZcDriver* d);
ZcSurface* zc_surface_new_host(uint32_t fourcc, uint32_t width, uint32_t height);
void zc_surface_free(ZcSurface* s);
uint32_t zc_rt_format_of(uint32_t fourcc);
uint32_t zc_fourcc_bytes(uint32_t fourcc); /* bytes per sample of plane 0 */
/* The host layout of a surface or image of `fourcc`; returns its size. */
size_t zc_host_layout(uint32_t fourcc, uint32_t width, uint32_t height, uint32_t pitch[2], size_t* chroma_offset,
                      int* planes);
ZcBuffer* zc_buffer_new(VABufferType type, unsigned size, unsigned num_elements);
void zc_buffer_free(ZcBuffer* b);

/* Reading a surface's pixels: a dmabuf import is synced around the read (import.c). */
void zc_surface_begin_read(ZcSurface* s);
void zc_surface_end_read(ZcSurface* s);
VAStatus zc_import_surface(ZcDriver* d, uint32_t rt_format, const VADRMPRIMESurfaceDescriptor* desc, ZcSurface** out);

/* The vtable's entries, by file. */
VAStatus zc_CreateSurfaces2(VADriverContextP ctx, unsigned int format, unsigned int width, unsigned int height,
                            VASurfaceID* surfaces, unsigned int num_surfaces, VASurfaceAttrib* attribs,
                            unsigned int num_attribs);
VAStatus zc_CreateSurfaces(VADriverContextP ctx, int width, int height, int format, int num_surfaces,
                           VASurfaceID* surfaces);
VAStatus zc_DestroySurfaces(VADriverContextP ctx, VASurfaceID* surfaces, int num_surfaces);
VAStatus zc_QuerySurfaceAttributes(VADriverContextP ctx, VAConfigID config, VASurfaceAttrib* attribs,
                                   unsigned int* num_attribs);
VAStatus zc_SyncSurface(VADriverContextP ctx, VASurfaceID surface);
VAStatus zc_QuerySurfaceStatus(VADriverContextP ctx, VASurfaceID surface, VASurfaceStatus* status);
VAStatus zc_ExportSurfaceHandle(VADriverContextP ctx, VASurfaceID surface, uint32_t mem_type, uint32_t flags,
                                void* descriptor);
VAStatus zc_CreateContext(VADriverContextP ctx, VAConfigID config, int width, int height, int flag,
                          VASurfaceID* targets, int num_targets, VAContextID* context);
VAStatus zc_DestroyContext(VADriverContextP ctx, VAContextID context);
VAStatus zc_CreateBuffer(VADriverContextP ctx, VAContextID context, VABufferType type, unsigned int size,
                         unsigned int num_elements, void* data, VABufferID* buf_id);
VAStatus zc_BufferSetNumElements(VADriverContextP ctx, VABufferID buf_id, unsigned int num_elements);
VAStatus zc_MapBuffer(VADriverContextP ctx, VABufferID buf_id, void** pbuf);
VAStatus zc_UnmapBuffer(VADriverContextP ctx, VABufferID buf_id);
VAStatus zc_DestroyBuffer(VADriverContextP ctx, VABufferID buf_id);
VAStatus zc_BufferInfo(VADriverContextP ctx, VABufferID buf_id, VABufferType* type, unsigned int* size,
                       unsigned int* num_elements);
VAStatus zc_QueryImageFormats(VADriverContextP ctx, VAImageFormat* formats, int* num_formats);
VAStatus zc_CreateImage(VADriverContextP ctx, VAImageFormat* format, int width, int height, VAImage* image);
VAStatus zc_DeriveImage(VADriverContextP ctx, VASurfaceID surface, VAImage* image);
VAStatus zc_DestroyImage(VADriverContextP ctx, VAImageID image);
VAStatus zc_GetImage(VADriverContextP ctx, VASurfaceID surface, int x, int y, unsigned int width, unsigned int height,
                     VAImageID image);
VAStatus zc_PutImage(VADriverContextP ctx, VASurfaceID surface, VAImageID image, int src_x, int src_y,
                     unsigned int src_width, unsigned int src_height, int dest_x, int dest_y, unsigned int dest_width,
                     unsigned int dest_height);
int zc_image_formats(VAImageFormat* formats); /* the list, returns its length */

/* Pictures (encode.c dispatches to vpp.c for VAEntrypointVideoProc contexts). */
VAStatus zc_BeginPicture(VADriverContextP ctx, VAContextID context, VASurfaceID target);
VAStatus zc_RenderPicture(VADriverContextP ctx, VAContextID context, VABufferID* buffers, int num_buffers);
VAStatus zc_EndPicture(VADriverContextP ctx, VAContextID context);
void zc_context_reset_picture(ZcContext* c);
VAStatus zc_vpp_render(ZcDriver* d, ZcContext* c, const ZcBuffer* b);
VAStatus zc_vpp_run(ZcDriver* d, ZcContext* c);
VAStatus zc_QueryVideoProcFilters(VADriverContextP ctx, VAContextID context, VAProcFilterType* filters,
                                  unsigned int* num_filters);
VAStatus zc_QueryVideoProcFilterCaps(VADriverContextP ctx, VAContextID context, VAProcFilterType type,
                                     void* filter_caps, unsigned int* num_filter_caps);
VAStatus zc_QueryVideoProcPipelineCaps(VADriverContextP ctx, VAContextID context, VABufferID* filters,
                                       unsigned int num_filters, VAProcPipelineCaps* caps);

#endif
