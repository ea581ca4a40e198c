/* The stand-in NVENC's H.264 writer: parameter sets with the VUI it was given, and pictures whose
 * every macroblock is I_PCM (CAVLC), so a decoder's output is exactly the input's samples. What it
 * writes is a real stream any H.264 decoder plays; it compresses nothing. */
#ifndef ZC_FAKE_H264_H
#define ZC_FAKE_H264_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t* data;
  size_t size, cap;
} ZcBytes;

void zc_bytes_free(ZcBytes* b);

typedef struct {
  uint32_t width, height; /* visible size; coded in whole macroblocks and cropped */
  /* VUI (H.264 Annex E), as NVENC's h264VUIParameters carry it */
  int signal_type_present, video_format, full_range;
  int colour_description_present, primaries, transfer, matrix;
  int chroma_loc_present, chroma_loc_top, chroma_loc_bottom;
} ZcH264Sequence;

/* Appends the SPS and PPS NAL units (Annex B start codes). */
void zc_h264_parameter_sets(ZcBytes* out, const ZcH264Sequence* seq);
/* Appends one picture's slice from NV12 (`luma` rows of `pitch` bytes, the interleaved chroma rows
 * right after `height` luma rows). IDR pictures carry `idr_id`; others count `frame_num` (mod 16)
 * since the last IDR. */
void zc_h264_pcm_picture(ZcBytes* out, const ZcH264Sequence* seq, const uint8_t* nv12, uint32_t pitch, int idr,
                         unsigned idr_id, unsigned frame_num);

#endif
