// The sound, and the built-in test source.
#include "settings/rows.hpp"

namespace zc::settings::rows {

void add_sound(std::vector<Setting>& t) {
  t.push_back({"audio",
               Kind::list,
               {"--audio", "audio.sources", "audio", "ZEROCAST_AUDIO_SOURCES", "", ""},
               "SPEC[,volume=DB][,muted]",
               "Sound to record (repeatable; ';' between them in the config): output | input | node:ID | serial:N | "
               "name:NODE | app:NAME | test, with ,volume=DB and ,muted",
               "",
               "output",
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 std::vector<session::AudioSourceSetting> sources;
                 for (const auto& item : items(v)) {
                   auto setting = session::parse_audio_setting(item);
                   if (!setting) return setting.error().message;
                   sources.push_back(std::move(*setting));
                 }
                 s.capture.audio = std::move(sources);
                 return std::nullopt;
               },
               "output | input | test | node: | serial: | name: | app:"});
  t.push_back({"audio_tracks",
               Kind::text,
               {"--audio-tracks", "audio.tracks", "audio-tracks", "ZEROCAST_AUDIO_TRACKS", "", ""},
               "mix | separate",
               "mix (one track, summed with a soft limiter) | separate (a track per source)",
               "mix",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto tracks = session::parse_audio_tracks(text(v));
                 if (!tracks) return "must be mix or separate";
                 s.capture.audio_tracks = *tracks;
                 return std::nullopt;
               }});
  t.push_back({"audio_codec",
               Kind::text,
               {"--audio-codec", "audio.codec", "audio-codec", "ZEROCAST_AUDIO_CODEC", "", ""},
               "auto | opus | aac",
               "auto (Opus where every output is mkv, else AAC) | opus | aac",
               "auto",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto codec = session::parse_audio_codec_choice(text(v));
                 if (!codec) return "must be auto, opus or aac";
                 s.capture.audio_codec = *codec;
                 return std::nullopt;
               }});
  t.push_back({"audio_bitrate",
               Kind::integer,
               {"--audio-bitrate", "audio.bitrate", "audio-bitrate", "ZEROCAST_AUDIO_BITRATE", "", ""},
               "kbit/s",
               "Audio bitrate in kbit/s; 0: 128",
               "0",
               {},
               0,
               512,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.audio_bitrate_kbps = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"test_audio_ppm",
               Kind::number,
               {"--test-audio-ppm", "", "", "", "", ""},
               "PPM",
               "--audio test: run the test source's sample clock this many ppm fast (negative: slow)",
               "0",
               {},
               -100000,
               100000,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.test_audio_ppm = number(v);
                 return std::nullopt;
               }});
  t.push_back({"test_size",
               Kind::text,
               {"--test-size", "test_source.size", "test-size", "ZEROCAST_TEST_SOURCE_SIZE", "", ""},
               "WIDTHxHEIGHT",
               "Size of the built-in test source",
               "1280x720",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto size = session::parse_size(text(v));
                 if (!size) return size.error().message;
                 s.capture.test.size = *size;
                 return std::nullopt;
               }});
  t.push_back({"test_fps",
               Kind::integer,
               {"--test-fps", "test_source.fps", "test-fps", "ZEROCAST_TEST_SOURCE_FPS", "", ""},
               "FPS",
               "Rate of the built-in test source",
               "30",
               {},
               1,
               240,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.test.fps = u32(v);
                 return std::nullopt;
               }});
}

}  // namespace zc::settings::rows
