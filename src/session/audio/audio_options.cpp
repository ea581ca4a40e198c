#include "session/audio/audio_options.hpp"

#include <sstream>

#include "core/parse_number.hpp"

namespace zc::session {
namespace {

tl::unexpected<Error> bad(const std::string& message) {
  return fail(Errc::invalid_argument, "options", message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Result<AudioSourceSetting> parse_audio_setting(std::string_view text) {
  AudioSourceSetting setting;
  const auto comma = text.find(',');
  auto spec = capture::parse_audio_source(text.substr(0, comma));
  if (!spec) return tl::unexpected(spec.error());
  setting.spec = *spec;
  std::string_view rest = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  while (!rest.empty()) {
    const auto next = rest.find(',');
    const std::string_view item = rest.substr(0, next);
    if (item == "muted") {
      setting.muted = true;
    } else if (item.substr(0, 7) == "volume=") {
      const auto db = parse_number<double>(item.substr(7));
      if (!db || *db < -120 || *db > 40) return bad(std::string(text) + ": volume=DB takes a number of dB, -120..40");
      setting.volume_db = *db;
    } else {
      return bad(std::string(text) + ": unknown setting '" + std::string(item) + "' (volume=DB, muted)");
    }
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  }
  return setting;
}

Result<std::vector<AudioSourceSetting>> parse_audio_settings(std::string_view text) {
  std::vector<AudioSourceSetting> out;
  while (!trim(text).empty()) {
    const auto semi = text.find(';');
    const std::string_view one = trim(text.substr(0, semi));
    if (one.empty()) return bad("an empty source between ';'");
    auto setting = parse_audio_setting(one);
    if (!setting) return tl::unexpected(setting.error());
    out.push_back(std::move(*setting));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
  }
  return out;
}

std::string to_string(const AudioSourceSetting& setting) {
  std::ostringstream out;
  out << capture::to_string(setting.spec);
  if (setting.volume_db != 0) out << ",volume=" << setting.volume_db;
  if (setting.muted) out << ",muted";
  return out.str();
}

Result<AudioTracks> parse_audio_tracks(std::string_view text) {
  if (text == "mix") return AudioTracks::mix;
  if (text == "separate") return AudioTracks::separate;
  return bad("audio tracks are mix or separate, not '" + std::string(text) + "'");
}

std::string_view to_string(AudioTracks tracks) {
  return tracks == AudioTracks::mix ? "mix" : "separate";
}

Result<std::optional<encode::AudioCodec>> parse_audio_codec_choice(std::string_view text) {
  if (text == "auto") return std::optional<encode::AudioCodec>();
  auto codec = encode::audio_codec_from_string(std::string(text));
  if (!codec) return tl::unexpected(codec.error());
  return std::optional<encode::AudioCodec>(*codec);
}

}  // namespace zc::session
