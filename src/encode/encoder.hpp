#pragma once
// The encoder seam. One small class per encoder family (x264, x265, SVT-AV1, NVENC) implements
// Encoder; the selector (selector.hpp) proves candidates by opening them and encoding one frame.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/colour.hpp"
#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "core/pixel_format.hpp"
#include "encode/hdr_metadata.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::encode {

enum class Codec : uint8_t { H264, HEVC, AV1 };
enum class Tuning : uint8_t { LowLatency, Quality };
// --bit-depth: Auto encodes 10 bits when the source has them and the chosen encoder takes them
// (HEVC Main10, AV1 10-bit), else 8; Ten always (8-bit sources widened), Eight never.
enum class BitDepth : uint8_t { Auto, Eight, Ten };

std::string_view to_string(Codec c);
Result<Codec> codec_from_string(std::string_view name);  // "h264", "hevc"/"h265", "av1"
std::string_view to_string(Tuning t);
std::string_view to_string(BitDepth d);                         // "auto", "8", "10"
Result<BitDepth> bit_depth_from_string(std::string_view name);  // auto, 8, 10
AVCodecID codec_id(Codec c);

struct EncoderConfig {
  Codec codec = Codec::H264;
  uint32_t width = 0;
  uint32_t height = 0;
  AVRational frame_rate{60, 1};  // nominal rate: rate control and the default GOP
  uint32_t bitrate_kbps = 0;     // 0: the tuning's default (CRF/CQ for quality, a size-based CBR for low latency)
  uint32_t gop_frames = 0;       // 0: two seconds' worth of frames
  Tuning tuning = Tuning::Quality;
  int64_t time_origin_ns = 0;  // capture time that maps to pts 0
  uint32_t generation = 0;     // copied into StreamInfo and every packet
  bool trial = false;          // a selector's trial open (selector.cpp): logged at debug only
  uint32_t threads = 0;        // 0: min(cores, 16)
  uint32_t bit_depth = 8;      // 8 or 10: the input layout (encoder_input()) and the profile follow
  // repeat_last() (--cfr) needs the last picture kept: one more pooled frame held for the whole
  // run (3 MB at 1080p NV12, 12 MB at 4K), so only when asked.
  bool keep_last = false;
  // What the frames' samples mean: written into the bitstream (VUI, sequence header) and, through
  // the stream's parameters, the container (colour_tags.hpp).
  Colour colour = kBt601Limited;
  // An HDR stream's mastering display and content light (hdr_metadata.hpp): into the bitstream
  // where the family can write them, into the container always. Empty for SDR.
  HdrMetadata hdr;
};

// What an encoder wants to be fed (the importer produces exactly this).
struct InputSpec {
  FrameMemory memory = FrameMemory::Cpu;
  PixelFormat format = PixelFormat::NV12;

  bool operator==(const InputSpec&) const = default;
};

// The layout a family takes at a bit depth: 8 bits its own (NV12 or I420), 10 bits the matching
// 16-bit layout (NV12 -> P010, I420 -> I010), always in host memory (10-bit frames come from the
// CPU path only). nullopt: the family has no 10-bit input in zerocast.
std::optional<InputSpec> input_at_depth(const InputSpec& eight_bit, uint32_t depth);

// Packet timestamps are microseconds (StreamInfo::time_base) since EncoderConfig::time_origin_ns.
inline constexpr AVRational kPacketTimeBase{1, 1000000};

class Encoder {
 public:
  virtual ~Encoder() = default;

  virtual std::string_view name() const = 0;
  virtual InputSpec input() const = 0;

  // Opens the codec now, ahead of the first frame, where the family allows that, so the first
  // frame does not wait for the open; a no-op where it does not (SVT-AV1 1.4 blocks forever when
  // freed unfed: it opens on its first frame). Errors as the first submit() would give them.
  virtual Result<void> open_ahead() { return {}; }
  // The capture time that maps to pts 0 (EncoderConfig::time_origin_ns), for an encoder made
  // before the first frame's time was known. Before the first submit() only.
  virtual void set_time_origin(int64_t time_origin_ns) = 0;

  // The first submit() opens the real codec context unless open_ahead() did (never open an
  // encoder that will not get a frame, where the family forbids it). pts = (frame.pts_ns -
  // time_origin_ns).
  // A frame that does not match the configuration (size, format, memory) is refused with
  // Errc::invalid_argument and the encoder stays usable; other errors are final.
  virtual Result<void> submit(DeviceFrame frame) = 0;
  // Appends every packet ready now.
  virtual Result<void> receive(std::vector<ffmpeg::EncodedPacket>& out) = 0;
  // End of stream: drains everything left. Safe to call when nothing was submitted. Destroying
  // an encoder without finish() drains too (and drops the packets).
  virtual Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) = 0;

  // The next submitted frame becomes a keyframe (IDR, with in-band parameter sets).
  // Errc::unsupported where the encoder cannot force one in its current mode.
  virtual Result<void> request_keyframe() = 0;
  // Takes effect on the next frame. Errc::unsupported where the encoder cannot change its rate
  // while running (the caller may re-create it as a new generation).
  virtual Result<void> set_bitrate(uint32_t kbps) = 0;
  // Sends the last submitted picture again with capture time `pts_ns` (to hold a constant frame
  // rate when a damage-driven producer sends nothing new); needs EncoderConfig::keep_last.
  // Errc::unsupported by default.
  virtual Result<void> repeat_last(int64_t pts_ns) {
    (void)pts_ns;
    return fail(Errc::unsupported, "encode", "this encoder cannot repeat frames");
  }

  // Valid once the codec is open (after the first submit()); nullptr before.
  virtual const ffmpeg::StreamInfo* stream_info() const = 0;
};

}  // namespace zc::encode
