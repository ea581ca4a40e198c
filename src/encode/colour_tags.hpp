#pragma once
// zerocast's colour (core/colour.hpp) as FFmpeg's colour tags. Every encoder family writes them
// into its bitstream (libx264, libx265, SVT-AV1 and NVENC read them from the codec context), and
// muxers write them into the container from the stream's parameters (mkv Colour elements, mp4
// `colr`, MPEG-TS through the bitstream).
extern "C" {
#include <libavutil/pixfmt.h>
}

#include "core/colour.hpp"

struct AVCodecContext;

namespace zc::encode {

struct ColourTags {
  AVColorSpace matrix = AVCOL_SPC_UNSPECIFIED;
  AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVChromaLocation siting = AVCHROMA_LOC_UNSPECIFIED;
};

ColourTags colour_tags(const Colour& c);
// Also leaves the chroma siting unspecified for AV1, whose sequence header has no value for a
// centre siting (SVT-AV1 warns and writes none).
void apply_colour_tags(const Colour& c, AVCodecContext& ctx);

}  // namespace zc::encode
