#pragma once
// Helpers for the encoder tests: feed synthetic frames, decode the packets in memory with
// FFmpeg's own decoders (no muxer: colour tags can only come from the bitstream), inspect the
// parameter sets carried in keyframes, and a watchdog for calls that must not hang.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "encode/cpu_frames.hpp"
#include "encode/encoder.hpp"
#include "encode/families.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::encode::test {

// A software encoder family as the tests open it: its FFmpeg name, codec, input format and maker.
struct Family {
  const char* name;
  Codec codec;
  PixelFormat input;
  Result<EncoderPtr> (*make)(const EncoderConfig&);
};

extern const Family kX264Nv12;
extern const Family kX264I420;
extern const Family kX265;
extern const Family kSvtAv1;

// Opens `f` with `config`, requiring that it opens and is the encoder and input asked for.
EncoderPtr create(const Family& f, const EncoderConfig& config);

struct DecodedPicture {
  int64_t pts = 0;  // packet time base (microseconds since the origin)
  int width = 0;
  int height = 0;
  bool key = false;
};

struct Decoded {
  std::string decoder;
  int errors = 0;  // packets or frames the decoder refused
  std::vector<DecodedPicture> pictures;
  int color_range = -1;  // of the first decoded picture
  int color_space = -1;
  int color_primaries = -1;
  int color_trc = -1;
};

// `on_frame`, if given, sees each decoded picture (the decoder's own layout: I420 for 8-bit H.264).
Decoded decode_packets(Codec codec, const std::vector<ffmpeg::EncodedPacket>& packets,
                       const std::function<void(const AVFrame&)>& on_frame = {});

// Whether the packet carries the codec's in-band headers: SPS+PPS (h264), VPS+SPS+PPS (hevc), a
// sequence header OBU (av1).
bool has_parameter_sets(Codec codec, const AVPacket& packet);

// Capture time of frame `i` at `fps` frames per second, from an origin.
inline int64_t frame_time_ns(int64_t origin, int i, int fps) {
  return origin + int64_t{i} * 1000000000LL / fps;
}

// Submits `count` pattern frames (pts from frame_time_ns); before_submit(i) runs before frame i.
// Returns every packet (including the drain) or fails the test.
std::vector<ffmpeg::EncodedPacket> encode_pattern(Encoder& encoder, CpuFramePool& pool, int count, int fps,
                                                  int64_t origin, const std::function<void(int)>& before_submit = {});

// Runs `body` on another thread; if it does not return within `limit`, the test process exits
// with a failure (a hung encoder cannot be joined).
void within(std::chrono::seconds limit, const std::string& what, const std::function<void()>& body);

EncoderConfig small_config(Codec codec, Tuning tuning);

}  // namespace zc::encode::test
