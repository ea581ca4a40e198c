/* An H.264 writer for the tests' stand-ins of hardware encoders (the fake NVENC, the fake VA-API
 * driver): parameter sets, slice headers, and pictures whose every macroblock is I_PCM, in CAVLC or
 * CABAC, in I or P slices, so a decoder's output is exactly the input's samples. What it writes is
 * a real stream any H.264 decoder plays; it compresses nothing. */
#ifndef ZC_FAKE_H264_H
#define ZC_FAKE_H264_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint8_t* data;
  size_t size, cap;
} ZcBytes;

void zc_bytes_free(ZcBytes* b);
void zc_bytes_append(ZcBytes* b, const void* data, size_t size);

/* An RBSP being written bit by bit, most significant first. */
typedef struct {
  ZcBytes bytes; /* whole bytes written */
  uint32_t acc;
  int used; /* bits in acc */
} ZcBits;

void zc_bits_put(ZcBits* w, int n, uint32_t value); /* n <= 32 */
void zc_bits_ue(ZcBits* w, uint32_t value);
void zc_bits_se(ZcBits* w, int32_t value);
size_t zc_bits_count(const ZcBits* w); /* bits written so far */
/* The bits written so far as bytes, the last one's unused low bits 0: what zc_h264_slice takes as
 * a header. Valid until the next write. */
const uint8_t* zc_bits_data(ZcBits* w);
void zc_bits_free(ZcBits* w);

/* Everything the SPS and PPS say that the slices depend on. Fields after the VUI block are 0 for
 * the old behaviour (the stand-in NVENC: constrained baseline, CAVLC, POC type 2, frame_num mod 16,
 * pic_init_qp 26, deblocking control present). */
typedef struct {
  uint32_t width, height; /* visible size; coded in whole macroblocks and cropped */
  /* VUI (H.264 Annex E) */
  int signal_type_present, video_format, full_range;
  int colour_description_present, primaries, transfer, matrix;
  int chroma_loc_present, chroma_loc_top, chroma_loc_bottom;
  /* SPS */
  int profile_idc;      /* 0: 66 with constraint_set1 (constrained baseline); 77 main, 100 high */
  int constraint_flags; /* the SPS's constraint_set0..5 byte when profile_idc != 0 */
  int level_idc;        /* 0: 52 */
  int sps_id, pps_id;
  int log2_max_frame_num; /* 0: 4 */
  int poc_type;           /* 0 or 2; 0 with log2_max_poc_lsb 0 is the old type 2 */
  int log2_max_poc_lsb;   /* 4..16: POC type 0's pic_order_cnt_lsb length */
  int max_num_ref_frames; /* 0: 1 */
  /* PPS */
  int entropy_cabac;          /* entropy_coding_mode_flag */
  int num_ref_idx_l0_default; /* num_ref_idx_l0_default_active_minus1 + 1; 0: 1 */
  int pic_init_qp;            /* 26 + pic_init_qp_minus26; 0: 26 (so 1..51, or 0 through slice_qp_delta) */
  int chroma_qp_index_offset;
  int deblocking_filter_control_present; /* ignored (always 1) when profile_idc == 0 */
  int transform_8x8_mode;                /* in the PPS extension, written for High (100) and up */
} ZcH264Sequence;

/* Appends the SPS and PPS NAL units (Annex B start codes). */
void zc_h264_parameter_sets(ZcBytes* out, const ZcH264Sequence* seq);

/* One slice's header fields, for a driver that writes its own slice headers (no packed slice
 * header from the application). Slice types: 0 P, 2 I (or 5, 7). */
typedef struct {
  int nal_ref_idc;   /* 0..3 */
  int idr;           /* nal_unit_type 5 (else 1) */
  uint32_t first_mb; /* first_mb_in_slice */
  int slice_type;
  unsigned frame_num; /* written mod 2^log2_max_frame_num */
  unsigned idr_pic_id;
  unsigned poc_lsb;         /* POC type 0: written mod 2^log2_max_poc_lsb */
  int num_ref_idx_override; /* P: num_ref_idx_active_override_flag */
  int num_ref_idx_l0;       /* P with the override: num_ref_idx_l0_active_minus1 + 1 */
  int cabac_init_idc;       /* P under CABAC */
  int slice_qp_delta;
  int disable_deblocking_filter_idc;
  int slice_alpha_c0_offset_div2, slice_beta_offset_div2;
} ZcH264SliceHeader;

/* Writes slice_header() (the syntax after the NAL header byte) into `w`: no reordering, sliding
 * window marking (dec_ref_pic_marking only when nal_ref_idc != 0), the deblocking fields only when
 * the PPS has deblocking_filter_control_present_flag. Nothing is aligned: pass zc_bits_data(w) and
 * zc_bits_count(w) to zc_h264_slice. */
void zc_h264_slice_header(ZcBits* w, const ZcH264Sequence* seq, const ZcH264SliceHeader* h);

/* A picture in NV12 (8 bits): luma rows of `luma_pitch` bytes, interleaved CbCr rows of
 * `chroma_pitch`; `width` x `height` visible (the sequence's), the edges repeated into the coded
 * macroblocks beyond. */
typedef struct {
  const uint8_t* luma;
  uint32_t luma_pitch;
  const uint8_t* chroma;
  uint32_t chroma_pitch;
} ZcNv12;

/* What the slice data needs beyond its header. */
typedef struct {
  int slice_type;     /* 0 P, 2 I (or 5, 7) */
  uint32_t first_mb;  /* the slice's macroblocks, raster order */
  uint32_t mb_count;  /* 0: to the end of the picture */
  int slice_qp;       /* SliceQPY (26 + pic_init_qp_minus26 + slice_qp_delta): CABAC's context init (clipped 0..51) */
  int cabac_init_idc; /* P slices under CABAC */
} ZcH264SliceData;

/* Appends one slice NAL (start code, NAL header, emulation prevention): the slice header given as
 * `header_bits` bits of RBSP (from zc_h264_slice_header or from an application's packed header,
 * see zc_h264_unpack_nal), then slice_data() of I_PCM macroblocks (entropy by seq->entropy_cabac:
 * CAVLC mb_skip_run/mb_type, or CABAC with cabac_alignment_one_bits, mb_skip_flag, mb_type, the
 * engine flushed before and restarted after each macroblock's samples), then the trailing bits. */
void zc_h264_slice(ZcBytes* out, const ZcH264Sequence* seq, int nal_ref_idc, int nal_unit_type, const uint8_t* header,
                   size_t header_bits, const ZcH264SliceData* slice, const ZcNv12* picture);

/* An application's packed NAL (Annex B: optional 3 or 4 byte start code, NAL header byte, RBSP with
 * emulation prevention bytes; `bits` long, the last byte's low bits unused): its NAL header and its
 * RBSP without the prevention bytes, `*rbsp_bits` long, replacing `rbsp`'s contents (the unused
 * bits 0). A partial last byte is never taken for a prevention byte. Returns 0, or -1 when it is no
 * NAL (shorter than a header byte, or forbidden_zero_bit set). */
int zc_h264_unpack_nal(const uint8_t* data, size_t bits, int* nal_ref_idc, int* nal_unit_type, ZcBytes* rbsp,
                       size_t* rbsp_bits);

/* The old one-call picture (the stand-in NVENC): an I slice of the whole picture with the
 * writer's own header (slice QP pic_init_qp, no deblocking), NV12 with `pitch` for both planes,
 * the chroma plane right below the luma's `height` rows. IDR pictures carry `idr_id`; others count
 * `frame_num` since the last IDR (under POC type 0 the lsb is 2 * frame_num). */
void zc_h264_pcm_picture(ZcBytes* out, const ZcH264Sequence* seq, const uint8_t* nv12, uint32_t pitch, int idr,
                         unsigned idr_id, unsigned frame_num);

#ifdef __cplusplus
}
#endif

#endif
