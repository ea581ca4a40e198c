#pragma once
// Decodes a media file (or a finished network capture) with FFmpeg's real decoders, so tests can
// check what a viewer would see: frame count, size, timestamps, pixels.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct AVFrame;

namespace zc::test {

struct DecodedFrame {
  int64_t pts_us = 0;  // presentation time in microseconds (stream start subtracted)
  uint32_t width = 0;
  uint32_t height = 0;
  bool keyframe = false;
};

struct DecodeResult {
  bool ok = false;
  std::string error;      // why decoding failed (open, no video stream, decoder error)
  std::string codec;      // decoder name
  std::string container;  // demuxer name
  int decode_errors = 0;  // packets the decoder refused
  std::vector<DecodedFrame> frames;
  int color_range = 0;      // AVColorRange of the stream
  int color_space = 0;      // AVColorSpace
  int color_primaries = 0;  // AVColorPrimaries
  int color_trc = 0;        // AVColorTransferCharacteristic
};

// Decodes every video frame of `path`. `on_frame`, if given, sees each decoded frame (in any
// pixel format the decoder produces; frame->data[0] is luma for the YUV formats we write).
DecodeResult decode_file(const std::string& path, const std::function<void(const AVFrame&)>& on_frame = {});

}  // namespace zc::test
