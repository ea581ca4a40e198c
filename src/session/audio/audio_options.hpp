#pragma once
// What sound a capture run records: its sources (each with a volume and a mute), one mixed track
// or one track each, the codec and bitrate.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/audio/audio_source.hpp"
#include "core/error.hpp"
#include "encode/audio_encoder.hpp"
#include "session/pause_clock.hpp"

namespace zc::session {

enum class AudioTracks : uint8_t { mix, separate };

struct AudioSourceSetting {
  capture::AudioSourceSpec spec;
  double volume_db = 0;
  bool muted = false;
  bool operator==(const AudioSourceSetting&) const = default;
};

struct AudioSettings {
  std::vector<AudioSourceSetting> sources;  // none: no sound
  AudioTracks tracks = AudioTracks::mix;
  encode::AudioCodec codec = encode::AudioCodec::Opus;
  uint32_t bitrate_kbps = 0;  // 0: the encoder's default
  // Where a `test` source's node is: the built-in test source's, started by the pipeline.
  std::string test_target;
  bool relink = true;  // capture::AudioStreamOptions::relink (ZEROCAST_RELINK)
  // The run's pauses: sound in a paused span is discarded, the rest encoded without a gap. Null:
  // never paused.
  std::shared_ptr<const PauseClock> pauses;
};

// One source as written on the command line, in the config and over D-Bus:
// SPEC[,volume=DB][,muted] (`output`, `input,volume=-6`, `app:firefox,muted`). Errc::invalid_argument
// saying what is wrong with the text (the caller names where it came from).
Result<AudioSourceSetting> parse_audio_setting(std::string_view text);
// Several, separated by ';' (the config's `audio.sources`); blanks around each are ignored and an
// empty text is no sound.
Result<std::vector<AudioSourceSetting>> parse_audio_settings(std::string_view text);
std::string to_string(const AudioSourceSetting& setting);
// mix | separate
Result<AudioTracks> parse_audio_tracks(std::string_view text);
std::string_view to_string(AudioTracks tracks);
// auto (nullopt) | opus | aac
Result<std::optional<encode::AudioCodec>> parse_audio_codec_choice(std::string_view text);

}  // namespace zc::session
