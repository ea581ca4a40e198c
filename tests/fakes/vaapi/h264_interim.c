/* TEMPORARY: the functions of tests/fakes/h264/fake_h264.h that the h264 branch is writing, in
 * their smallest form (CAVLC only; CABAC slices come out as CAVLC and do not decode), so the
 * driver's plumbing runs before that branch is merged. Delete this file (and its line in
 * CMakeLists.txt) when it is: the link then fails on the duplicate definitions until it is. */
#include <stdlib.h>
#include <string.h>

#include "fake_h264.h"

void zc_bytes_append(ZcBytes* b, const void* data, size_t size) {
  if (b->size + size > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->size + size)
      cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) abort();
    b->cap = cap;
  }
  if (size) memcpy(b->data + b->size, data, size);
  b->size += size;
}

void zc_bits_put(ZcBits* w, int n, uint32_t value) {
  for (int i = n - 1; i >= 0; --i) {
    w->acc = (w->acc << 1) | ((value >> i) & 1u);
    if (++w->used == 8) {
      const uint8_t byte = (uint8_t)w->acc;
      zc_bytes_append(&w->bytes, &byte, 1);
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
  for (int i = len; i >= 0; --i)
    zc_bits_put(w, 1, (uint32_t)(v >> i) & 1u);
}

void zc_bits_se(ZcBits* w, int32_t value) {
  zc_bits_ue(w, value > 0 ? (uint32_t)(2 * value - 1) : (uint32_t)(-2 * value));
}

size_t zc_bits_count(const ZcBits* w) {
  return w->bytes.size * 8 + (size_t)w->used;
}

void zc_bits_free(ZcBits* w) {
  zc_bytes_free(&w->bytes);
  w->acc = 0;
  w->used = 0;
}

void zc_h264_slice_header(ZcBits* w, const ZcH264Sequence* seq, const ZcH264SliceHeader* h) {
  const int type = h->slice_type % 5;
  const int frame_bits = seq->log2_max_frame_num ? seq->log2_max_frame_num : 4;
  zc_bits_ue(w, h->first_mb);
  zc_bits_ue(w, (uint32_t)h->slice_type);
  zc_bits_ue(w, (uint32_t)seq->pps_id);
  zc_bits_put(w, frame_bits, h->frame_num & ((1u << frame_bits) - 1));
  if (h->idr) zc_bits_ue(w, h->idr_pic_id);
  if (seq->poc_type == 0) zc_bits_put(w, seq->log2_max_poc_lsb, h->poc_lsb & ((1u << seq->log2_max_poc_lsb) - 1));
  if (type == 0) {
    zc_bits_put(w, 1, h->num_ref_idx_override != 0);
    if (h->num_ref_idx_override) zc_bits_ue(w, (uint32_t)(h->num_ref_idx_l0 - 1));
    zc_bits_put(w, 1, 0); /* ref_pic_list_modification_flag_l0 */
  }
  if (h->nal_ref_idc) {
    if (h->idr) {
      zc_bits_put(w, 1, 0); /* no_output_of_prior_pics_flag */
      zc_bits_put(w, 1, 0); /* long_term_reference_flag */
    } else {
      zc_bits_put(w, 1, 0); /* adaptive_ref_pic_marking_mode_flag */
    }
  }
  if (seq->entropy_cabac && type != 2) zc_bits_ue(w, (uint32_t)h->cabac_init_idc);
  zc_bits_se(w, h->slice_qp_delta);
  if (seq->deblocking_filter_control_present || seq->profile_idc == 0) {
    zc_bits_ue(w, (uint32_t)h->disable_deblocking_filter_idc);
    if (h->disable_deblocking_filter_idc != 1) {
      zc_bits_se(w, h->slice_alpha_c0_offset_div2);
      zc_bits_se(w, h->slice_beta_offset_div2);
    }
  }
}

static uint8_t at(const uint8_t* plane, uint32_t pitch, uint32_t w, uint32_t h, uint32_t x, uint32_t y, uint32_t step,
                  uint32_t offset) {
  if (x >= w) x = w - 1;
  if (y >= h) y = h - 1;
  return plane[(size_t)y * pitch + (size_t)x * step + offset];
}

void zc_h264_slice(ZcBytes* out, const ZcH264Sequence* seq, int nal_ref_idc, int nal_unit_type, const uint8_t* header,
                   size_t header_bits, const ZcH264SliceData* slice, const ZcNv12* pic) {
  ZcBits w;
  memset(&w, 0, sizeof w);
  for (size_t i = 0; i < header_bits; ++i)
    zc_bits_put(&w, 1, (header[i / 8] >> (7 - i % 8)) & 1u);
  const uint32_t mbw = (seq->width + 15) / 16, mbh = (seq->height + 15) / 16;
  const uint32_t total = mbw * mbh;
  const uint32_t end = slice->mb_count ? slice->first_mb + slice->mb_count : total;
  const int p = slice->slice_type % 5 == 0;
  const uint32_t cw = (seq->width + 1) / 2, ch = (seq->height + 1) / 2;
  for (uint32_t mb = slice->first_mb; mb < end && mb < total; ++mb) {
    const uint32_t mx = mb % mbw, my = mb / mbw;
    if (p) zc_bits_ue(&w, 0);    /* mb_skip_run */
    zc_bits_ue(&w, p ? 30 : 25); /* I_PCM */
    while (w.used)
      zc_bits_put(&w, 1, 0);
    for (uint32_t y = 0; y < 16; ++y)
      for (uint32_t x = 0; x < 16; ++x)
        zc_bits_put(&w, 8, at(pic->luma, pic->luma_pitch, seq->width, seq->height, mx * 16 + x, my * 16 + y, 1, 0));
    for (uint32_t c = 0; c < 2; ++c)
      for (uint32_t y = 0; y < 8; ++y)
        for (uint32_t x = 0; x < 8; ++x)
          zc_bits_put(&w, 8, at(pic->chroma, pic->chroma_pitch, cw, ch, mx * 8 + x, my * 8 + y, 2, c));
  }
  zc_bits_put(&w, 1, 1);
  while (w.used)
    zc_bits_put(&w, 1, 0);
  const uint8_t head[5] = {0, 0, 0, 1, (uint8_t)((nal_ref_idc << 5) | nal_unit_type)};
  zc_bytes_append(out, head, sizeof head);
  int zeros = 0;
  for (size_t i = 0; i < w.bytes.size; ++i) {
    const uint8_t v = w.bytes.data[i];
    if (zeros == 2 && v <= 3) {
      const uint8_t three = 3;
      zc_bytes_append(out, &three, 1);
      zeros = 0;
    }
    zc_bytes_append(out, &v, 1);
    zeros = v == 0 ? zeros + 1 : 0;
  }
  zc_bits_free(&w);
}

int zc_h264_unpack_nal(const uint8_t* data, size_t bits, int* nal_ref_idc, int* nal_unit_type, ZcBytes* rbsp,
                       size_t* rbsp_bits) {
  const size_t bytes = (bits + 7) / 8;
  size_t i = 0;
  if (bytes >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1) {
    i = 4;
  } else if (bytes >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) {
    i = 3;
  }
  if (bytes <= i) return -1;
  *nal_ref_idc = (data[i] >> 5) & 3;
  *nal_unit_type = data[i] & 31;
  ++i;
  const size_t before = rbsp->size;
  int zeros = 0;
  for (; i < bytes; ++i) {
    if (zeros == 2 && data[i] == 3) {
      zeros = 0;
      continue;
    }
    zc_bytes_append(rbsp, &data[i], 1);
    zeros = data[i] == 0 ? zeros + 1 : 0;
  }
  *rbsp_bits = bits - (bytes - (rbsp->size - before)) * 8;
  return 0;
}
