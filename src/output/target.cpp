#include "output/target.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/redact.hpp"

namespace zc::output {
namespace {

constexpr std::string_view kStage = "output";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct Scheme {
  std::string_view name;
  Transport transport;
  Container container;
};

constexpr std::array<Scheme, 6> kSchemes{{
    {"srt", Transport::srt, Container::mpegts},
    {"udp", Transport::udp, Container::mpegts},
    {"tcp", Transport::tcp, Container::mpegts},
    {"rtp", Transport::rtp, Container::rtp_mpegts},
    {"rtmp", Transport::rtmp, Container::flv},
    {"rtmps", Transport::rtmps, Container::flv},
}};

struct Extension {
  std::string_view name;
  Container container;
};

constexpr std::array<Extension, 3> kExtensions{{
    {".mkv", Container::matroska},
    {".mp4", Container::mp4},
    {".ts", Container::mpegts},
}};

const char* codec_label(AVCodecID codec) {
  switch (codec) {
    case AV_CODEC_ID_H264:
      return "H.264";
    case AV_CODEC_ID_HEVC:
      return "HEVC";
    case AV_CODEC_ID_AV1:
      return "AV1";
    case AV_CODEC_ID_OPUS:
      return "Opus";
    case AV_CODEC_ID_AAC:
      return "AAC";
    default:
      return avcodec_get_name(codec);
  }
}

// The table itself: FFmpeg 5.1's FLV muxer knows no HEVC/AV1 (enhanced RTMP came in 6.1) and no
// Opus, and its MPEG-TS muxer writes AV1 as private data no demuxer plays back.
bool carries(Container container, AVCodecID codec) {
  switch (codec) {
    case AV_CODEC_ID_H264:
    case AV_CODEC_ID_AAC:
      return true;
    case AV_CODEC_ID_OPUS:
    case AV_CODEC_ID_HEVC:
      return container != Container::flv;
    case AV_CODEC_ID_AV1:
      return container == Container::matroska || container == Container::mp4;
    default:
      return false;
  }
}

std::string_view why_not(Container container, AVCodecID codec) {
  if (codec == AV_CODEC_ID_OPUS) return "FLV/RTMP carries only AAC audio (FFmpeg 5.1); use --audio-codec aac";
  if (codec != AV_CODEC_ID_H264 && codec != AV_CODEC_ID_HEVC && codec != AV_CODEC_ID_AV1) {
    return "zerocast writes only H.264, HEVC and AV1 video, Opus and AAC audio";
  }
  if (container == Container::flv) return "FLV/RTMP carries only H.264 (FFmpeg 5.1); use srt:// for HEVC";
  return "AV1 in MPEG-TS is not playable; record AV1 to .mkv or .mp4";
}

}  // namespace

const char* muxer_name(Container container) {
  switch (container) {
    case Container::matroska:
      return "matroska";
    case Container::mp4:
      return "mp4";
    case Container::mpegts:
      return "mpegts";
    case Container::rtp_mpegts:
      return "rtp_mpegts";
    case Container::flv:
      return "flv";
  }
  return "?";
}

const char* transport_name(Transport transport) {
  switch (transport) {
    case Transport::file:
      return "file";
    case Transport::srt:
      return "srt";
    case Transport::udp:
      return "udp";
    case Transport::tcp:
      return "tcp";
    case Transport::rtp:
      return "rtp";
    case Transport::rtmp:
      return "rtmp";
    case Transport::rtmps:
      return "rtmps";
  }
  return "?";
}

Result<Target> parse_target(std::string_view spec) {
  Target target;
  target.location = std::string(spec);
  target.redacted = redact_url(spec);
  if (spec.empty()) return fail(Errc::invalid_argument, std::string(kStage), "empty output target");

  const size_t sep = spec.find("://");
  if (sep != std::string_view::npos) {
    const std::string scheme = lower(spec.substr(0, sep));
    const auto it = std::find_if(kSchemes.begin(), kSchemes.end(), [&](const Scheme& s) { return s.name == scheme; });
    if (it == kSchemes.end()) {
      return fail(Errc::invalid_argument, std::string(kStage),
                  "unsupported URL scheme '" + scheme + "' in " + target.redacted +
                      " (use srt://, udp://, tcp://, rtp://, rtmp:// or rtmps://)");
    }
    if (sep + 3 >= spec.size() || spec[sep + 3] == '/' || spec[sep + 3] == '?') {
      return fail(Errc::invalid_argument, std::string(kStage), "no host in " + target.redacted);
    }
    target.transport = it->transport;
    target.container = it->container;
    return target;
  }

  const std::string ext = lower(std::filesystem::path(std::string(spec)).extension().string());
  const auto it =
      std::find_if(kExtensions.begin(), kExtensions.end(), [&](const Extension& e) { return e.name == ext; });
  if (it == kExtensions.end()) {
    return fail(Errc::invalid_argument, std::string(kStage),
                "unknown file extension '" + ext + "' in " + target.redacted + " (use .mkv, .mp4 or .ts)");
  }
  target.transport = Transport::file;
  target.container = it->container;
  return target;
}

Result<void> check_compatible(AVCodecID codec, const Target& target) {
  if (carries(target.container, codec)) return {};
  return fail(Errc::unsupported, std::string(kStage),
              std::string(codec_label(codec)) + " cannot go to " + target.redacted + ": " +
                  std::string(why_not(target.container, codec)));
}

Result<void> check_compatible(AVCodecID codec, std::string_view spec) {
  auto target = parse_target(spec);
  if (!target) return tl::unexpected(target.error());
  return check_compatible(codec, *target);
}

AVCodecID default_audio_codec(const std::vector<Target>& targets) {
  for (const auto& t : targets) {
    if (t.container != Container::matroska) return AV_CODEC_ID_AAC;
  }
  return AV_CODEC_ID_OPUS;
}

std::vector<CompatibilityRow> compatibility_table() {
  std::vector<CompatibilityRow> rows;
  auto row = [&](std::string name, Container c) {
    rows.push_back({std::move(name), carries(c, AV_CODEC_ID_H264), carries(c, AV_CODEC_ID_HEVC),
                    carries(c, AV_CODEC_ID_AV1), carries(c, AV_CODEC_ID_OPUS), carries(c, AV_CODEC_ID_AAC)});
  };
  for (const auto& e : kExtensions)
    row(std::string(e.name.substr(1)), e.container);
  for (const auto& s : kSchemes)
    row(std::string(s.name) + "://", s.container);
  return rows;
}

Result<std::string> claim_new_file(const std::string& dir, const std::string& stem, const std::string& ext) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (int n = 1; n <= 1000; ++n) {
    std::string path = dir;
    path.append("/").append(stem);
    if (n > 1) path.append("-").append(std::to_string(n));
    path.append(ext);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return path;
    }
    if (errno != EEXIST) {
      return fail(Errc::io, std::string(kStage), "cannot create " + path + ": " + std::strerror(errno));
    }
  }
  return fail(Errc::io, std::string(kStage), "1000 files named " + dir + "/" + stem + "*" + ext + " exist already");
}

}  // namespace zc::output
