#include "fake_h264.h"

#include <stdlib.h>
#include <string.h>

#include "h264_cabac.h"

void zc_bytes_free(ZcBytes* b) {
  free(b->data);
  b->data = NULL;
  b->size = b->cap = 0;
}

static void reserve(ZcBytes* b, size_t more) {
  if (b->cap - b->size >= more) return;
  while (b->cap - b->size < more)
    b->cap = b->cap ? b->cap * 2 : 4096;
  b->data = realloc(b->data, b->cap);
  if (!b->data) abort();
}

void zc_bytes_append(ZcBytes* b, const void* data, size_t size) {
  if (!size) return;
  reserve(b, size);
  memcpy(b->data + b->size, data, size);
  b->size += size;
}

static void put_byte(ZcBytes* b, uint8_t v) {
  reserve(b, 1);
  b->data[b->size++] = v;
}

void zc_bits_put(ZcBits* w, int n, uint32_t value) {
  while (n > 0) {
    const int take = n < 8 - w->used ? n : 8 - w->used;
    w->acc = (w->acc << take) | ((value >> (n - take)) & ((1u << take) - 1));
    w->used += take;
    n -= take;
    if (w->used == 8) {
      put_byte(&w->bytes, (uint8_t)w->acc);
      w->acc = 0;
      w->used = 0;
    }
  }
}

void zc_bits_ue(ZcBits* w, uint32_t value) {
  const uint64_t v = (uint64_t)value + 1;
  int len = 0;
  while ((v >> len) > 1)
    ++len;
  zc_bits_put(w, len, 0);
  if (len == 32) { /* value 0xFFFFFFFF: the 33-bit v does not fit one call */
    zc_bits_put(w, 1, 1);
    zc_bits_put(w, 32, (uint32_t)v);
  } else {
    zc_bits_put(w, len + 1, (uint32_t)v);
  }
}

void zc_bits_se(ZcBits* w, int32_t value) {
  zc_bits_ue(w, value > 0 ? 2 * (uint32_t)value - 1 : 2 * (uint32_t)(-(int64_t)value));
}

size_t zc_bits_count(const ZcBits* w) {
  return w->bytes.size * 8 + (size_t)w->used;
}

const uint8_t* zc_bits_data(ZcBits* w) {
  reserve(&w->bytes, 1); /* room for the partial byte, which stays out of bytes.size */
  if (w->used) w->bytes.data[w->bytes.size] = (uint8_t)(w->acc << (8 - w->used));
  return w->bytes.data;
}

void zc_bits_free(ZcBits* w) {
  zc_bytes_free(&w->bytes);
  w->acc = 0;
  w->used = 0;
}

static void align(ZcBits* w, uint32_t bit) {
  while (w->used)
    zc_bits_put(w, 1, bit);
}

static void trailing_bits(ZcBits* w) {
  zc_bits_put(w, 1, 1);
  align(w, 0);
}

/* Start code, NAL header, and the RBSP with emulation prevention bytes. */
static void emit_nal(ZcBytes* out, int ref_idc, int type, ZcBits* w) {
  static const uint8_t start[] = {0, 0, 0, 1};
  zc_bytes_append(out, start, sizeof start);
  put_byte(out, (uint8_t)((ref_idc << 5) | type));
  reserve(out, w->bytes.size + w->bytes.size / 2);
  int zeros = 0;
  for (size_t i = 0; i < w->bytes.size; ++i) {
    const uint8_t v = w->bytes.data[i];
    if (zeros == 2 && v <= 3) {
      put_byte(out, 3);
      zeros = 0;
    }
    put_byte(out, v);
    zeros = v == 0 ? zeros + 1 : 0;
  }
  zc_bits_free(w);
}

static uint32_t mbs(uint32_t pixels) {
  return (pixels + 15) / 16;
}

static int or_default(int value, int fallback) {
  return value ? value : fallback;
}

static int log2_max_frame_num(const ZcH264Sequence* s) {
  return or_default(s->log2_max_frame_num, 4);
}

/* POC type 0 needs its lsb length: without one, the old type 2. */
static int poc_type(const ZcH264Sequence* s) {
  return s->poc_type == 0 && s->log2_max_poc_lsb ? 0 : 2;
}

static int deblocking_control(const ZcH264Sequence* s) {
  return s->profile_idc == 0 || s->deblocking_filter_control_present;
}

/* The profiles whose SPS carries chroma_format_idc and bit depths (7.3.2.1.1), and whose PPS
 * may carry transform_8x8_mode_flag. */
static int high_profile(int idc) {
  static const int list[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; ++i)
    if (idc == list[i]) return 1;
  return 0;
}

static void vui(ZcBits* w, const ZcH264Sequence* s) {
  zc_bits_put(w, 1, 0); /* aspect_ratio_info_present_flag */
  zc_bits_put(w, 1, 0); /* overscan_info_present_flag */
  zc_bits_put(w, 1, s->signal_type_present != 0);
  if (s->signal_type_present) {
    zc_bits_put(w, 3, (uint32_t)s->video_format);
    zc_bits_put(w, 1, s->full_range != 0);
    zc_bits_put(w, 1, s->colour_description_present != 0);
    if (s->colour_description_present) {
      zc_bits_put(w, 8, (uint32_t)s->primaries);
      zc_bits_put(w, 8, (uint32_t)s->transfer);
      zc_bits_put(w, 8, (uint32_t)s->matrix);
    }
  }
  zc_bits_put(w, 1, s->chroma_loc_present != 0);
  if (s->chroma_loc_present) {
    zc_bits_ue(w, (uint32_t)s->chroma_loc_top);
    zc_bits_ue(w, (uint32_t)s->chroma_loc_bottom);
  }
  zc_bits_put(w, 1, 0); /* timing_info_present_flag */
  zc_bits_put(w, 1, 0); /* nal_hrd_parameters_present_flag */
  zc_bits_put(w, 1, 0); /* vcl_hrd_parameters_present_flag */
  zc_bits_put(w, 1, 0); /* pic_struct_present_flag */
  zc_bits_put(w, 1, 0); /* bitstream_restriction_flag */
}

void zc_h264_parameter_sets(ZcBytes* out, const ZcH264Sequence* s) {
  ZcBits w = {0};
  /* Constrained baseline by default: I_PCM needs no tool beyond it. */
  zc_bits_put(&w, 8, (uint32_t)or_default(s->profile_idc, 66));
  zc_bits_put(&w, 8, s->profile_idc ? (uint32_t)s->constraint_flags : 0x40);
  zc_bits_put(&w, 8, (uint32_t)or_default(s->level_idc, 52)); /* 5.2: any size the tests use */
  zc_bits_ue(&w, (uint32_t)s->sps_id);
  if (high_profile(s->profile_idc)) {
    zc_bits_ue(&w, 1);     /* chroma_format_idc: 4:2:0 */
    zc_bits_ue(&w, 0);     /* bit_depth_luma_minus8 */
    zc_bits_ue(&w, 0);     /* bit_depth_chroma_minus8 */
    zc_bits_put(&w, 1, 0); /* qpprime_y_zero_transform_bypass_flag */
    zc_bits_put(&w, 1, 0); /* seq_scaling_matrix_present_flag */
  }
  zc_bits_ue(&w, (uint32_t)(log2_max_frame_num(s) - 4));
  zc_bits_ue(&w, (uint32_t)poc_type(s)); /* type 2: output order is decoding order */
  if (poc_type(s) == 0) zc_bits_ue(&w, (uint32_t)(s->log2_max_poc_lsb - 4));
  zc_bits_ue(&w, (uint32_t)or_default(s->max_num_ref_frames, 1));
  zc_bits_put(&w, 1, 0); /* gaps_in_frame_num_value_allowed_flag */
  zc_bits_ue(&w, mbs(s->width) - 1);
  zc_bits_ue(&w, mbs(s->height) - 1);
  zc_bits_put(&w, 1, 1); /* frame_mbs_only_flag */
  zc_bits_put(&w, 1, 1); /* direct_8x8_inference_flag */
  const uint32_t crop_right = (mbs(s->width) * 16 - s->width) / 2, crop_bottom = (mbs(s->height) * 16 - s->height) / 2;
  zc_bits_put(&w, 1, crop_right || crop_bottom);
  if (crop_right || crop_bottom) {
    zc_bits_ue(&w, 0);
    zc_bits_ue(&w, crop_right);
    zc_bits_ue(&w, 0);
    zc_bits_ue(&w, crop_bottom);
  }
  zc_bits_put(&w, 1, 1); /* vui_parameters_present_flag */
  vui(&w, s);
  trailing_bits(&w);
  emit_nal(out, 3, 7, &w);

  zc_bits_ue(&w, (uint32_t)s->pps_id);
  zc_bits_ue(&w, (uint32_t)s->sps_id);
  zc_bits_put(&w, 1, s->entropy_cabac != 0);
  zc_bits_put(&w, 1, 0); /* bottom_field_pic_order_in_frame_present_flag */
  zc_bits_ue(&w, 0);     /* num_slice_groups_minus1 */
  zc_bits_ue(&w, (uint32_t)(or_default(s->num_ref_idx_l0_default, 1) - 1));
  zc_bits_ue(&w, 0);     /* num_ref_idx_l1_default_active_minus1 */
  zc_bits_put(&w, 1, 0); /* weighted_pred_flag */
  zc_bits_put(&w, 2, 0); /* weighted_bipred_idc */
  zc_bits_se(&w, or_default(s->pic_init_qp, 26) - 26);
  zc_bits_se(&w, 0); /* pic_init_qs_minus26 */
  zc_bits_se(&w, s->chroma_qp_index_offset);
  zc_bits_put(&w, 1, deblocking_control(s) != 0);
  zc_bits_put(&w, 1, 0); /* constrained_intra_pred_flag */
  zc_bits_put(&w, 1, 0); /* redundant_pic_cnt_present_flag */
  if (high_profile(s->profile_idc)) {
    zc_bits_put(&w, 1, s->transform_8x8_mode != 0);
    zc_bits_put(&w, 1, 0);                     /* pic_scaling_matrix_present_flag */
    zc_bits_se(&w, s->chroma_qp_index_offset); /* second_chroma_qp_index_offset: the same */
  }
  trailing_bits(&w);
  emit_nal(out, 3, 8, &w);
}

void zc_h264_slice_header(ZcBits* w, const ZcH264Sequence* s, const ZcH264SliceHeader* h) {
  const int type = h->slice_type % 5;
  zc_bits_ue(w, h->first_mb);
  zc_bits_ue(w, (uint32_t)h->slice_type);
  zc_bits_ue(w, (uint32_t)s->pps_id);
  const int frame_num_bits = log2_max_frame_num(s);
  zc_bits_put(w, frame_num_bits, h->frame_num & ((1u << frame_num_bits) - 1));
  if (h->idr) zc_bits_ue(w, h->idr_pic_id % 65536);
  if (poc_type(s) == 0) zc_bits_put(w, s->log2_max_poc_lsb, h->poc_lsb & ((1u << s->log2_max_poc_lsb) - 1));
  if (type == 0) {
    zc_bits_put(w, 1, h->num_ref_idx_override != 0);
    if (h->num_ref_idx_override) zc_bits_ue(w, (uint32_t)(or_default(h->num_ref_idx_l0, 1) - 1));
    zc_bits_put(w, 1, 0); /* ref_pic_list_modification_flag_l0 */
  }
  if (h->nal_ref_idc) {
    if (h->idr) {
      zc_bits_put(w, 1, 0); /* no_output_of_prior_pics_flag */
      zc_bits_put(w, 1, 0); /* long_term_reference_flag */
    } else {
      zc_bits_put(w, 1, 0); /* adaptive_ref_pic_marking_mode_flag: sliding window */
    }
  }
  if (s->entropy_cabac && type != 2 && type != 4) zc_bits_ue(w, (uint32_t)h->cabac_init_idc);
  zc_bits_se(w, h->slice_qp_delta);
  if (deblocking_control(s)) {
    zc_bits_ue(w, (uint32_t)h->disable_deblocking_filter_idc);
    if (h->disable_deblocking_filter_idc != 1) {
      zc_bits_se(w, h->slice_alpha_c0_offset_div2);
      zc_bits_se(w, h->slice_beta_offset_div2);
    }
  }
}

/* Sample (x, y) of a plane, the edge repeated beyond the visible size. */
static uint8_t at(const uint8_t* plane, uint32_t pitch, uint32_t w, uint32_t h, uint32_t x, uint32_t y, uint32_t step,
                  uint32_t offset) {
  if (x >= w) x = w - 1;
  if (y >= h) y = h - 1;
  return plane[(size_t)y * pitch + (size_t)x * step + offset];
}

/* pcm_alignment_zero_bits and macroblock `mb`'s 384 samples. */
static void pcm_samples(ZcBits* w, const ZcH264Sequence* s, const ZcNv12* p, uint32_t mb) {
  const uint32_t mx = mb % mbs(s->width), my = mb / mbs(s->width);
  align(w, 0);
  reserve(&w->bytes, 384);
  uint8_t* out = w->bytes.data + w->bytes.size;
  for (uint32_t y = 0; y < 16; ++y)
    for (uint32_t x = 0; x < 16; ++x)
      *out++ = at(p->luma, p->luma_pitch, s->width, s->height, mx * 16 + x, my * 16 + y, 1, 0);
  /* The old writer's chroma size, which the stand-in NVENC's output keeps. */
  const uint32_t cw = s->width / 2, ch = s->height / 2;
  for (uint32_t c = 0; c < 2; ++c)
    for (uint32_t y = 0; y < 8; ++y)
      for (uint32_t x = 0; x < 8; ++x)
        *out++ = at(p->chroma, p->chroma_pitch, cw, ch, mx * 8 + x, my * 8 + y, 2, c);
  w->bytes.size += 384;
}

void zc_h264_slice(ZcBytes* out, const ZcH264Sequence* seq, int nal_ref_idc, int nal_unit_type, const uint8_t* header,
                   size_t header_bits, const ZcH264SliceData* slice, const ZcNv12* picture) {
  ZcBits w = {0};
  zc_bytes_append(&w.bytes, header, header_bits / 8);
  if (header_bits % 8) zc_bits_put(&w, (int)(header_bits % 8), header[header_bits / 8] >> (8 - header_bits % 8));

  const uint32_t mb_width = mbs(seq->width), total = mb_width * mbs(seq->height);
  const uint32_t first = slice->first_mb < total ? slice->first_mb : total;
  const uint32_t end = slice->mb_count && slice->mb_count < total - first ? first + slice->mb_count : total;
  const int p = slice->slice_type % 5 == 0;
  if (!seq->entropy_cabac || first == end) {
    for (uint32_t mb = first; mb < end; ++mb) {
      if (p) zc_bits_ue(&w, 0);    /* mb_skip_run */
      zc_bits_ue(&w, p ? 30 : 25); /* I_PCM: P's intra types follow its 5 inter ones */
      pcm_samples(&w, seq, picture, mb);
    }
    trailing_bits(&w);
  } else {
    align(&w, 1); /* cabac_alignment_one_bit */
    ZcCabac c;
    zc_cabac_start(&c, &w, p, slice->cabac_init_idc, slice->slice_qp);
    for (uint32_t mb = first; mb < end; ++mb) {
      /* Neighbours in an earlier slice are not available (6.4.1). */
      const int left = mb % mb_width && mb - 1 >= first, above = mb >= mb_width && mb - mb_width >= first;
      zc_cabac_pcm_mb_type(&c, p, left + above);
      pcm_samples(&w, seq, picture, mb);
      zc_cabac_restart(&c);
      zc_cabac_end_of_slice(&c, mb + 1 == end);
    }
    align(&w, 0); /* the rest of rbsp_slice_trailing_bits: the flush wrote the stop bit */
  }
  emit_nal(out, nal_ref_idc, nal_unit_type, &w);
}

int zc_h264_unpack_nal(const uint8_t* data, size_t bits, int* nal_ref_idc, int* nal_unit_type, ZcBytes* rbsp,
                       size_t* rbsp_bits) {
  const size_t n = (bits + 7) / 8;
  size_t i = 0;
  if (n >= 4 && !data[0] && !data[1] && !data[2] && data[3] == 1)
    i = 4;
  else if (n >= 3 && !data[0] && !data[1] && data[2] == 1)
    i = 3;
  if (bits < 8 * (i + 1) || (data[i] & 0x80)) return -1; /* no header byte, or forbidden_zero_bit */
  *nal_ref_idc = (data[i] >> 5) & 3;
  *nal_unit_type = data[i] & 31;
  size_t kept = bits - 8 * ++i;
  rbsp->size = 0;
  int zeros = 0;
  for (; i < n; ++i) {
    /* A prevention byte is a whole one: a partial last byte after two zeros is data. */
    const int whole = 8 * (i + 1) <= bits;
    if (zeros == 2 && data[i] == 3 && whole) {
      kept -= 8;
      zeros = 0;
      continue;
    }
    put_byte(rbsp, whole ? data[i] : (uint8_t)(data[i] & (0xFF << (8 - bits % 8))));
    zeros = data[i] == 0 ? zeros + 1 : 0;
  }
  *rbsp_bits = kept;
  return 0;
}

void zc_h264_pcm_picture(ZcBytes* out, const ZcH264Sequence* s, const uint8_t* nv12, uint32_t pitch, int idr,
                         unsigned idr_id, unsigned frame_num) {
  ZcH264SliceHeader h = {0};
  h.nal_ref_idc = idr ? 3 : 2;
  h.idr = idr;
  h.slice_type = 7; /* I, and every slice of the picture is */
  h.frame_num = idr ? 0 : frame_num;
  h.idr_pic_id = idr_id;
  h.poc_lsb = 2 * h.frame_num;
  h.disable_deblocking_filter_idc = 1;
  ZcBits w = {0};
  zc_h264_slice_header(&w, s, &h);
  const ZcNv12 picture = {nv12, pitch, nv12 + (size_t)pitch * s->height, pitch};
  ZcH264SliceData data = {0};
  data.slice_type = h.slice_type;
  data.slice_qp = or_default(s->pic_init_qp, 26);
  zc_h264_slice(out, s, h.nal_ref_idc, idr ? 5 : 1, zc_bits_data(&w), zc_bits_count(&w), &data, &picture);
  zc_bits_free(&w);
}
