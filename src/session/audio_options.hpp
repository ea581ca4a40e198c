#pragma once
// What sound a capture run records: its sources (each with a volume and a mute), one mixed track
// or one track each, the codec and bitrate.
#include <cstdint>
#include <string>
#include <vector>

#include "capture/audio_source.hpp"
#include "encode/audio_encoder.hpp"

namespace zc::session {

enum class AudioTracks : uint8_t { mix, separate };

struct AudioSourceSetting {
  capture::AudioSourceSpec spec;
  double volume_db = 0;
  bool muted = false;
};

struct AudioSettings {
  std::vector<AudioSourceSetting> sources;  // none: no sound
  AudioTracks tracks = AudioTracks::mix;
  encode::AudioCodec codec = encode::AudioCodec::Opus;
  uint32_t bitrate_kbps = 0;  // 0: the encoder's default
  // Where a `test` source's node is: the built-in test source's, started by the pipeline.
  std::string test_target;
};

}  // namespace zc::session
