#pragma once
// FFmpeg's H.264 decoder told to stop at the first error, for the writer's tests: left to its
// defaults it conceals a broken slice (grey or copied macroblocks) and says so only in its log.
#include <cstdint>
#include <string>
#include <vector>

namespace zc::test {

struct StrictFrame {
  int width = 0, height = 0, format = 0;
  bool key = false;
  char type = '?';               // 'I', 'P', from the decoder's pict_type
  int decode_error_flags = 0;    // AVFrame's
  bool corrupt = false;          // AV_FRAME_FLAG_CORRUPT
  std::vector<uint8_t> y, u, v;  // width x height, and half that each way (4:2:0), no padding
};

struct StrictDecode {
  std::vector<StrictFrame> frames;  // output order
  std::vector<std::string> errors;  // the decoder's log at error level and refused packets
  int profile = 0, level = 0;       // what the decoder read from the SPS
};

// Decodes Annex B access units, one packet each, with err_recognition explode + bitstream + crc.
StrictDecode decode_h264_strict(const std::vector<std::vector<uint8_t>>& packets);

}  // namespace zc::test
