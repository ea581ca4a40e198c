#include "service/capture_options.hpp"

#include <cmath>
#include <map>
#include <optional>

#include "capture/graph/source.hpp"
#include "output/target.hpp"

namespace zc::service {

using encode::codec_id;
using session::parse_size;
using session::RecordOptions;
using session::validate;
namespace {

const char* kStage = "options";

tl::unexpected<Error> bad(const std::string& message) {
  return fail(Errc::invalid_argument, kStage, message);
}

const char* type_of(const OptionValue& v) {
  switch (v.index()) {
    case 0:
      return "a string";
    case 1:
      return "a string array";
    case 2:
      return "a signed integer";
    case 3:
      return "an unsigned integer";
    case 4:
      return "a double";
    default:
      return "a boolean";
  }
}

Result<std::string> get_string(const std::string& name, const OptionValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return bad("option '" + name + "' must be a string (s), not " + type_of(v));
}

Result<uint32_t> get_unsigned(const std::string& name, const OptionValue& v, uint64_t max) {
  uint64_t x = 0;
  if (const auto* u = std::get_if<uint64_t>(&v)) {
    x = *u;
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    if (*i < 0) return bad("option '" + name + "' must not be negative");
    x = static_cast<uint64_t>(*i);
  } else {
    return bad("option '" + name + "' must be an unsigned integer (u), not " + type_of(v));
  }
  if (x > max) return bad("option '" + name + "' must be at most " + std::to_string(max));
  return static_cast<uint32_t>(x);
}

Result<bool> get_bool(const std::string& name, const OptionValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return bad("option '" + name + "' must be a boolean (b), not " + type_of(v));
}

Result<std::vector<std::string>> get_strings(const std::string& name, const OptionValue& v) {
  if (const auto* a = std::get_if<std::vector<std::string>>(&v)) return *a;
  if (const auto* s = std::get_if<std::string>(&v)) return std::vector<std::string>{*s};
  return bad("option '" + name + "' must be a string array (as), not " + type_of(v));
}

std::string known_options() {
  std::string out;
  for (const auto& o : capture_option_list()) {
    out += out.empty() ? "" : ", ";
    out += o.name;
  }
  return out;
}

}  // namespace

const std::vector<OptionInfo>& capture_option_list() {
  static const std::vector<OptionInfo> list = {
      {"source", "s", "portal | test | node:ID | serial:N | gamescope (default: daemon.default_source)"},
      {"outputs", "as", "files (absolute paths: .mkv .mp4 .ts) and URLs (srt:// udp:// rtp:// rtmp:// tcp://)"},
      {"codec", "s", "h264 | hevc | av1"},
      {"encoder", "s", "auto, or an FFmpeg encoder name"},
      {"bitrate", "u", "kbit/s; 0: the tuning's default"},
      {"fps", "u", "nominal frame rate; 0: the source's"},
      {"gop", "u", "keyframe interval in frames; 0: capture.gop_seconds worth"},
      {"replay", "u", "seconds of replay buffer; 0: none"},
      {"scale", "s", "output size WIDTHxHEIGHT"},
      {"tuning", "s", "auto | low-latency | quality"},
      {"bit-depth", "s", "auto | 8 | 10 (10 needs hevc or av1)"},
      {"cfr", "b", "repeat frames to hold fps (else the producer's announced rate)"},
      {"cursor", "b", "draw the cursor"},
      {"audio", "as",
       "sound sources (SPEC[,volume=DB][,muted]: output, input, node:ID, serial:N, name:NODE, app:NAME, test); "
       "an empty array: no sound (default: audio.sources)"},
      {"audio-tracks", "s", "mix | separate"},
      {"audio-codec", "s", "auto | opus | aac"},
      {"audio-bitrate", "u", "audio kbit/s; 0: 128"},
      {"test-size", "s", "size of the built-in test source"},
      {"test-fps", "u", "rate of the built-in test source"},
  };
  return list;
}

namespace {

// A StartCapture being put together: the spec, and what is settled only at the end.
struct Draft {
  CaptureSpec spec;
  std::string codec;
  std::optional<uint32_t> gop;
};

using Apply = Result<void> (*)(Draft&, const std::string& name, const OptionValue& value);

template <class T>
Result<void> take(Result<T> v, T& into) {
  if (!v) return tl::unexpected(v.error());
  into = std::move(*v);
  return {};
}

Result<void> apply_source(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  auto parsed = capture::parse_source(*v);
  if (!parsed) return bad("option 'source': " + parsed.error().message);
  d.spec.record.source = *parsed;
  return {};
}

Result<void> apply_encoder(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return bad("option 'encoder' must not be empty (use \"auto\")");
  d.spec.record.encoder = *v;
  return {};
}

Result<void> apply_gop(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_unsigned(name, value, 100000);
  if (!v) return tl::unexpected(v.error());
  if (*v > 0) d.gop = *v;
  return {};
}

Result<void> apply_scale(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) {
    d.spec.record.scale.reset();
    return {};
  }
  auto size = parse_size(*v);
  if (!size) return bad("option 'scale': " + size.error().message);
  d.spec.record.scale = *size;
  return {};
}

Result<void> apply_tuning(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  if (*v != "auto" && *v != "low-latency" && *v != "quality") {
    return bad("option 'tuning' must be auto, low-latency or quality");
  }
  Config probe;
  probe.tuning = *v;
  d.spec.record.tuning = tuning_of(probe);
  return {};
}

Result<void> apply_bit_depth(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  auto depth = encode::bit_depth_from_string(*v);
  if (!depth) return bad("option 'bit-depth' must be auto, 8 or 10");
  d.spec.record.bit_depth = *depth;
  return {};
}

Result<void> apply_test_size(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  auto size = parse_size(*v);
  if (!size) return bad("option 'test-size': " + size.error().message);
  d.spec.record.test.size = *size;
  return {};
}

Result<void> apply_test_fps(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_unsigned(name, value, session::kMaxFps);
  if (!v) return tl::unexpected(v.error());
  if (*v == 0) return bad("option 'test-fps' must be 1..240");
  d.spec.record.test.fps = *v;
  return {};
}

Result<void> apply_audio(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_strings(name, value);
  if (!v) return tl::unexpected(v.error());
  d.spec.record.audio.clear();
  for (const auto& text : *v) {
    auto setting = session::parse_audio_setting(text);
    if (!setting) return bad("option 'audio': " + setting.error().message);
    d.spec.record.audio.push_back(std::move(*setting));
  }
  return {};
}

Result<void> apply_audio_tracks(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  auto tracks = session::parse_audio_tracks(*v);
  if (!tracks) return bad("option 'audio-tracks' must be mix or separate");
  d.spec.record.audio_tracks = *tracks;
  return {};
}

Result<void> apply_audio_codec(Draft& d, const std::string& name, const OptionValue& value) {
  auto v = get_string(name, value);
  if (!v) return tl::unexpected(v.error());
  auto codec = session::parse_audio_codec_choice(*v);
  if (!codec) return bad("option 'audio-codec' must be auto, opus or aac");
  d.spec.record.audio_codec = *codec;
  return {};
}

// One handler per StartCapture option (capture_option_list() documents them).
const std::map<std::string, Apply>& appliers() {
  static const std::map<std::string, Apply> table = {
      {"source", apply_source},
      {"outputs", [](Draft& d, const std::string& n,
                     const OptionValue& v) { return take(get_strings(n, v), d.spec.record.outputs); }},
      {"codec", [](Draft& d, const std::string& n, const OptionValue& v) { return take(get_string(n, v), d.codec); }},
      {"encoder", apply_encoder},
      {"bitrate", [](Draft& d, const std::string& n,
                     const OptionValue& v) { return take(get_unsigned(n, v, 500000), d.spec.record.bitrate_kbps); }},
      {"fps", [](Draft& d, const std::string& n,
                 const OptionValue& v) { return take(get_unsigned(n, v, session::kMaxFps), d.spec.record.fps); }},
      {"gop", apply_gop},
      {"replay", [](Draft& d, const std::string& n,
                    const OptionValue& v) { return take(get_unsigned(n, v, 3600), d.spec.replay_seconds); }},
      {"scale", apply_scale},
      {"tuning", apply_tuning},
      {"bit-depth", apply_bit_depth},
      {"cfr",
       [](Draft& d, const std::string& n, const OptionValue& v) { return take(get_bool(n, v), d.spec.record.cfr); }},
      {"cursor", [](Draft& d, const std::string& n,
                    const OptionValue& v) { return take(get_bool(n, v), d.spec.record.draw_cursor); }},
      {"audio", apply_audio},
      {"audio-tracks", apply_audio_tracks},
      {"audio-codec", apply_audio_codec},
      {"audio-bitrate",
       [](Draft& d, const std::string& n, const OptionValue& v) {
         return take(get_unsigned(n, v, 512), d.spec.record.audio_bitrate_kbps);
       }},
      {"test-size", apply_test_size},
      {"test-fps", apply_test_fps},
  };
  return table;
}

// The config's capture defaults, before any option.
Draft defaults(const Config& config) {
  Draft d;
  RecordOptions& r = d.spec.record;
  r.source = config.default_source;  // parsed when the config was read
  r.encoder = config.encoder;
  r.bitrate_kbps = config.bitrate_kbps;
  r.fps = config.fps;
  r.scale = config.scale;
  r.tuning = tuning_of(config);
  r.bit_depth = encode::bit_depth_from_string(config.bit_depth).value_or(encode::BitDepth::Auto);  // checked on read
  r.cfr = config.cfr;
  r.draw_cursor = config.cursor;
  r.test.size = config.test_size;
  r.test.fps = config.test_fps;
  // Checked when the config was read.
  r.audio = session::parse_audio_settings(config.audio_sources).value_or(std::vector<session::AudioSourceSetting>{});
  r.audio_tracks = session::parse_audio_tracks(config.audio_tracks).value_or(session::AudioTracks::mix);
  r.audio_codec = session::parse_audio_codec_choice(config.audio_codec).value_or(std::nullopt);
  r.audio_bitrate_kbps = config.audio_bitrate_kbps;
  d.spec.replay_seconds = config.replay_seconds;
  d.spec.replay_max_bytes = static_cast<size_t>(config.replay_max_megabytes) * 1024 * 1024;
  d.codec = config.codec;
  return d;
}

// What only the whole can tell: the codec, the GOP, something to do, outputs the daemon can use.
Result<CaptureSpec> settle(Draft d, const Config& config) {
  RecordOptions& r = d.spec.record;
  auto parsed_codec = encode::codec_from_string(d.codec);
  if (!parsed_codec) return bad("option 'codec': " + parsed_codec.error().message);
  r.codec = *parsed_codec;
  if (r.bit_depth == encode::BitDepth::Ten && r.codec == encode::Codec::H264) {
    return bad("option 'bit-depth' 10 needs codec hevc or av1 (zerocast encodes H.264 at 8 bits)");
  }
  // 0: the pipeline takes capture.gop_seconds at the rate it captures at.
  r.gop_frames = d.gop ? *d.gop : 0;
  r.gop_seconds = config.gop_seconds;
  r.audio_codec = session::audio_codec_for(r);  // settled once: the outputs and every pipeline share it
  if (r.outputs.empty() && d.spec.replay_seconds == 0) {
    return bad("nothing to do: give 'outputs' or 'replay' seconds");
  }
  for (const auto& out : r.outputs) {
    // The daemon's working directory is nobody's business: files are named in full.
    if (out.find("://") == std::string::npos && (out.empty() || out.front() != '/')) {
      return bad("output '" + out + "' must be an absolute path or a URL");
    }
    if (auto ok = output::check_compatible(codec_id(r.codec), out); !ok) return tl::unexpected(ok.error());
    if (r.audio_codec) {
      if (auto ok = output::check_compatible(encode::codec_id(*r.audio_codec), out); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  }
  if (auto ok = validate(r, /*require_output=*/false); !ok) return tl::unexpected(ok.error());
  return std::move(d.spec);
}

}  // namespace

Result<CaptureSpec> capture_spec(const Config& config, const OptionMap& options) {
  Draft draft = defaults(config);
  for (const auto& [name, value] : options) {
    const auto it = appliers().find(name);
    if (it == appliers().end()) return bad("unknown option '" + name + "' (known: " + known_options() + ")");
    if (auto ok = it->second(draft, name, value); !ok) return tl::unexpected(ok.error());
  }
  return settle(std::move(draft), config);
}

}  // namespace zc::service
