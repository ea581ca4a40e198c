#include "fake_h264.h"

#include <stdlib.h>
#include <string.h>

void zc_bytes_free(ZcBytes* b) {
  free(b->data);
  b->data = NULL;
  b->size = b->cap = 0;
}

static void put_byte(ZcBytes* b, uint8_t v) {
  if (b->size == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 4096;
    b->data = realloc(b->data, b->cap);
    if (!b->data) abort();
  }
  b->data[b->size++] = v;
}

/* An RBSP being written bit by bit, most significant first. */
typedef struct {
  ZcBytes bytes;
  uint32_t acc;
  int used; /* bits in acc */
} Bits;

static void put_bits(Bits* w, int n, uint32_t value) {
  for (int i = n - 1; i >= 0; --i) {
    w->acc = (w->acc << 1) | ((value >> i) & 1u);
    if (++w->used == 8) {
      put_byte(&w->bytes, (uint8_t)w->acc);
      w->acc = 0;
      w->used = 0;
    }
  }
}

static void put_ue(Bits* w, uint32_t value) {
  const uint64_t v = (uint64_t)value + 1;
  int len = 0;
  while ((v >> len) > 1)
    ++len;
  put_bits(w, len, 0);
  for (int i = len; i >= 0; --i)
    put_bits(w, 1, (uint32_t)(v >> i) & 1u);
}

static void put_se(Bits* w, int32_t value) {
  put_ue(w, value > 0 ? (uint32_t)(2 * value - 1) : (uint32_t)(-2 * value));
}

static void align_zero(Bits* w) {
  while (w->used)
    put_bits(w, 1, 0);
}

static void trailing_bits(Bits* w) {
  put_bits(w, 1, 1);
  align_zero(w);
}

/* Start code, NAL header, and the RBSP with emulation prevention bytes. */
static void emit_nal(ZcBytes* out, int ref_idc, int type, Bits* w) {
  static const uint8_t start[] = {0, 0, 0, 1};
  for (size_t i = 0; i < sizeof start; ++i)
    put_byte(out, start[i]);
  put_byte(out, (uint8_t)((ref_idc << 5) | type));
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
  zc_bytes_free(&w->bytes);
}

static uint32_t mbs(uint32_t pixels) {
  return (pixels + 15) / 16;
}

void zc_h264_parameter_sets(ZcBytes* out, const ZcH264Sequence* s) {
  Bits w = {0};
  put_bits(&w, 8, 66);   /* Baseline: I_PCM needs no tool beyond it */
  put_bits(&w, 8, 0x40); /* constraint_set1: constrained baseline */
  put_bits(&w, 8, 52);   /* level 5.2: any size the tests use */
  put_ue(&w, 0);         /* seq_parameter_set_id */
  put_ue(&w, 0);         /* log2_max_frame_num_minus4: frame_num mod 16 */
  put_ue(&w, 2);         /* pic_order_cnt_type 2: output order is decoding order */
  put_ue(&w, 1);         /* max_num_ref_frames */
  put_bits(&w, 1, 0);    /* gaps_in_frame_num_value_allowed_flag */
  put_ue(&w, mbs(s->width) - 1);
  put_ue(&w, mbs(s->height) - 1);
  put_bits(&w, 1, 1); /* frame_mbs_only_flag */
  put_bits(&w, 1, 1); /* direct_8x8_inference_flag */
  const uint32_t crop_right = (mbs(s->width) * 16 - s->width) / 2, crop_bottom = (mbs(s->height) * 16 - s->height) / 2;
  put_bits(&w, 1, crop_right || crop_bottom);
  if (crop_right || crop_bottom) {
    put_ue(&w, 0);
    put_ue(&w, crop_right);
    put_ue(&w, 0);
    put_ue(&w, crop_bottom);
  }
  put_bits(&w, 1, 1); /* vui_parameters_present_flag */
  put_bits(&w, 1, 0); /* aspect_ratio_info_present_flag */
  put_bits(&w, 1, 0); /* overscan_info_present_flag */
  put_bits(&w, 1, s->signal_type_present != 0);
  if (s->signal_type_present) {
    put_bits(&w, 3, (uint32_t)s->video_format);
    put_bits(&w, 1, s->full_range != 0);
    put_bits(&w, 1, s->colour_description_present != 0);
    if (s->colour_description_present) {
      put_bits(&w, 8, (uint32_t)s->primaries);
      put_bits(&w, 8, (uint32_t)s->transfer);
      put_bits(&w, 8, (uint32_t)s->matrix);
    }
  }
  put_bits(&w, 1, s->chroma_loc_present != 0);
  if (s->chroma_loc_present) {
    put_ue(&w, (uint32_t)s->chroma_loc_top);
    put_ue(&w, (uint32_t)s->chroma_loc_bottom);
  }
  put_bits(&w, 1, 0); /* timing_info_present_flag */
  put_bits(&w, 1, 0); /* nal_hrd_parameters_present_flag */
  put_bits(&w, 1, 0); /* vcl_hrd_parameters_present_flag */
  put_bits(&w, 1, 0); /* pic_struct_present_flag */
  put_bits(&w, 1, 0); /* bitstream_restriction_flag */
  trailing_bits(&w);
  emit_nal(out, 3, 7, &w);

  put_ue(&w, 0);      /* pic_parameter_set_id */
  put_ue(&w, 0);      /* seq_parameter_set_id */
  put_bits(&w, 1, 0); /* entropy_coding_mode_flag: CAVLC */
  put_bits(&w, 1, 0); /* bottom_field_pic_order_in_frame_present_flag */
  put_ue(&w, 0);      /* num_slice_groups_minus1 */
  put_ue(&w, 0);      /* num_ref_idx_l0_default_active_minus1 */
  put_ue(&w, 0);      /* num_ref_idx_l1_default_active_minus1 */
  put_bits(&w, 1, 0); /* weighted_pred_flag */
  put_bits(&w, 2, 0); /* weighted_bipred_idc */
  put_se(&w, 0);      /* pic_init_qp_minus26 */
  put_se(&w, 0);      /* pic_init_qs_minus26 */
  put_se(&w, 0);      /* chroma_qp_index_offset */
  put_bits(&w, 1, 1); /* deblocking_filter_control_present_flag: the slices turn it off */
  put_bits(&w, 1, 0); /* constrained_intra_pred_flag */
  put_bits(&w, 1, 0); /* redundant_pic_cnt_present_flag */
  trailing_bits(&w);
  emit_nal(out, 3, 8, &w);
}

/* Sample (x, y) of a plane, the edge repeated beyond the visible size. */
static uint8_t at(const uint8_t* plane, uint32_t pitch, uint32_t w, uint32_t h, uint32_t x, uint32_t y, uint32_t step,
                  uint32_t offset) {
  if (x >= w) x = w - 1;
  if (y >= h) y = h - 1;
  return plane[(size_t)y * pitch + (size_t)x * step + offset];
}

void zc_h264_pcm_picture(ZcBytes* out, const ZcH264Sequence* s, const uint8_t* nv12, uint32_t pitch, int idr,
                         unsigned idr_id, unsigned frame_num) {
  Bits w = {0};
  put_ue(&w, 0); /* first_mb_in_slice */
  put_ue(&w, 7); /* slice_type: I, and every slice of the picture is */
  put_ue(&w, 0); /* pic_parameter_set_id */
  put_bits(&w, 4, idr ? 0 : frame_num % 16);
  if (idr) put_ue(&w, idr_id % 65536);
  if (idr) {
    put_bits(&w, 1, 0); /* no_output_of_prior_pics_flag */
    put_bits(&w, 1, 0); /* long_term_reference_flag */
  } else {
    put_bits(&w, 1, 0); /* adaptive_ref_pic_marking_mode_flag: sliding window */
  }
  put_se(&w, 0); /* slice_qp_delta */
  put_ue(&w, 1); /* disable_deblocking_filter_idc: off */

  const uint8_t* chroma = nv12 + (size_t)pitch * s->height;
  const uint32_t cw = s->width / 2, ch = s->height / 2;
  for (uint32_t my = 0; my < mbs(s->height); ++my) {
    for (uint32_t mx = 0; mx < mbs(s->width); ++mx) {
      put_ue(&w, 25); /* mb_type I_PCM */
      align_zero(&w); /* pcm_alignment_zero_bit */
      for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 16; ++x)
          put_bits(&w, 8, at(nv12, pitch, s->width, s->height, mx * 16 + x, my * 16 + y, 1, 0));
      for (uint32_t c = 0; c < 2; ++c)
        for (uint32_t y = 0; y < 8; ++y)
          for (uint32_t x = 0; x < 8; ++x)
            put_bits(&w, 8, at(chroma, pitch, cw, ch, mx * 8 + x, my * 8 + y, 2, c));
    }
  }
  trailing_bits(&w);
  emit_nal(out, idr ? 3 : 2, idr ? 5 : 1, &w);
}
