/* The CABAC encoder behind fake_h264.c (H.264 9.3.4), private to the writer: just the bins an
 * I_PCM macroblock needs, in I and P slices. */
#ifndef ZC_H264_CABAC_H
#define ZC_H264_CABAC_H

#include "fake_h264.h"

typedef struct {
  ZcBits* w;
  uint32_t low, range, outstanding;
  int first_bit;
  /* Context variables up to ctxIdx 20 (mb_type and mb_skip_flag); 0..2 are never used. */
  uint8_t state[21], mps[21];
} ZcCabac;

/* Initialises the contexts for SliceQPY `slice_qp` (9.3.1.1) and the engine (9.3.1.2); the
 * slice data must be byte aligned (cabac_alignment_one_bit) by then. */
void zc_cabac_start(ZcCabac* c, ZcBits* w, int p_slice, int cabac_init_idc, int slice_qp);

/* An I_PCM macroblock's bins up to mb_type's terminating bin, which flushes the engine so that
 * pcm_alignment_zero_bits and the samples can follow. `neighbours` is how many of A (left) and
 * B (above) are available in the slice: every macroblock this writer codes is I_PCM, which makes
 * that count both mb_skip_flag's and the I slice's mb_type ctxIdxInc. */
void zc_cabac_pcm_mb_type(ZcCabac* c, int p_slice, int neighbours);

/* The engine re-initialised after the samples (9.3.1.2): the contexts keep their states. */
void zc_cabac_restart(ZcCabac* c);

/* end_of_slice_flag; when 1, the flush's last bit is the rbsp_stop_one_bit. */
void zc_cabac_end_of_slice(ZcCabac* c, int last);

#endif
