#pragma once
// What the encoder hands to outputs: compressed packets and the description of the stream they
// belong to.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ffmpeg/handles.hpp"

namespace zc::ffmpeg {

enum class StreamKind : uint8_t { video, audio };

// A session's streams: the video stream is index 0, audio tracks follow (1, 2, ...).
inline constexpr uint32_t kVideoStream = 0;

// A stream's side data for muxers (HDR metadata: AVMasteringDisplayMetadata, AVContentLightMetadata):
// FFmpeg's type and the struct's bytes.
struct StreamSideData {
  AVPacketSideDataType type = AV_PKT_DATA_NEW_EXTRADATA;
  std::vector<uint8_t> bytes;
};

// Describes one encoded stream. A new generation starts whenever the video encoder is re-created
// (resolution or format change): file outputs roll over to the next file with every stream,
// network outputs go on with the new in-band parameter sets.
struct StreamInfo {
  StreamKind kind = StreamKind::video;
  uint32_t index = kVideoStream;                    // its place in the session's StreamList
  std::shared_ptr<const AVCodecParameters> params;  // codec id, size, extradata (may be empty: in-band headers)
  AVRational time_base{1, 1000000};                 // of packet pts/dts
  AVRational frame_rate{0, 1};                      // nominal rate (0/1: variable)
  std::string encoder;                              // "libx264", "hevc_nvenc", ...
  uint32_t generation = 0;
  std::vector<StreamSideData> side_data;
};

// Every stream of a session, streams[i].index == i, the video stream first; all carry the
// generation of the video stream (an audio stream goes on unchanged across generations).
using StreamList = std::vector<StreamInfo>;

inline uint32_t generation_of(const StreamList& streams) {
  return streams.empty() ? 0 : streams.front().generation;
}

struct EncodedPacket {
  PacketPtr packet;                // pts/dts in StreamInfo::time_base; flags carry AV_PKT_FLAG_KEY
  int64_t capture_ns = 0;          // CLOCK_MONOTONIC capture time of the frame, for latency figures
  uint32_t generation = 0;         // StreamInfo generation this packet belongs to
  uint32_t stream = kVideoStream;  // StreamInfo::index of its stream

  bool keyframe() const { return packet && (packet->flags & AV_PKT_FLAG_KEY) != 0; }
  bool video() const { return stream == kVideoStream; }
  // Where a decoder can start: outputs gate on these (an audio packet is never waited for).
  bool video_keyframe() const { return video() && keyframe(); }

  // A new reference to the same data (sinks that must own a packet take one each).
  EncodedPacket share() const {
    EncodedPacket copy;
    copy.packet.reset(packet ? av_packet_clone(packet.get()) : nullptr);
    copy.capture_ns = capture_ns;
    copy.generation = generation;
    copy.stream = stream;
    return copy;
  }
};

}  // namespace zc::ffmpeg
