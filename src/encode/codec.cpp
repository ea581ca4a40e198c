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

std::string_view to_string(BitDepth d) {
  switch (d) {
    case BitDepth::Auto:
      return "auto";
    case BitDepth::Eight:
      return "8";
    case BitDepth::Ten:
      return "10";
  }
  return "auto";
}

Result<BitDepth> bit_depth_from_string(std::string_view name) {
  if (name == "auto") return BitDepth::Auto;
  if (name == "8") return BitDepth::Eight;
  if (name == "10") return BitDepth::Ten;
  return fail(Errc::invalid_argument, "encode", "unknown bit depth '" + std::string(name) + "' (auto, 8, 10)");
}

std::optional<InputSpec> input_at_depth(const InputSpec& eight_bit, uint32_t depth) {
  if (depth != 10) return eight_bit;
  if (eight_bit.format == PixelFormat::NV12) return InputSpec{FrameMemory::Cpu, PixelFormat::P010};
  if (eight_bit.format == PixelFormat::I420) return InputSpec{FrameMemory::Cpu, PixelFormat::I010};
  return std::nullopt;
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
