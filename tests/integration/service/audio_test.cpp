// Sound in the daemon: the [audio] config, StartCapture's audio keys, the AudioSources property,
// SetAudioMute (busctl and zerocast ctl), the metrics, and the files it writes (decoded).
#include <cmath>
#include <filesystem>
#include <optional>
#include <regex>

#include <httplib.h>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "service/metrics.hpp"
#include "support/decode.hpp"
#include "support/text.hpp"
#include "support/tone.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// `busctl get-property` of AudioSources, e.g. `1 "test" "capturing" false 0 -9.5 0 0`: the
// fields of the first source.
struct FirstSource {
  std::string name, state;
  bool muted = false;
  double peak_dbfs = 0;
  bool ok = false;
};

FirstSource first_source(DaemonHarness& d) {
  FirstSource f;
  const std::string v = d.property(kCapture1, kCaptureIface, "AudioSources");
  std::smatch m;
  if (!std::regex_search(v, m,
                         std::regex(R"(^([0-9]+) \"([^\"]*)\" \"([^\"]*)\" (true|false) (\S+) (\S+) (\S+) (\S+))"))) {
    return f;
  }
  f.name = m[2];
  f.state = m[3];
  f.muted = m[4] == "true";
  f.peak_dbfs = std::stod(m[6]);
  f.ok = m[1] != "0";
  return f;
}

int unused_port() {
  auto probe = zc::service::MetricsServer::start("127.0.0.1:0", [] { return std::string(); });
  return probe ? (*probe)->port() : -1;
}

}  // namespace

TEST_CASE("daemon sound: StartCapture's audio, its property, mute over D-Bus and ctl, metrics, the file",
          "[daemon][audio]") {
  const int port = unused_port();
  REQUIRE(port > 0);
  DaemonOptions o;
  o.args = {"--metrics", "127.0.0.1:" + std::to_string(port)};
  DaemonHarness d(o);
  // The test source's sound: clicks at marked frames over a quiet tone.
  auto started = d.ctl({"start", "-o", "a.mkv", "--audio", "test", "--replay", "10"});
  INFO(errors_first(started.output));
  REQUIRE(started.status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 45; }, 20s));
  CHECK(d.property(kCapture1, kCaptureIface, "AudioCodec") == "opus");
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [](auto& v) { return has(v, "\"capturing\""); }, 10s));
  FirstSource s = first_source(d);
  INFO(d.property(kCapture1, kCaptureIface, "AudioSources"));
  REQUIRE(s.ok);
  CHECK(s.name == "test");
  CHECK_FALSE(s.muted);
  // The test tone is there: its peak over the last second is well above silence.
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto&) { return first_source(d).peak_dbfs > -40; }, 5s));

  // Mute over D-Bus: the property says so at once, and the level falls to silence.
  auto muted = d.busctl({"call", kBus, kCapture1, kCaptureIface, "SetAudioMute", "sb", "test", "true"});
  INFO(muted.output);
  REQUIRE(muted.status == 0);
  CHECK(first_source(d).muted);
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto&) { return first_source(d).peak_dbfs < -100; }, 5s));
  // A source the capture does not have: NotFound, naming the ones it has.
  auto wrong = d.ctl({"mute", "output"});
  CHECK(wrong.status != 0);
  CHECK(has(wrong.output, "no audio source 'output'"));
  CHECK(has(wrong.output, "(it has test)"));
  // ctl unmutes; its status shows the source, its state and level.
  auto unmuted = d.ctl({"unmute", "test"});
  INFO(unmuted.output);
  CHECK(unmuted.status == 0);
  CHECK_FALSE(first_source(d).muted);
  auto status = d.ctl({"status"});
  CHECK(std::regex_search(status.output, std::regex(R"(audio +test +capturing +opus peak)")));

  // Metrics per audio source (refreshed once a second: the unmute shows within two).
  httplib::Client client("127.0.0.1", port);
  const std::regex unmuted_metric(R"(zerocast_audio_muted\{capture="1",[^}]*audio_source="test"\} 0)");
  std::string body;
  for (int i = 0; i < 30; ++i) {
    auto res = client.Get("/metrics");
    body = res ? res->body : "";
    if (std::regex_search(body, unmuted_metric)) break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(std::regex_search(
      body, std::regex(R"(zerocast_audio_samples_total\{capture="1",[^}]*audio_source="test"\} [1-9][0-9]*)")));
  CHECK(std::regex_search(body, std::regex(R"(zerocast_audio_packets_total\{capture="1"[^}]*\} [1-9][0-9]*)")));
  CHECK(std::regex_search(body, unmuted_metric));

  // A replay clip carries its sound from its first picture on.
  REQUIRE(d.ctl({"save-replay", "clip.mkv"}).status == 0);
  const auto clip = probe_streams(d.dir() + "/clip.mkv");
  INFO(clip.error);
  REQUIRE(clip.ok);
  REQUIRE(clip.streams.size() == 2);
  REQUIRE(clip.first(false));
  REQUIRE(clip.first(true));
  CHECK(std::llabs(clip.first(true)->first_pts_us - clip.first(false)->first_pts_us) <= 20'000);
  CHECK(clip.first(true)->duration_us() >= clip.first(false)->duration_us() - 20'000);

  REQUIRE(d.ctl({"stop"}).status == 0);
  const auto probe = probe_streams(d.dir() + "/a.mkv");
  INFO(probe.error);
  REQUIRE(probe.ok);
  REQUIRE(probe.streams.size() == 2);
  const auto* video = probe.first(false);
  const auto* audio = probe.first(true);
  REQUIRE(video);
  REQUIRE(audio);
  CHECK(audio->codec == "opus");
  CHECK(audio->decode_errors == 0);
  // The sound lasts as long as the picture, within an Opus frame and Matroska's 1 ms ticks at
  // either end of either stream (23 and 25 ms seen in ASan builds; the bound of the record tests).
  CHECK(std::fabs(static_cast<double>(audio->duration_us() - video->duration_us())) / 1e6 <= 0.030);
}

TEST_CASE("daemon sound by default: the desktop's sound, silent with a warning where there is no sink",
          "[daemon][audio]") {
  DaemonHarness d;  // audio.sources = "output" (the default); this PipeWire has no sink
  REQUIRE(d.ctl({"start", "-o", "b.ts"}).status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 45; }, 20s));
  CHECK(d.property(kCapture1, kCaptureIface, "AudioCodec") == "aac");  // MPEG-TS: AAC
  const FirstSource s = first_source(d);
  CHECK(s.name == "output");
  CHECK(s.state != "capturing");
  REQUIRE(d.ctl({"stop"}).status == 0);
  // Warned once, not once per retry.
  const std::string log = d.process().output();
  size_t warnings = 0;
  for (size_t at = log.find("audio: output:"); at != std::string::npos; at = log.find("audio: output:", at + 1))
    ++warnings;
  CHECK(warnings >= 1);
  CHECK(warnings <= 2);
  const auto probe = probe_streams(d.dir() + "/b.ts");
  INFO(probe.error);
  REQUIRE(probe.ok);
  REQUIRE(probe.streams.size() == 2);
  const auto* video = probe.first(false);
  const auto* audio = probe.first(true);
  REQUIRE(video);
  REQUIRE(audio);
  CHECK(audio->codec == "aac");
  // A silent track as long as the picture: AAC's priming and flush make up to three frames more,
  // and MPEG-TS keeps no duration for the last video frame (one 30 fps frame).
  CHECK(static_cast<double>(audio->duration_us()) / 1e6 >= static_cast<double>(video->duration_us()) / 1e6 - 0.022);
  CHECK(static_cast<double>(audio->duration_us()) / 1e6 <=
        static_cast<double>(video->duration_us()) / 1e6 + 0.064 + 0.034);

  // StartCapture's empty audio array: no sound at all.
  REQUIRE(d.ctl({"start", "-o", "c.mkv", "--no-audio"}).status == 0);
  const std::string second = "/io/github/zerocast/Zerocast1/capture/2";
  REQUIRE(d.wait_property(
      second, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 30; }, 20s));
  CHECK(d.property(second, kCaptureIface, "AudioSources") == "0");
  REQUIRE(d.ctl({"stop"}).status == 0);
  const auto silent = probe_streams(d.dir() + "/c.mkv");
  REQUIRE(silent.ok);
  CHECK(silent.streams.size() == 1);
}

TEST_CASE("daemon sound: an application's streams (StartCapture's audio = app:NAME)", "[daemon][audio][app]") {
  DaemonHarness d;
  d.pipewire().create_null_sink("zc-null");
  Process player = play_tone({.app_name = "ZcDaemonApp", .freq = 440});
  auto started = d.ctl({"start", "-o", "app.mkv", "--audio", "app:zcdaemonapp"});
  INFO(errors_first(started.output));
  REQUIRE(started.status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [](auto& v) { return has(v, "\"capturing\""); }, 10s));
  CHECK(first_source(d).name == "app:zcdaemonapp");
  // Its tone (0.3: -10.5 dBFS) is in the track, once the player (not waited for) has started and
  // been linked: seconds on a loaded machine.
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto&) { return first_source(d).peak_dbfs > -15; }, 15s));
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 60; }, 20s));
  REQUIRE(d.ctl({"stop"}).status == 0);
  // The capture's links and stream went with it, cleanly (in the sanitizer build too).
  CHECK_FALSE(has(d.process().output(), "ERROR: AddressSanitizer"));
  CHECK_FALSE(has(d.process().output(), "runtime error:"));
  const auto probe = probe_streams(d.dir() + "/app.mkv", true);
  INFO(probe.error);
  REQUIRE(probe.ok);
  const auto* audio = probe.first(true);
  REQUIRE(audio);
  const auto& s = audio->samples;
  const double end_s = static_cast<double>(s.size()) / 48000;
  INFO("440 Hz over the last second: " << tone_amplitude(window(s, end_s - 1.1, end_s - 0.1), 440));
  CHECK(tone_amplitude(window(s, end_s - 1.1, end_s - 0.1), 440) > 0.2);
}

TEST_CASE("daemon sound: after a PipeWire restart the desktop's sound reconnects with the picture",
          "[daemon][audio][robust]") {
  DaemonHarness d;
  d.pipewire().create_null_sink("zc-null");
  SignalRecorder signals;
  std::optional<Process> player;
  player.emplace(play_tone({.app_name = "ZcBefore", .freq = 440}));
  auto started = d.ctl({"start", "-o", "a.mkv", "--audio", "output"});
  INFO(errors_first(started.output));
  REQUIRE(started.status == 0);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources", [&](auto&) { return first_source(d).peak_dbfs > -15; }, 15s));
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 45; }, 20s));

  d.pipewire().kill_pipewire();  // the sink, the player's stream and our streams go with it
  REQUIRE(signals.wait_for(state_is("reconnecting"), 10s));
  player.reset();
  const auto frames_before = std::stoull(d.property(kCapture1, kCaptureIface, "FramesEncoded"));
  const size_t mark = signals.count();
  d.pipewire().start_pipewire();
  d.pipewire().create_null_sink("zc-null");
  player.emplace(play_tone({.app_name = "ZcAfter", .freq = 660}));
  REQUIRE(signals.wait_for(state_is("capturing"), 30s, mark));
  // The new pipeline's 'output' finds the new default sink's monitor: the new tone is heard.
  CHECK(d.wait_property(
      kCapture1, kCaptureIface, "AudioSources",
      [&](auto&) {
        const FirstSource s = first_source(d);
        return s.state == "capturing" && s.peak_dbfs > -15;
      },
      15s));
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [&](auto& v) { return std::stoull(v) >= frames_before + 60; }, 20s));
  REQUIRE(d.ctl({"stop"}).status == 0);

  // One file across the restart: the first tone at its start, the second at its end, the track as
  // long as the picture (each session's sound starts and ends with its pictures).
  const auto probe = probe_streams(d.dir() + "/a.mkv", true);
  INFO(probe.error);
  REQUIRE(probe.ok);
  const auto* video = probe.first(false);
  const auto* audio = probe.first(true);
  REQUIRE(video);
  REQUIRE(audio);
  CHECK(audio->decode_errors == 0);
  const auto& s = audio->samples;
  const double end_s = static_cast<double>(s.size()) / 48000;
  INFO("samples: " << end_s << " s; 440 Hz at the start: " << tone_amplitude(window(s, 0.2, 1.0), 440)
                   << ", 660 Hz at the end: " << tone_amplitude(window(s, end_s - 1.1, end_s - 0.1), 660));
  CHECK(tone_amplitude(window(s, 0.2, 1.0), 440) > 0.2);
  CHECK(tone_amplitude(window(s, end_s - 1.1, end_s - 0.1), 660) > 0.2);
  CHECK(tone_amplitude(window(s, end_s - 1.1, end_s - 0.1), 440) < 0.03);
  CHECK(std::fabs(static_cast<double>(audio->duration_us() - video->duration_us())) / 1e6 <= 0.05);
}
