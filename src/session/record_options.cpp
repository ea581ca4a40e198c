#include "session/record_options.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "capture/graph/source.hpp"
#include "core/log.hpp"
#include "core/parse_number.hpp"
#include "output/target.hpp"

namespace zc::session {
namespace {

bool is_url(const std::string& target) {
  return target.find("://") != std::string::npos;
}

}  // namespace

Result<Size> parse_size(const std::string& text, bool even) {
  const size_t x = text.find('x');
  if (x == std::string::npos) return fail(Errc::invalid_argument, "options", "size '" + text + "' is not WIDTHxHEIGHT");
  auto w = parse_number<uint32_t>(std::string_view(text).substr(0, x));
  auto h = parse_number<uint32_t>(std::string_view(text).substr(x + 1));
  if (!w || !h) return fail(Errc::invalid_argument, "options", "size '" + text + "' is not WIDTHxHEIGHT");
  if (*w < 16 || *h < 16 || *w > 8192 || *h > 8192) {
    return fail(Errc::invalid_argument, "options", "size '" + text + "' is outside 16x16..8192x8192");
  }
  if (even && (*w % 2 != 0 || *h % 2 != 0)) {
    return fail(Errc::invalid_argument, "options", "size '" + text + "' must be even both ways (4:2:0 chroma)");
  }
  return Size{*w, *h};
}

Result<void> validate(const RecordOptions& o, bool require_output) {
  if (require_output && o.outputs.empty())
    return fail(Errc::invalid_argument, "options", "no output given (-o FILE|URL)");
  if (o.duration_s && *o.duration_s <= 0) return fail(Errc::invalid_argument, "options", "--duration must be positive");
  // Every output's form and what it carries, before anything starts (a private PipeWire included).
  const auto audio_codec = audio_codec_for(o);
  for (const auto& spec : o.outputs) {
    if (auto target = output::parse_target(spec); !target) return tl::unexpected(target.error());
    if (auto ok = output::check_compatible(encode::codec_id(o.codec), spec); !ok) return ok;
    if (audio_codec) {
      if (auto ok = output::check_compatible(encode::codec_id(*audio_codec), spec); !ok) return ok;
    }
  }
  if (o.max_frames && *o.max_frames == 0) return fail(Errc::invalid_argument, "options", "--frames must be positive");
  if (o.fps > kMaxFps) return fail(Errc::invalid_argument, "options", "--fps must be at most 240");
  if (o.bitrate_kbps > 500000) return fail(Errc::invalid_argument, "options", "--bitrate is in kbit/s; at most 500000");
  if (o.audio_bitrate_kbps > 512)
    return fail(Errc::invalid_argument, "options", "--audio-bitrate is in kbit/s; at most 512");
  if (std::fabs(o.test_audio_ppm) > 100000) {
    return fail(Errc::invalid_argument, "options", "--test-audio-ppm must be within +-100000");
  }
  if (o.audio_tracks == AudioTracks::separate && o.audio.size() < 2) {
    zc::log::info("options: --audio-tracks separate with {} audio source(s): one track", o.audio.size());
  }
  if (o.bit_depth == encode::BitDepth::Ten && o.codec == encode::Codec::H264) {
    return fail(Errc::invalid_argument, "options",
                "bit depth 10 needs the hevc or av1 codec (zerocast encodes H.264 at 8 bits)");
  }
  if (o.test_source()) {
    if (o.test.size.width > 7680 || o.test.size.height > 4320) {
      return fail(Errc::invalid_argument, "options", "the test source goes up to 7680x4320");
    }
    if (o.test.fps == 0 || o.test.fps > kMaxFps)
      return fail(Errc::invalid_argument, "options", "test source rate must be 1..240");
  }
  return {};
}

Result<void> name_outputs(RecordOptions& o, const output::NameFields& fields) {
  for (auto& spec : o.outputs) {
    if (!output::is_template(spec)) continue;
    auto name = output::expand_name(spec, fields);
    if (!name) return tl::unexpected(name.error());
    spec = *name;
    o.named_outputs.push_back(spec);
  }
  return {};
}

Result<void> claim_outputs(RecordOptions& o) {
  for (auto& spec : o.outputs) {
    auto named = std::find(o.named_outputs.begin(), o.named_outputs.end(), spec);
    if (named == o.named_outputs.end()) continue;
    auto claimed = output::claim_name(spec);
    if (!claimed) return tl::unexpected(claimed.error());
    spec = *named = *claimed;
  }
  return {};
}

void remove_unwritten(const RecordOptions& o) {
  for (const auto& named : o.named_outputs) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(named, ec) && std::filesystem::file_size(named, ec) == 0 && !ec) {
      std::filesystem::remove(named, ec);
    }
  }
}

std::optional<std::string> existing_output(const RecordOptions& o) {
  if (o.overwrite) return std::nullopt;
  for (const auto& spec : o.outputs) {
    if (std::find(o.named_outputs.begin(), o.named_outputs.end(), spec) != o.named_outputs.end()) continue;
    auto target = output::parse_target(spec);
    std::error_code ec;
    if (target && !target->network() && std::filesystem::is_regular_file(target->location, ec)) {
      return target->location;
    }
  }
  return std::nullopt;
}

uint32_t gop_frames_at(const RecordOptions& o, uint32_t fps) {
  if (o.gop_frames) return o.gop_frames;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(o.gop_seconds * fps)));
}

uint32_t nominal_fps(const RecordOptions& o) {
  if (o.fps) return o.fps;
  return o.test_source() ? o.test.fps : 60;
}

encode::EncoderConfig encoder_config(const RecordOptions& o, uint32_t fps, uint32_t width, uint32_t height,
                                     uint32_t depth) {
  encode::EncoderConfig c;
  c.codec = o.codec;
  c.width = width;
  c.height = height;
  c.bit_depth = depth;
  c.frame_rate = AVRational{static_cast<int>(fps), 1};
  c.bitrate_kbps = o.bitrate_kbps;
  c.gop_frames = gop_frames_at(o, fps);
  c.tuning = effective_tuning(o);
  c.keep_last = o.cfr;
  return c;
}

encode::Tuning effective_tuning(const RecordOptions& o) {
  if (o.tuning) return *o.tuning;
  for (const auto& out : o.outputs) {
    if (is_url(out)) return encode::Tuning::LowLatency;
  }
  return encode::Tuning::Quality;
}

int exit_code_for(const Error& e) {
  // Whatever kept the portal from handing out a stream (missing, cancelled, denied, closed).
  if (e.stage.rfind("portal", 0) == 0) return kExitSource;
  switch (e.code) {
    case Errc::invalid_argument:
      return kExitUsage;
    case Errc::unsupported:
      return e.stage.rfind("capture", 0) == 0 || e.stage.rfind("source", 0) == 0 ? kExitSource : kExitUsage;
    case Errc::pipewire:
    case Errc::not_found:
    case Errc::timeout:
      return e.stage.rfind("output", 0) == 0 ? kExitOutput
                                             : (e.stage.rfind("encode", 0) == 0 ? kExitEncoder : kExitSource);
    case Errc::encoder:
      return kExitEncoder;
    case Errc::io:
      return kExitOutput;
    default:
      return kExitRuntime;
  }
}

std::optional<encode::AudioCodec> audio_codec_for(const RecordOptions& o) {
  if (o.audio.empty()) return std::nullopt;
  if (o.audio_codec) return o.audio_codec;
  std::vector<output::Target> targets;
  for (const auto& spec : o.outputs) {
    if (auto t = output::parse_target(spec)) targets.push_back(*t);
  }
  return output::default_audio_codec(targets) == AV_CODEC_ID_AAC ? encode::AudioCodec::AAC : encode::AudioCodec::Opus;
}

}  // namespace zc::session
