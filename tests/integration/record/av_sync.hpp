#pragma once
// A/V offsets in a recording of the test source with its sound: each marked frame (number a
// multiple of mark_every) has a click in the audio at its capture time, so a decoder can tell, mark
// by mark, how far the sound sits from the picture.
#include <cstdint>
#include <string>
#include <vector>

namespace zc::test {

struct AvOffsets {
  std::string error;               // set when the file could not be read
  int marked_frames = 0;           // marked frames among the decoded pictures
  int clicks = 0;                  // click onsets in the audio
  std::vector<double> offsets_ms;  // click minus picture, per marked frame matched with a click
  std::vector<double> at_s;        // where in the file each offset was measured
  double video_s = 0;              // first picture to the end of the last
  double audio_s = 0;              // decoded samples / rate
  double worst_ms() const;         // the largest |offset|
  std::string describe() const;    // for INFO: counts and every offset
};

AvOffsets measure_av_offsets(const std::string& path, uint32_t mark_every);

}  // namespace zc::test
