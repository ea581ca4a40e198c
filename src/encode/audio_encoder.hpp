#pragma once
// The audio side of the encoder seam, beside the video Encoder: interleaved float samples at a
// fixed rate and channel count in, packets of one audio stream out (Opus through libopus, AAC
// through FFmpeg's own `aac`). The samples arrive as one continuous track (the clock lock
// upstream fills gaps and trims overlaps), so packet timestamps are the first sample's capture
// time plus the samples counted since: a sample counter, on a start taken from the capture clock.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::encode {

enum class AudioCodec : uint8_t { Opus, AAC };

std::string_view to_string(AudioCodec c);                           // "opus", "aac"
Result<AudioCodec> audio_codec_from_string(std::string_view name);  // "opus", "aac"
AVCodecID codec_id(AudioCodec c);

struct AudioEncoderConfig {
  AudioCodec codec = AudioCodec::Opus;
  uint32_t sample_rate = 48000;
  uint32_t channels = 2;
  uint32_t bitrate_kbps = 0;   // 0: 128 kbit/s (stereo)
  int64_t time_origin_ns = 0;  // capture time that maps to pts 0, the video's origin
  uint32_t index = 1;          // StreamInfo::index and EncodedPacket::stream
};

class AudioEncoder {
 public:
  virtual ~AudioEncoder() = default;

  virtual std::string_view name() const = 0;  // "libopus", "aac"
  // Complete from open (codec parameters, extradata), generation 0: the caller stamps its own.
  virtual const ffmpeg::StreamInfo& stream_info() const = 0;
  // Samples per packet (960 for Opus at 48 kHz, 1024 for AAC).
  virtual uint32_t frame_size() const = 0;

  // The capture time that maps to pts 0 (the video's), when it was not known at make time.
  // Before the first submit() only.
  virtual void set_time_origin(int64_t time_origin_ns) = 0;
  // Interleaved samples (channels per frame). The first call's `pts_ns` (capture time of its
  // first sample) starts the track; later calls continue it sample for sample.
  virtual Result<void> submit(std::span<const float> interleaved, int64_t pts_ns) = 0;
  // Appends every packet ready now.
  virtual Result<void> receive(std::vector<ffmpeg::EncodedPacket>& out) = 0;
  // End of the track: the last partial frame and the codec's delay, drained.
  virtual Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) = 0;
};

// Opens the codec at once (audio encoders, unlike SVT-AV1, free cleanly unfed). Errc::not_found
// when this FFmpeg lacks the encoder, Errc::invalid_argument for a rate or layout it refuses.
Result<std::unique_ptr<AudioEncoder>> make_audio_encoder(const AudioEncoderConfig& config);

}  // namespace zc::encode
