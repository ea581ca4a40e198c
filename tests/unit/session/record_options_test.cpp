#include <catch2/catch.hpp>

#include "session/record_options.hpp"

using namespace zc::session;

TEST_CASE("sizes parse as WIDTHxHEIGHT, even and in range", "[options]") {
  auto s = parse_size("1280x720");
  REQUIRE(s);
  CHECK(*s == Size{1280, 720});
  CHECK_FALSE(parse_size("1280"));
  CHECK_FALSE(parse_size("1281x720"));
  CHECK_FALSE(parse_size("8x8"));
  CHECK_FALSE(parse_size("99999x720"));
  CHECK_FALSE(parse_size("12a0x720"));
  CHECK(parse_size("x720").error().code == zc::Errc::invalid_argument);
}

TEST_CASE("validation refuses contradictions with a named reason", "[options]") {
  RecordOptions o;
  auto r = validate(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("no output") != std::string::npos);
  o.outputs = {"/tmp/x.mkv"};
  CHECK(validate(o));
  o.cfr = true;  // without --fps: the producer's announced rate is held
  CHECK(validate(o));
  o.fps = 241;
  CHECK_FALSE(validate(o));
  o.fps = 30;
  CHECK(validate(o));
  o.duration_s = -1.0;
  CHECK_FALSE(validate(o));
}

TEST_CASE("network outputs default to low latency, files to quality", "[options]") {
  RecordOptions o;
  o.outputs = {"/tmp/a.mkv"};
  CHECK(effective_tuning(o) == zc::encode::Tuning::Quality);
  o.outputs.push_back("srt://127.0.0.1:9000");
  CHECK(effective_tuning(o) == zc::encode::Tuning::LowLatency);
  o.tuning = zc::encode::Tuning::Quality;
  CHECK(effective_tuning(o) == zc::encode::Tuning::Quality);
}

TEST_CASE("the sound's codec when none is asked for: Opus only where every output is mkv", "[options]") {
  RecordOptions o;
  o.outputs = {"/tmp/x.mp4"};
  CHECK_FALSE(audio_codec_for(o));  // no sound
  o.audio = {AudioSourceSetting{}};
  CHECK(audio_codec_for(o) == zc::encode::AudioCodec::AAC);  // what QuickTime, Safari and TVs play
  o.outputs = {"/tmp/x.mkv"};
  CHECK(audio_codec_for(o) == zc::encode::AudioCodec::Opus);
  o.outputs = {"/tmp/x.mkv", "/tmp/y.mp4"};
  CHECK(audio_codec_for(o) == zc::encode::AudioCodec::AAC);
  o.outputs = {"/tmp/x.mkv", "srt://127.0.0.1:9000"};
  CHECK(audio_codec_for(o) == zc::encode::AudioCodec::AAC);
  o.audio_codec = zc::encode::AudioCodec::Opus;
  o.outputs = {"/tmp/x.mp4"};
  CHECK(audio_codec_for(o) == zc::encode::AudioCodec::Opus);  // asked for: kept
}

TEST_CASE("errors map to the documented exit codes", "[options]") {
  CHECK(exit_code_for({zc::Errc::invalid_argument, "options", ""}) == kExitUsage);
  CHECK(exit_code_for({zc::Errc::not_found, "capture", ""}) == kExitSource);
  CHECK(exit_code_for({zc::Errc::encoder, "encode", ""}) == kExitEncoder);
  CHECK(exit_code_for({zc::Errc::io, "output:file", ""}) == kExitOutput);
}
