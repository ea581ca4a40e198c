#pragma once
// Real encoded packets for the output tests: small synthetic frames through a real FFmpeg
// encoder, parameter sets in-band (no GLOBAL_HEADER), as zerocast's encoders emit them. Each
// frame carries its number in luma blocks so a decoder can tell which frames survived.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/packet.hpp"

struct AVFrame;

namespace zc::test {

struct EncodeSpec {
  std::string encoder = "libx264";  // libx264, libx265, libsvtav1
  int width = 160;
  int height = 96;
  int frames = 30;
  int fps = 30;
  int gop = 10;
  uint32_t generation = 0;
  int first_number = 0;             // frame number drawn into the first frame
  int64_t start_us = 123456789000;  // capture-clock timestamps: far from zero on purpose
};

struct EncodedStream {
  StreamInfo info;
  std::vector<EncodedPacket> packets;
  int64_t frame_us = 0;  // pts step
};

// Nothing when the encoder is missing from this FFmpeg build (the caller skips).
std::optional<EncodedStream> encode_frames(const EncodeSpec& spec);

// The number encode_frames drew into a decoded frame, or -1 if unreadable.
int read_frame_number(const AVFrame& frame);

}  // namespace zc::test
