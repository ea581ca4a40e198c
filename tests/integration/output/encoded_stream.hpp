#pragma once
// Real encoded packets for the output tests: small synthetic frames through a real FFmpeg
// encoder, parameter sets in-band (no GLOBAL_HEADER), as zerocast's encoders emit them. Each
// frame carries its number in luma blocks so a decoder can tell which frames survived.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ffmpeg/packet.hpp"

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
  ffmpeg::StreamInfo info;
  std::vector<ffmpeg::EncodedPacket> packets;
  int64_t frame_us = 0;  // pts step
};

// Nothing when the encoder is missing from this FFmpeg build (the caller skips).
std::optional<EncodedStream> encode_frames(const EncodeSpec& spec);
// encode_frames, the test skipped (exit 77, support/skip.hpp) when the encoder is missing.
EncodedStream encode_or_skip(const EncodeSpec& spec);

struct ToneSpec {
  std::string codec = "opus";  // opus | aac
  double seconds = 2.0;
  int64_t start_us = 123456789000;  // the same capture clock as EncodeSpec::start_us
  double hz = 440.0;
  uint32_t index = 1;  // the stream's index beside the video (0)
  uint32_t generation = 0;
};

// A stereo sine tone at 48 kHz through zerocast's own audio encoder (encode::AudioEncoder).
// Nothing when the codec is missing from this FFmpeg build.
std::optional<EncodedStream> encode_tone(const ToneSpec& spec);

// The packets of a video and an audio stream in the order an encoding session hands them to its
// sinks: a video packet when its encoder lets it out (`video_delay_us` after its capture), an
// audio packet once its last sample was captured. Ties go to video.
std::vector<const ffmpeg::EncodedPacket*> session_order(const EncodedStream& video, const EncodedStream& audio,
                                                        int64_t video_delay_us);
// When a packet of either stream is handed over, on the capture clock (µs), as session_order
// orders them.
int64_t handed_over_us(const EncodedStream& stream, const ffmpeg::EncodedPacket& packet, int64_t video_delay_us);

// The number encode_frames drew into a decoded frame, or -1 if unreadable.
int read_frame_number(const AVFrame& frame);

}  // namespace zc::test
