#include "encode/colour_tags.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace zc::encode {

ColourTags colour_tags(const Colour& c) {
  ColourTags t;
  switch (c.matrix) {
    case ColourMatrix::BT601:
      t.matrix = AVCOL_SPC_SMPTE170M;
      break;
    case ColourMatrix::BT709:
      t.matrix = AVCOL_SPC_BT709;
      break;
    case ColourMatrix::BT2020:
      t.matrix = AVCOL_SPC_BT2020_NCL;
      break;
  }
  t.range = c.range == ColourRange::Full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  switch (c.primaries) {
    case ColourPrimaries::BT709:
      t.primaries = AVCOL_PRI_BT709;
      break;
    case ColourPrimaries::BT601:
      t.primaries = AVCOL_PRI_SMPTE170M;
      break;
    case ColourPrimaries::BT2020:
      t.primaries = AVCOL_PRI_BT2020;
      break;
  }
  switch (c.transfer) {
    case ColourTransfer::SRGB:
      t.transfer = AVCOL_TRC_IEC61966_2_1;
      break;
    case ColourTransfer::BT709:
      // One curve, tagged as each standard names it.
      t.transfer = c.primaries == ColourPrimaries::BT601    ? AVCOL_TRC_SMPTE170M
                   : c.primaries == ColourPrimaries::BT2020 ? AVCOL_TRC_BT2020_10
                                                            : AVCOL_TRC_BT709;
      break;
    case ColourTransfer::PQ:
      t.transfer = AVCOL_TRC_SMPTE2084;
      break;
    case ColourTransfer::HLG:
      t.transfer = AVCOL_TRC_ARIB_STD_B67;
      break;
  }
  t.siting = c.siting == ChromaSiting::Centre ? AVCHROMA_LOC_CENTER : AVCHROMA_LOC_LEFT;
  return t;
}

void apply_colour_tags(const Colour& c, AVCodecContext& ctx) {
  const ColourTags t = colour_tags(c);
  ctx.colorspace = t.matrix;
  ctx.color_range = t.range;
  ctx.color_primaries = t.primaries;
  ctx.color_trc = t.transfer;
  ctx.chroma_sample_location =
      ctx.codec_id == AV_CODEC_ID_AV1 && t.siting == AVCHROMA_LOC_CENTER ? AVCHROMA_LOC_UNSPECIFIED : t.siting;
}

}  // namespace zc::encode
