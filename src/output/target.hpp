#pragma once
// Where a stream goes: a file path or a URL, the container it gets, and which codecs it can
// carry. Everything here is decided before anything is opened.
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "core/error.hpp"

namespace zc::output {

enum class Transport { file, srt, udp, tcp, rtp, rtmp, rtmps };
enum class Container { matroska, mp4, mpegts, rtp_mpegts, flv };

struct Target {
  std::string location;  // as given: may hold credentials, never log it (use redacted)
  std::string redacted;  // redact_url(location)
  Transport transport = Transport::file;
  Container container = Container::matroska;

  bool network() const { return transport != Transport::file; }
};

// A path ending in .mkv, .mp4 or .ts, or an srt://, udp://, tcp:// (MPEG-TS), rtp:// (RTP
// MPEG-TS), rtmp:// or rtmps:// (FLV) URL. Anything else: Errc::invalid_argument.
Result<Target> parse_target(std::string_view spec);

// Refuses pairs the container or protocol cannot carry (FFmpeg 5.1: FLV only H.264 and AAC, AV1
// not in MPEG-TS) with Errc::unsupported; codecs other than H.264, HEVC, AV1, Opus and AAC too.
Result<void> check_compatible(AVCodecID codec, const Target& target);
// parse_target + check_compatible: what `record` calls for each -o before opening anything.
Result<void> check_compatible(AVCodecID codec, std::string_view spec);

// The audio codec when none is asked for: Opus where every target is mkv, else AAC (what FLV/RTMP
// carries, what MPEG-TS players expect, and what QuickTime, Safari and most TVs play in mp4).
AVCodecID default_audio_codec(const std::vector<Target>& targets);

// libavformat's muxer name ("matroska", "mp4", "mpegts", "rtp_mpegts", "flv").
const char* muxer_name(Container container);
const char* transport_name(Transport transport);  // "file", "srt", ...

// A new, empty file `dir`/`stem``ext` (the folder made when missing), or `stem`-2, -3, ... where
// that name is taken: created exclusively, so two saves in the same second (a name made from the
// time) never share a file. Its path, for the caller to write.
Result<std::string> claim_new_file(const std::string& dir, const std::string& stem, const std::string& ext);

// One row per transport (files split by container), for the README and the tests.
struct CompatibilityRow {
  std::string target;  // "mkv", "mp4", "ts", "srt://", ...
  bool h264 = false;
  bool hevc = false;
  bool av1 = false;
  bool opus = false;
  bool aac = false;
};
std::vector<CompatibilityRow> compatibility_table();

}  // namespace zc::output
