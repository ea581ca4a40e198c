#pragma once
// HDR10's static metadata, which PipeWire does not carry: the mastering display (SMPTE ST 2086:
// the colours and light of the screen the picture was graded on) and the content light levels
// (CTA-861.3: the brightest pixel and the brightest frame's average). Optional settings, given
// by the user; written into the bitstream by the encoders that can (libx265's SEI, SVT-AV1's
// metadata OBUs) and into the container (mkv MasteringMetadata, mp4 mdcv/clli) for every encoder.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::encode {

// CIE 1931 chromaticities and luminance in cd/m².
struct Chromaticity {
  double x = 0, y = 0;
  bool operator==(const Chromaticity&) const = default;
};
struct MasteringDisplay {
  Chromaticity red, green, blue, white;
  double max_luminance = 0, min_luminance = 0;
  bool operator==(const MasteringDisplay&) const = default;
};
struct ContentLight {
  unsigned max_cll = 0;   // the brightest pixel, cd/m²
  unsigned max_fall = 0;  // the brightest frame's average, cd/m²
  bool operator==(const ContentLight&) const = default;
};
struct HdrMetadata {
  std::optional<MasteringDisplay> display;
  std::optional<ContentLight> light;
  bool empty() const { return !display && !light; }
  bool operator==(const HdrMetadata&) const = default;
};

// "G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)" in x265's integer units (chromaticity in 0.00002, light
// in 0.0001 cd/m²), as x265 and FFmpeg users write it; or "PRIMARIES,MAX,MIN" with PRIMARIES one
// of bt2020, p3-d65, bt709 (D65 white) and the light in cd/m² ("p3-d65,1000,0.0001").
Result<MasteringDisplay> parse_mastering_display(std::string_view text);
// "MAXCLL,MAXFALL" in cd/m² (each 0-65535, MaxFALL at most MaxCLL).
Result<ContentLight> parse_content_light(std::string_view text);

// The forms the encoders' own parameters take.
std::string x265_master_display(const MasteringDisplay& d);       // x265's integer units
std::string svtav1_mastering_display(const MasteringDisplay& d);  // SVT-AV1's decimals
std::string to_string(const ContentLight& l);                     // "1000,400"
std::string to_string(const MasteringDisplay& d);                 // x265's form

// FFmpeg's stream side data (AVMasteringDisplayMetadata, AVContentLightMetadata), for muxers.
std::vector<ffmpeg::StreamSideData> stream_side_data(const HdrMetadata& hdr);

}  // namespace zc::encode
