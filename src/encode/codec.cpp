#include <algorithm>
#include <cctype>
#include <string>

#include "encode/encoder.hpp"

namespace zc::encode {

std::string_view to_string(Codec c) {
  switch (c) {
    case Codec::H264:
      return "h264";
    case Codec::HEVC:
      return "hevc";
    case Codec::AV1:
      return "av1";
  }
  return "?";
}

std::string_view to_string(Tuning t) {
  return t == Tuning::LowLatency ? "low-latency" : "quality";
}

Result<Codec> codec_from_string(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower == "h264" || lower == "avc") return Codec::H264;
  if (lower == "hevc" || lower == "h265") return Codec::HEVC;
  if (lower == "av1") return Codec::AV1;
  return fail(Errc::invalid_argument, "encode", "unknown codec '" + std::string(name) + "' (h264, hevc, av1)");
}

AVCodecID codec_id(Codec c) {
  switch (c) {
    case Codec::H264:
      return AV_CODEC_ID_H264;
    case Codec::HEVC:
      return AV_CODEC_ID_HEVC;
    case Codec::AV1:
      return AV_CODEC_ID_AV1;
  }
  return AV_CODEC_ID_NONE;
}

}  // namespace zc::encode
