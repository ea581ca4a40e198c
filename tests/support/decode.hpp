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

// HDR10's static metadata as a viewer's FFmpeg reads it (chromaticities, luminance in cd/m²).
struct Hdr10Seen {
  bool display = false;  // a mastering display
  double red_x = 0, red_y = 0, green_x = 0, green_y = 0, blue_x = 0, blue_y = 0, white_x = 0, white_y = 0;
  double max_luminance = 0, min_luminance = 0;
  bool light = false;  // content light levels
  unsigned max_cll = 0, max_fall = 0;
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
  Hdr10Seen container_hdr;  // the stream's side data (mkv MasteringMetadata, mp4 mdcv/clli)
  Hdr10Seen frame_hdr;      // the first frame's (the bitstream's SEI or metadata OBUs)
};

// What a container holds per stream, read packet by packet (and audio decoded), for tests of
// several streams: durations, interleaving, continuity across files.
struct StreamSummary {
  bool audio = false;  // else video
  std::string codec;
  int packets = 0;
  int64_t first_pts_us = 0;    // container time
  int64_t end_us = 0;          // the latest pts + duration
  bool dts_increasing = true;  // within the stream, in file order
  std::vector<int> sizes;      // packet sizes in file order
  int sample_rate = 0;
  int channels = 0;
  int64_t decoded_samples = 0;  // audio: per channel, as a player gets them
  int decode_errors = 0;
  std::vector<float> samples;      // audio channel 0, when asked for
  std::vector<float> samples_ch1;  // audio channel 1 (if there is one), when asked for
  int64_t duration_us() const { return end_us - first_pts_us; }
};

struct StreamsProbe {
  bool ok = false;
  std::string error;
  std::string container;
  std::vector<StreamSummary> streams;  // in the container's order
  const StreamSummary* first(bool audio) const {
    for (const auto& s : streams)
      if (s.audio == audio) return &s;
    return nullptr;
  }
};

StreamsProbe probe_streams(const std::string& path, bool keep_samples = false);

// Decodes every video frame of `path`. `on_frame`, if given, sees each decoded frame (in any
// pixel format the decoder produces; frame->data[0] is luma for the YUV formats we write).
DecodeResult decode_file(const std::string& path, const std::function<void(const AVFrame&)>& on_frame = {});

}  // namespace zc::test
