// StartCapture's options against the config: defaults, overrides and every refusal.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "session/audio/audio_options.hpp"
#include "settings/capture_options.hpp"
#include "support/paths.hpp"
#include "support/text.hpp"

using namespace zc;
using namespace zc::settings;
using namespace zc::session;
using zc::test::has;

namespace {

std::string refusal(const Settings& c, const OptionMap& o, Errc code = Errc::invalid_argument) {
  auto r = capture_spec(c, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
  return r.error().message;
}

}  // namespace

TEST_CASE("capture options default to the config", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  c.capture.source = *capture::parse_source("test");
  c.capture.codec = encode::Codec::HEVC;
  c.capture.bitrate_kbps = 3000;
  c.daemon.replay_seconds = 20;
  c.daemon.replay_max_megabytes = 64;
  c.capture.test.size = {640, 360};
  c.capture.test.fps = 25;
  c.capture.gop_seconds = 2.0;
  auto s = capture_spec(c, {});
  REQUIRE(s);  // no outputs, but a replay buffer from the config: something to do
  CHECK(capture::to_string(s->record.source) == "test");
  CHECK(s->record.codec == encode::Codec::HEVC);
  CHECK(s->record.bitrate_kbps == 3000);
  CHECK(s->record.test.size == Size{640, 360});
  CHECK(session::gop_frames_at(s->record, session::nominal_fps(s->record)) == 50);  // 2 s at the test source's 25 fps
  CHECK(s->replay_seconds == 20);
  CHECK(s->replay_max_bytes == 64u * 1024 * 1024);
}

TEST_CASE("capture options override the config, integers of any D-Bus type", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  OptionMap o{{"source", std::string("node:42")},
              {"outputs", std::vector<std::string>{"/v/a.mkv", "srt://host:9000?passphrase=secret123"}},
              {"codec", std::string("h264")},
              {"bitrate", uint64_t{2500}},
              {"fps", int64_t{30}},
              {"gop", uint64_t{15}},
              {"replay", uint64_t{0}},
              {"scale", std::string("1280x720")},
              {"tuning", std::string("low-latency")},
              {"cursor", false}};
  auto s = capture_spec(c, o);
  REQUIRE(s);
  CHECK(capture::to_string(s->record.source) == "node:42");
  CHECK(s->record.outputs.size() == 2);
  CHECK(s->record.bitrate_kbps == 2500);
  CHECK(s->record.fps == 30);
  CHECK(s->record.gop_frames == 15);
  CHECK(s->replay_seconds == 0);
  REQUIRE(s->record.scale);
  CHECK(s->record.scale->width == 1280);
  REQUIRE(s->record.tuning);
  CHECK(*s->record.tuning == encode::Tuning::LowLatency);
  CHECK_FALSE(s->record.draw_cursor);
  // Without gop, the GOP is the config's seconds at the rate the capture runs at (fps 30 here; a
  // producer's announced rate where no fps is given, see Pipeline::frame_rate).
  o.erase("gop");
  const auto without = capture_spec(c, o);
  CHECK(without->record.gop_frames == 0);
  CHECK(session::gop_frames_at(without->record, session::nominal_fps(without->record)) == 60);
  CHECK(session::gop_frames_at(without->record, 24) == 48);
}

TEST_CASE("capture options are refused with the option named", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  const auto out = std::vector<std::string>{"/v/a.mkv"};
  CHECK(has(refusal(c, {{"outputs", out}, {"bitrat", uint64_t{1}}}), "unknown option 'bitrat'"));
  CHECK(has(refusal(c, {{"outputs", out}, {"bitrate", std::string("high")}}),
            "option 'bitrate' must be an integer, not a string"));
  CHECK(has(refusal(c, {{"outputs", out}, {"bitrate", int64_t{-1}}}), "option 'bitrate' must be 0..500000"));
  CHECK(has(refusal(c, {{"outputs", out}, {"bitrate", uint64_t{600000}}}), "option 'bitrate' must be 0..500000"));
  CHECK(has(refusal(c, {{"outputs", out}, {"fps", uint64_t{241}}}), "option 'fps' must be 0..240"));
  CHECK(has(refusal(c, {{"outputs", out}, {"cursor", uint64_t{1}}}), "'cursor' must be a boolean"));
  CHECK(has(refusal(c, {{"outputs", out}, {"codec", std::string("vp8")}}), "codec"));
  CHECK(has(refusal(c, {{"outputs", out}, {"scale", std::string("100")}}), "scale"));
  CHECK(has(refusal(c, {{"outputs", out}, {"tuning", std::string("fast")}}), "tuning"));
  CHECK(has(refusal(c, {{"outputs", out}, {"source", std::string("camera")}}), "source"));
  CHECK(has(refusal(c, {{"outputs", out}, {"test-fps", uint64_t{0}}}), "test-fps"));
  CHECK(has(refusal(c, {}), "nothing to do"));
  CHECK(has(refusal(c, {{"outputs", std::vector<std::string>{"a.mkv"}}}), "must be an absolute path or a URL"));
  CHECK(has(refusal(c, {{"outputs", std::vector<std::string>{"/v/a.avi"}}}), "a.avi"));
  // An impossible pair is "unsupported", not a typo.
  refusal(c, {{"outputs", std::vector<std::string>{"/v/a.ts"}}, {"codec", std::string("av1")}}, Errc::unsupported);
  refusal(c, {{"outputs", std::vector<std::string>{"rtmp://h/app/key"}}, {"codec", std::string("hevc")}},
          Errc::unsupported);
}

TEST_CASE("every documented option is known", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  for (const auto& o : capture_option_list()) {
    OptionMap m{{"outputs", std::vector<std::string>{"/v/a.mkv"}}};
    // A value of the documented type that is valid for each option.
    const std::string name = o.name;
    if (name == "outputs") continue;
    if (std::string(o.type) == "u") m[name] = uint64_t{name == "test-fps" || name == "fps" ? 30u : 1u};
    if (std::string(o.type) == "as") m[name] = std::vector<std::string>{"output"};
    if (std::string(o.type) == "b") m[name] = name == "cfr" ? false : true;
    if (std::string(o.type) == "s") {
      const std::string v = name == "source"              ? "test"
                            : name == "codec"             ? "h264"
                            : name == "encoder"           ? "libx264"
                            : name == "tuning"            ? "quality"
                            : name == "audio-tracks"      ? "separate"
                            : name == "audio-codec"       ? "opus"
                            : name == "bit-depth"         ? "8"
                            : name == "color-matrix"      ? "bt709"
                            : name == "color-range"       ? "full"
                            : name == "mastering-display" ? "bt2020,1000,0.005"
                            : name == "content-light"     ? "1000,400"
                            : name == "region"            ? "0,0,640x360"
                                                          : "640x360";
      m[name] = v;
    }
    INFO(name);
    CHECK(capture_spec(c, m));
  }
}

TEST_CASE("bit depth: the config's by default, StartCapture's over it, 10 only with HEVC or AV1", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  const auto mkv = std::vector<std::string>{"/v/a.mkv"};
  auto s = capture_spec(c, {{"outputs", mkv}});
  REQUIRE(s);
  CHECK(s->record.bit_depth == zc::encode::BitDepth::Auto);
  c.capture.bit_depth = encode::BitDepth::Ten;
  c.capture.codec = encode::Codec::HEVC;
  s = capture_spec(c, {{"outputs", mkv}});
  REQUIRE(s);
  CHECK(s->record.bit_depth == zc::encode::BitDepth::Ten);
  s = capture_spec(c, {{"outputs", mkv}, {"bit-depth", std::string("8")}});
  REQUIRE(s);
  CHECK(s->record.bit_depth == zc::encode::BitDepth::Eight);
  refusal(c, {{"outputs", mkv}, {"codec", std::string("h264")}, {"bit-depth", std::string("10")}},
          Errc::invalid_argument);
  refusal(c, {{"outputs", mkv}, {"bit-depth", std::string("12")}}, Errc::invalid_argument);
}

TEST_CASE("sound: the config's sources by default, StartCapture's audio options over them", "[capture-options]") {
  Settings c = defaults(Command::daemon);  // audio.sources = "output": the daemon records what the user hears
  const auto mkv = std::vector<std::string>{"/v/a.mkv"};
  auto s = capture_spec(c, {{"outputs", mkv}});
  REQUIRE(s);
  REQUIRE(s->record.audio.size() == 1);
  CHECK(s->record.audio[0].spec.kind == capture::AudioSourceSpec::Kind::output);
  // The codec is settled once for the outputs and every pipeline: Opus in mkv, AAC in MPEG-TS.
  CHECK(s->record.audio_codec == encode::AudioCodec::Opus);
  CHECK(capture_spec(c, {{"outputs", std::vector<std::string>{"/v/a.ts"}}})->record.audio_codec ==
        encode::AudioCodec::AAC);
  c.capture.audio = *parse_audio_settings("input,volume=-6; name:alsa_output.usb,muted");
  c.capture.audio_tracks = AudioTracks::separate;
  c.capture.audio_codec = encode::AudioCodec::AAC;
  c.capture.audio_bitrate_kbps = 96;
  s = capture_spec(c, {{"outputs", mkv}});
  REQUIRE(s);
  REQUIRE(s->record.audio.size() == 2);
  CHECK(s->record.audio[0].volume_db == -6);
  CHECK(s->record.audio[1].spec.name == "alsa_output.usb");
  CHECK(s->record.audio[1].muted);
  CHECK(s->record.audio_tracks == AudioTracks::separate);
  CHECK(s->record.audio_codec == encode::AudioCodec::AAC);
  CHECK(s->record.audio_bitrate_kbps == 96);
  s = capture_spec(c, {{"outputs", mkv},
                       {"audio", std::vector<std::string>{"node:57", "test,volume=3"}},
                       {"audio-tracks", std::string("mix")},
                       {"audio-codec", std::string("opus")},
                       {"audio-bitrate", uint64_t{64}}});
  REQUIRE(s);
  REQUIRE(s->record.audio.size() == 2);
  CHECK(capture::to_string(s->record.audio[0].spec) == "node:57");
  CHECK(s->record.audio[1].volume_db == 3);
  CHECK(s->record.audio_tracks == AudioTracks::mix);
  CHECK(s->record.audio_codec == encode::AudioCodec::Opus);
  CHECK(s->record.audio_bitrate_kbps == 64);
  // An empty array: no sound, and no audio codec.
  s = capture_spec(c, {{"outputs", mkv}, {"audio", std::vector<std::string>{}}});
  REQUIRE(s);
  CHECK(s->record.audio.empty());
  CHECK_FALSE(s->record.audio_codec);
}

TEST_CASE("sound options are refused with the option named", "[capture-options]") {
  Settings c = defaults(Command::daemon);
  const auto out = std::vector<std::string>{"/v/a.mkv"};
  CHECK(has(refusal(c, {{"outputs", out}, {"audio", std::vector<std::string>{"speakers"}}}), "option 'audio'"));
  CHECK(has(refusal(c, {{"outputs", out}, {"audio", std::vector<std::string>{"output,volume=x"}}}), "volume=DB"));
  CHECK(has(refusal(c, {{"outputs", out}, {"audio", std::vector<std::string>{"output,loud"}}}), "unknown setting"));
  CHECK(has(refusal(c, {{"outputs", out}, {"audio-tracks", std::string("both")}}), "'audio-tracks'"));
  CHECK(has(refusal(c, {{"outputs", out}, {"audio-codec", std::string("mp3")}}), "'audio-codec'"));
  CHECK(
      has(refusal(c, {{"outputs", out}, {"audio-bitrate", uint64_t{1000}}}), "option 'audio-bitrate' must be 0..512"));
  // FLV carries no Opus: refused before anything opens.
  refusal(c, {{"outputs", std::vector<std::string>{"rtmp://h/app/key"}}, {"audio-codec", std::string("opus")}},
          Errc::unsupported);
}

TEST_CASE("every StartCapture option is documented in the interface file with its type", "[capture_options]") {
  std::ifstream in(zc::test::source_dir() + "/data/io.github.zerocast.Zerocast1.xml");
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  for (const auto& option : capture_option_list()) {
    INFO(option.name);
    // A line of StartCapture's comment: the name, then its D-Bus type.
    CHECK(std::regex_search(text, std::regex(std::string("\\n +") + option.name + " +" + option.type + " ")));
  }
}
