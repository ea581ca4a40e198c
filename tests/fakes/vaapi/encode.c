/* Pictures: the buffers of a picture gathered at RenderPicture and, at EndPicture, an H.264 access
 * unit written into the picture's coded buffer (synchronously: the surface is ready when
 * EndPicture returns). Its parts, in order:
 *  - at an IDR picture without a packed sequence header, the SPS and PPS the driver writes from
 *    the parameter buffers (what drivers without packed headers do);
 *  - the application's packed headers other than slice headers, as they came (sequence, SEI as
 *    raw data), when the configuration took them;
 *  - per slice parameter buffer, the application's packed slice header (the i-th for the i-th
 *    slice) or the driver's own, then I_PCM slice data of the source surface's samples.
 * Video processing contexts go to vpp.c. */
#include <stdlib.h>
#include <string.h>

#include "fake_va.h"

#define ZC_MAX_PACKED_SLICES 64

void zc_context_reset_picture(ZcContext* c) {
  for (size_t i = 0; i < c->num_packed; ++i)
    free(c->packed[i].data);
  c->num_packed = 0;
  c->num_slices = 0;
  c->have_pic = 0;
  c->have_pending = 0;
  c->have_proc = c->have_surface_region = c->have_output_region = 0;
}

static VAStatus begin_picture(ZcDriver* d, VAContextID id, VASurfaceID target) {
  ZcContext* c = zc_object_get(d, id, ZC_OBJ_CONTEXT);
  if (!c) return VA_STATUS_ERROR_INVALID_CONTEXT;
  if (!zc_object_get(d, target, ZC_OBJ_SURFACE)) return VA_STATUS_ERROR_INVALID_SURFACE;
  zc_context_reset_picture(c);
  c->target = target;
  c->in_picture = 1;
  return VA_STATUS_SUCCESS;
}

VAStatus zc_BeginPicture(VADriverContextP ctx, VAContextID context, VASurfaceID target) {
  ZC_LOCKED(begin_picture(ZC_DRIVER(ctx), context, target));
}

static void copy_param(void* dst, size_t dst_size, const ZcBuffer* b) {
  const size_t n = b->size < dst_size ? b->size : dst_size;
  memset(dst, 0, dst_size);
  memcpy(dst, b->data, n);
}

static VAStatus add_slices(ZcContext* c, const ZcBuffer* b) {
  /* One buffer may hold several slices' parameters (num_elements). */
  const size_t each =
      b->size >= sizeof(VAEncSliceParameterBufferH264) ? b->size : sizeof(VAEncSliceParameterBufferH264);
  for (unsigned i = 0; i < b->num_elements; ++i) {
    if (c->num_slices == c->cap_slices) {
      c->cap_slices = c->cap_slices ? c->cap_slices * 2 : 8;
      c->slices = realloc(c->slices, c->cap_slices * sizeof *c->slices);
      if (!c->slices) return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }
    VAEncSliceParameterBufferH264* s = &c->slices[c->num_slices++];
    memset(s, 0, sizeof *s);
    memcpy(s, b->data + i * each, b->size < sizeof *s ? b->size : sizeof *s);
  }
  return VA_STATUS_SUCCESS;
}

static VAStatus add_packed_data(ZcContext* c, const ZcBuffer* b) {
  /* Data without its parameter buffer: nothing says what it is, and drivers drop it. */
  if (!c->have_pending) return VA_STATUS_SUCCESS;
  c->have_pending = 0;
  size_t bytes = ((size_t)c->pending.bit_length + 7) / 8;
  const size_t have = (size_t)b->size * b->num_elements;
  if (bytes > have) bytes = have;
  if (c->num_packed == c->cap_packed) {
    c->cap_packed = c->cap_packed ? c->cap_packed * 2 : 8;
    c->packed = realloc(c->packed, c->cap_packed * sizeof *c->packed);
    if (!c->packed) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  }
  ZcPacked* p = &c->packed[c->num_packed];
  p->param = c->pending;
  p->bytes = bytes;
  p->data = malloc(bytes + 1);
  if (!p->data) return VA_STATUS_ERROR_ALLOCATION_FAILED;
  memcpy(p->data, b->data, bytes);
  ++c->num_packed;
  return VA_STATUS_SUCCESS;
}

static void add_misc(ZcContext* c, const ZcBuffer* b) {
  if (b->size < sizeof(VAEncMiscParameterBuffer)) return;
  const VAEncMiscParameterBuffer* misc = (const VAEncMiscParameterBuffer*)b->data;
  const size_t left = b->size - sizeof *misc;
  /* Accepted and kept for the stats' sake; I_PCM pictures have no rate to control. */
  switch (misc->type) {
    case VAEncMiscParameterTypeRateControl:
      if (left >= sizeof(VAEncMiscParameterRateControl))
        c->rc_bits_per_second = ((const VAEncMiscParameterRateControl*)misc->data)->bits_per_second;
      break;
    case VAEncMiscParameterTypeFrameRate:
      if (left >= sizeof(VAEncMiscParameterFrameRate))
        c->frame_rate = ((const VAEncMiscParameterFrameRate*)misc->data)->framerate;
      break;
    case VAEncMiscParameterTypeQualityLevel:
      if (left >= sizeof(VAEncMiscParameterBufferQualityLevel))
        c->quality_level = ((const VAEncMiscParameterBufferQualityLevel*)misc->data)->quality_level;
      break;
    default:
      break; /* HRD, max frame size and the rest */
  }
}

static VAStatus render_picture(ZcDriver* d, VAContextID id, const VABufferID* buffers, int num) {
  ZcContext* c = zc_object_get(d, id, ZC_OBJ_CONTEXT);
  if (!c) return VA_STATUS_ERROR_INVALID_CONTEXT;
  if (!c->in_picture) return VA_STATUS_ERROR_OPERATION_FAILED;
  for (int i = 0; i < num; ++i) {
    const ZcBuffer* b = zc_object_get(d, buffers[i], ZC_OBJ_BUFFER);
    if (!b) return VA_STATUS_ERROR_INVALID_BUFFER;
    VAStatus st = VA_STATUS_SUCCESS;
    switch (b->type) {
      case VAEncSequenceParameterBufferType:
        copy_param(&c->seq, sizeof c->seq, b);
        c->have_seq = 1;
        break;
      case VAEncPictureParameterBufferType:
        copy_param(&c->pic, sizeof c->pic, b);
        c->have_pic = 1;
        break;
      case VAEncSliceParameterBufferType:
        st = add_slices(c, b);
        break;
      case VAEncPackedHeaderParameterBufferType:
        copy_param(&c->pending, sizeof c->pending, b);
        c->have_pending = 1;
        break;
      case VAEncPackedHeaderDataBufferType:
        st = add_packed_data(c, b);
        break;
      case VAEncMiscParameterBufferType:
        add_misc(c, b);
        break;
      case VAProcPipelineParameterBufferType:
        st = zc_vpp_render(d, c, b);
        break;
      default:
        break; /* QP maps, ROI and the like: not offered, ignored as unknown */
    }
    if (st != VA_STATUS_SUCCESS) return st;
  }
  return VA_STATUS_SUCCESS;
}

VAStatus zc_RenderPicture(VADriverContextP ctx, VAContextID context, VABufferID* buffers, int num_buffers) {
  ZC_LOCKED(render_picture(ZC_DRIVER(ctx), context, buffers, num_buffers));
}

/* The sequence the parameter buffers describe: what the driver writes when it writes the SPS
 * and PPS, and what its slices follow either way. VA's sequence parameters carry no colour
 * description, so a driver-written SPS has none (as with the drivers this stands for). */
static ZcH264Sequence sequence_of(const ZcContext* c) {
  const VAEncSequenceParameterBufferH264* sp = &c->seq;
  const VAEncPictureParameterBufferH264* pp = &c->pic;
  ZcH264Sequence s;
  memset(&s, 0, sizeof s);
  s.width = sp->picture_width_in_mbs * 16u;
  s.height = sp->picture_height_in_mbs * 16u;
  if (sp->frame_cropping_flag) {
    s.width -= 2 * (sp->frame_crop_left_offset + sp->frame_crop_right_offset);
    s.height -= 2 * (sp->frame_crop_top_offset + sp->frame_crop_bottom_offset);
  }
  switch (c->config.profile) {
    case VAProfileH264High:
      s.profile_idc = 100;
      break;
    case VAProfileH264Main:
      s.profile_idc = 77;
      break;
    default:
      s.profile_idc = 66;
      s.constraint_flags = 0xc0; /* constraint_set0 and 1: constrained baseline */
      break;
  }
  s.level_idc = sp->level_idc;
  s.sps_id = sp->seq_parameter_set_id;
  s.pps_id = pp->pic_parameter_set_id;
  s.log2_max_frame_num = (int)sp->seq_fields.bits.log2_max_frame_num_minus4 + 4;
  s.poc_type = (int)sp->seq_fields.bits.pic_order_cnt_type;
  s.log2_max_poc_lsb = (int)sp->seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 + 4;
  s.max_num_ref_frames = (int)sp->max_num_ref_frames;
  s.entropy_cabac = (int)pp->pic_fields.bits.entropy_coding_mode_flag;
  s.num_ref_idx_l0_default = pp->num_ref_idx_l0_active_minus1 + 1;
  s.pic_init_qp = pp->pic_init_qp;
  s.chroma_qp_index_offset = pp->chroma_qp_index_offset;
  s.deblocking_filter_control_present = (int)pp->pic_fields.bits.deblocking_filter_control_present_flag;
  s.transform_8x8_mode = (int)pp->pic_fields.bits.transform_8x8_mode_flag;
  return s;
}

/* The VA_ENC_PACKED_HEADER_* flag the configuration must have for a packed header type. */
static uint32_t packed_flag(uint32_t type) {
  switch (type) {
    case VAEncPackedHeaderSequence:
      return VA_ENC_PACKED_HEADER_SEQUENCE;
    case VAEncPackedHeaderPicture:
      return VA_ENC_PACKED_HEADER_PICTURE;
    case VAEncPackedHeaderSlice:
      return VA_ENC_PACKED_HEADER_SLICE;
    default: /* raw data, and the deprecated codec-specific (MiscMask) types */
      return VA_ENC_PACKED_HEADER_RAW_DATA | VA_ENC_PACKED_HEADER_MISC;
  }
}

/* Start code prefix length at p (3 or 4), 0 when there is none. */
static size_t start_code(const uint8_t* p, size_t n) {
  if (n >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) return 3;
  if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1) return 4;
  return 0;
}

/* A packed header without emulation prevention bytes (has_emulation_bytes 0) gets them here, as
 * hardware inserts them: each NAL found by its start code keeps its header byte, its payload is
 * escaped. (A payload that itself holds 00 00 01 is ambiguous; hardware has the same limit.) */
static void append_escaped(ZcBytes* out, const uint8_t* data, size_t n) {
  size_t i = 0;
  int zeros = 0;
  while (i < n) {
    const size_t sc = start_code(data + i, n - i);
    if (sc) {
      zc_bytes_append(out, data + i, sc + (i + sc < n ? 1 : 0));
      i += sc + 1;
      zeros = 0;
      continue;
    }
    const uint8_t v = data[i++];
    if (zeros >= 2 && v <= 3) {
      const uint8_t three = 3;
      zc_bytes_append(out, &three, 1);
      zeros = 0;
    }
    zc_bytes_append(out, &v, 1);
    zeros = v == 0 ? zeros + 1 : 0;
  }
}

/* A packed slice header as NAL header fields and RBSP bits. With emulation bytes it is the
 * H.264 writer's to unpack; without, the RBSP is the data after the start code and NAL byte. */
static int slice_header_bits(const ZcPacked* p, int* ref_idc, int* nal_type, ZcBytes* rbsp, size_t* bits) {
  if (p->param.has_emulation_bytes)
    return zc_h264_unpack_nal(p->data, p->param.bit_length, ref_idc, nal_type, rbsp, bits);
  const size_t sc = start_code(p->data, p->bytes);
  if (p->bytes < sc + 1 || p->param.bit_length < (sc + 1) * 8) return -1;
  *ref_idc = (p->data[sc] >> 5) & 3;
  *nal_type = p->data[sc] & 31;
  zc_bytes_append(rbsp, p->data + sc + 1, p->bytes - sc - 1);
  *bits = p->param.bit_length - (sc + 1) * 8;
  return 0;
}

/* The driver's own slice header, as bytes (the last one's low bits unused) and a bit count. */
static void own_slice_header(const ZcContext* c, const ZcH264Sequence* seq, const VAEncSliceParameterBufferH264* sl,
                             int* ref_idc, int* nal_type, ZcBytes* rbsp, size_t* bits) {
  const int idr = (int)c->pic.pic_fields.bits.idr_pic_flag;
  ZcH264SliceHeader h;
  memset(&h, 0, sizeof h);
  h.nal_ref_idc = idr ? 3 : c->pic.pic_fields.bits.reference_pic_flag ? 2 : 0;
  h.idr = idr;
  h.first_mb = sl->macroblock_address;
  h.slice_type = sl->slice_type % 5;
  h.frame_num = c->pic.frame_num;
  h.idr_pic_id = sl->idr_pic_id;
  h.poc_lsb = sl->pic_order_cnt_lsb;
  h.num_ref_idx_override = sl->num_ref_idx_active_override_flag;
  h.num_ref_idx_l0 = sl->num_ref_idx_l0_active_minus1 + 1;
  h.cabac_init_idc = sl->cabac_init_idc;
  h.slice_qp_delta = sl->slice_qp_delta;
  h.disable_deblocking_filter_idc = sl->disable_deblocking_filter_idc;
  h.slice_alpha_c0_offset_div2 = sl->slice_alpha_c0_offset_div2;
  h.slice_beta_offset_div2 = sl->slice_beta_offset_div2;
  ZcBits w;
  memset(&w, 0, sizeof w);
  zc_h264_slice_header(&w, seq, &h);
  *bits = zc_bits_count(&w);
  zc_bytes_append(rbsp, w.bytes.data, w.bytes.size);
  if (w.used) {
    const uint8_t last = (uint8_t)(w.acc << (8 - w.used));
    zc_bytes_append(rbsp, &last, 1);
  }
  zc_bits_free(&w);
  *ref_idc = h.nal_ref_idc;
  *nal_type = idr ? 5 : 1;
}

static VAStatus encode_picture(ZcDriver* d, ZcContext* c) {
  ZcSurface* src = zc_object_get(d, c->target, ZC_OBJ_SURFACE);
  if (!src) return VA_STATUS_ERROR_INVALID_SURFACE;
  if (!c->have_seq || !c->have_pic || c->num_slices == 0) return VA_STATUS_ERROR_INVALID_PARAMETER;
  ZcBuffer* coded = zc_object_get(d, c->pic.coded_buf, ZC_OBJ_BUFFER);
  if (!coded || coded->type != VAEncCodedBufferType) return VA_STATUS_ERROR_INVALID_BUFFER;
  if (d->fail_after >= 0 && zc_stats.pictures_encoded >= (unsigned long)d->fail_after) {
    ++zc_stats.failures_injected;
    zc_stats_flush(d);
    return VA_STATUS_ERROR_OPERATION_FAILED;
  }
  if (src->fourcc != VA_FOURCC_NV12) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT; /* 8-bit only, for now */

  const ZcH264Sequence seq = sequence_of(c);
  const uint32_t taken = c->config.packed_headers;
  const int idr = (int)c->pic.pic_fields.bits.idr_pic_flag;
  ZcBytes out;
  memset(&out, 0, sizeof out);
  if (idr && !(taken & VA_ENC_PACKED_HEADER_SEQUENCE)) {
    zc_h264_parameter_sets(&out, &seq);
    ++zc_stats.own_parameter_sets;
  }
  const ZcPacked* slice_headers[ZC_MAX_PACKED_SLICES];
  size_t num_slice_headers = 0;
  for (size_t i = 0; i < c->num_packed; ++i) {
    const ZcPacked* p = &c->packed[i];
    if (!(taken & packed_flag(p->param.type))) {
      ++zc_stats.packed_headers_ignored;
      continue;
    }
    if (p->param.type == VAEncPackedHeaderSlice) {
      if (num_slice_headers < ZC_MAX_PACKED_SLICES) slice_headers[num_slice_headers++] = p;
      continue;
    }
    if (p->param.has_emulation_bytes) {
      zc_bytes_append(&out, p->data, p->bytes);
    } else {
      append_escaped(&out, p->data, p->bytes);
    }
    ++zc_stats.packed_headers_written;
  }

  const ZcNv12 picture = {src->plane[0], src->pitch[0], src->plane[1], src->pitch[1]};
  VAStatus st = VA_STATUS_SUCCESS;
  zc_surface_begin_read(src);
  for (size_t i = 0; i < c->num_slices && st == VA_STATUS_SUCCESS; ++i) {
    const VAEncSliceParameterBufferH264* sl = &c->slices[i];
    int ref_idc = 0, nal_type = 0;
    ZcBytes header;
    memset(&header, 0, sizeof header);
    size_t bits = 0;
    if (i < num_slice_headers) {
      if (slice_header_bits(slice_headers[i], &ref_idc, &nal_type, &header, &bits) != 0)
        st = VA_STATUS_ERROR_INVALID_PARAMETER;
      ++zc_stats.packed_slice_headers;
    } else {
      own_slice_header(c, &seq, sl, &ref_idc, &nal_type, &header, &bits);
      ++zc_stats.own_slice_headers;
    }
    if (st == VA_STATUS_SUCCESS) {
      const ZcH264SliceData data = {(int)(sl->slice_type % 5), sl->macroblock_address, sl->num_macroblocks,
                                    seq.pic_init_qp + sl->slice_qp_delta, sl->cabac_init_idc};
      zc_h264_slice(&out, &seq, ref_idc, nal_type, header.data, bits, &data, &picture);
      if (data.slice_type == 0) {
        ++zc_stats.p_slices;
      } else {
        ++zc_stats.i_slices;
      }
      if (seq.entropy_cabac) ++zc_stats.cabac_slices;
    }
    zc_bytes_free(&header);
  }
  zc_surface_end_read(src);
  if (st != VA_STATUS_SUCCESS) {
    zc_bytes_free(&out);
    return st;
  }
  zc_bytes_free(&coded->coded);
  coded->coded = out;
  ++zc_stats.pictures_encoded;
  zc_stats.bytes_encoded += out.size;
  if (idr) ++zc_stats.idr_pictures;
  zc_stats.last_encode_read_ino = (unsigned long)src->ino;
  zc_stats_flush(d);
  return VA_STATUS_SUCCESS;
}

static VAStatus end_picture(ZcDriver* d, VAContextID id) {
  ZcContext* c = zc_object_get(d, id, ZC_OBJ_CONTEXT);
  if (!c) return VA_STATUS_ERROR_INVALID_CONTEXT;
  if (!c->in_picture) return VA_STATUS_ERROR_OPERATION_FAILED;
  c->in_picture = 0;
  const VAStatus st = c->config.entrypoint == VAEntrypointVideoProc ? zc_vpp_run(d, c) : encode_picture(d, c);
  zc_context_reset_picture(c);
  return st;
}

VAStatus zc_EndPicture(VADriverContextP ctx, VAContextID context) {
  ZC_LOCKED(end_picture(ZC_DRIVER(ctx), context));
}
