// `zerocast record`: capture one source into one or more files/URLs until a duration, a frame
// count, SIGINT/SIGTERM or the producer's end; a live status line on a terminal, a summary at the end.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "capture/audio/audio_source.hpp"
#include "cli/cli.hpp"
#include "cli/priority.hpp"
#include "cli/private_pipewire.hpp"
#include "cli/status.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/signals.hpp"
#include "session/pipeline.hpp"
#include "session/zerocopy_mode.hpp"

namespace zc::cli {

using session::exit_code_for;
using session::install_importer;
using session::kExitOk;
using session::kExitRuntime;
using session::kExitSource;
using session::kExitUsage;
using session::Outcome;
using session::parse_size;
using session::Pipeline;
using session::PipelineHooks;
using session::RecordOptions;
using session::validate;
using session::zerocopy_mode_from_env;
namespace {

struct RecordArgs {
  RecordOptions options;
  std::string source = "test";
  std::string codec = "h264";
  std::string scale;
  std::string test_size = "1920x1080";
  bool low_latency = false;
  bool quality = false;
  bool no_cursor = false;
  double duration = 0;
  uint64_t frames = 0;
  std::vector<std::string> audio;
  std::string audio_tracks = "mix";
  std::string audio_codec = "auto";
  std::string bit_depth = "auto";
};

// --audio SPEC[,volume=DB][,muted], repeatable.
Result<void> audio_options(const RecordArgs& a, RecordOptions& o) {
  for (const auto& text : a.audio) {
    auto setting = session::parse_audio_setting(text);
    if (!setting) return fail(Errc::invalid_argument, "options", "--audio " + setting.error().message);
    o.audio.push_back(std::move(*setting));
  }
  auto tracks = session::parse_audio_tracks(a.audio_tracks);
  if (!tracks) return fail(Errc::invalid_argument, "options", "--audio-tracks is mix or separate");
  o.audio_tracks = *tracks;
  auto codec = session::parse_audio_codec_choice(a.audio_codec);
  if (!codec) return tl::unexpected(codec.error());
  o.audio_codec = *codec;
  return {};
}

Result<RecordOptions> to_options(RecordArgs& a) {
  RecordOptions o = a.options;
  auto source = capture::parse_source(a.source);
  if (!source) return tl::unexpected(source.error());
  o.source = *source;
  auto codec = encode::codec_from_string(a.codec);
  if (!codec) return tl::unexpected(codec.error());
  o.codec = *codec;
  auto depth = encode::bit_depth_from_string(a.bit_depth);
  if (!depth) return fail(Errc::invalid_argument, "options", "--bit-depth is auto, 8 or 10");
  o.bit_depth = *depth;
  if (!a.scale.empty()) {
    auto s = parse_size(a.scale);
    if (!s) return tl::unexpected(s.error());
    o.scale = *s;
  }
  auto ts = parse_size(a.test_size);
  if (!ts) return tl::unexpected(ts.error());
  o.test.size = *ts;
  if (a.low_latency) o.tuning = encode::Tuning::LowLatency;
  if (a.quality) o.tuning = encode::Tuning::Quality;
  if (a.duration > 0) o.duration_s = a.duration;
  if (a.frames > 0) o.max_frames = a.frames;
  o.draw_cursor = !a.no_cursor;
  if (auto ok = audio_options(a, o); !ok) return tl::unexpected(ok.error());
  if (auto ok = validate(o); !ok) return tl::unexpected(ok.error());
  return o;
}

int run_record(RecordArgs& args) {
  BlockedSignals signals;  // before any thread starts: every thread inherits the mask
  auto options = to_options(args);
  if (!options) {
    spdlog::error("record: {}", options.error().describe());
    return exit_code_for(options.error());
  }

  // Before any thread starts: they all take the main thread's priority.
  const auto nice = nice_from_env();
  if (!nice) {
    spdlog::error("record: {}", nice.error().describe());
    return kExitUsage;
  }
  spdlog::debug("record: threads at {}", raise_priority(*nice));

  // Before PipeWire: ZEROCAST_ZEROCOPY=1 without a GPU import path is a setup error.
  PipelineHooks hooks;
  auto mode = zerocopy_mode_from_env();
  if (!mode) {
    spdlog::error("record: {}", mode.error().describe());
    return kExitUsage;
  }
  // --encoder libx264 (or another software one) on a producer of shared memory only: the CPU path,
  // without bringing up the GPU importers first.
  const std::string no_gpu = *mode == session::ZerocopyMode::Auto && !options->test_source()
                                 ? session::gpu_not_needed(options->encoder, options->source)
                                 : std::string();
  if (auto chosen = install_importer(*mode, hooks, {}, no_gpu); !chosen) {
    spdlog::error("record: {}", chosen.error().describe());
    return kExitRuntime;
  }

  std::unique_ptr<PrivatePipeWire> private_pw;
  if (options->test_source()) {
    auto pw = PrivatePipeWire::ensure();
    if (!pw) {
      spdlog::error("record: {}", pw.error().describe());
      return kExitSource;
    }
    private_pw = std::move(*pw);
  }

  auto pipeline = Pipeline::create(*options, std::move(hooks));
  if (!pipeline) {
    spdlog::error("record: {}", pipeline.error().describe());
    return exit_code_for(pipeline.error());
  }
  if (auto ok = (*pipeline)->start(); !ok) {
    spdlog::error("record: {}", ok.error().describe());
    return exit_code_for(ok.error());
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  RateTracker rates;
  std::optional<Outcome> outcome;
  int64_t next_status = monotonic_ns();
  while (!(outcome = (*pipeline)->wait(std::chrono::milliseconds(0)))) {
    if (const int sig = signals.wait(std::chrono::milliseconds(100)); sig != 0) {
      spdlog::info("record: {} received, finishing the outputs", sig == SIGINT ? "SIGINT" : "SIGTERM");
      (*pipeline)->request_stop("interrupted");
    }
    if (tty && monotonic_ns() >= next_status) {
      const auto snap = (*pipeline)->snapshot();
      std::fprintf(stderr, "\r\033[K%s", log::scrub(status_line(snap, rates.update(snap, monotonic_ns()))).c_str());
      std::fflush(stderr);
      next_status += 1'000'000'000;
    }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  const auto snap = (*pipeline)->snapshot();
  std::printf("%s", log::scrub(summary(snap, *outcome)).c_str());
  std::fflush(stdout);
  if (outcome->error) return exit_code_for(*outcome->error);
  if (snap.counters[session::Counter::frames_encoded] == 0) {
    spdlog::error("record: no frame was captured ({})", outcome->reason);
    return kExitSource;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_record_command(CLI::App& app) {
  auto args = std::make_shared<RecordArgs>();
  auto* cmd = app.add_subcommand("record", "Capture a source into files and/or network streams");
  auto& o = args->options;
  cmd->add_option("--source", args->source, "test | node:ID | serial:N | gamescope | portal[:monitor|window|virtual]")
      ->capture_default_str();
  cmd->add_option("-o,--output", o.outputs,
                  "Output file (.mkv .mp4 .ts) or URL (srt:// udp:// rtp:// rtmp:// tcp://); repeatable")
      ->required();
  cmd->add_option("--codec", args->codec, "h264 | hevc | av1")->capture_default_str();
  cmd->add_option("--encoder", o.encoder, "auto, or an FFmpeg encoder name (libx264, hevc_nvenc, ...)")
      ->capture_default_str();
  cmd->add_option("--bitrate", o.bitrate_kbps, "Bitrate in kbit/s (0: the tuning's default)");
  cmd->add_option("--fps", o.fps, "Nominal frame rate (rate control; the rate --cfr holds); default: the producer's");
  cmd->add_option("--gop", o.gop_frames, "Keyframe interval in frames (0: two seconds' worth)");
  cmd->add_option("--duration", args->duration, "Stop after this many seconds of video");
  cmd->add_option("--frames", args->frames, "Stop after this many frames");
  cmd->add_option("--scale", args->scale, "Output size WIDTHxHEIGHT (scaled in the colour-conversion pass)");
  cmd->add_option("--bit-depth", args->bit_depth,
                  "auto (10 bits when the source and the encoder have them: HEVC Main10, AV1), 8 or 10")
      ->capture_default_str();
  auto* ll = cmd->add_flag("--low-latency", args->low_latency, "Low-latency tuning (default for network outputs)");
  auto* q = cmd->add_flag("--quality", args->quality, "Quality tuning (default for files)");
  ll->excludes(q);
  cmd->add_flag("--cfr", o.cfr,
                "Repeat frames to hold --fps (else the rate the producer announces) when it sends only on change");
  cmd->add_flag("--no-cursor", args->no_cursor,
                "Leave the pointer out (a hidden portal cursor; a metadata cursor not drawn)");
  cmd->add_option("--test-size", args->test_size, "Size of the built-in test source")->capture_default_str();
  cmd->add_option("--test-fps", o.test.fps, "Rate of the built-in test source")->capture_default_str();
  cmd->add_option("--audio", args->audio,
                  "Sound to record (repeatable; none by default): output | input | node:ID | serial:N | "
                  "name:NODE | app:NAME | test, with ,volume=DB and ,muted");
  cmd->add_option("--audio-tracks", args->audio_tracks, "mix (one track) | separate (a track per source)")
      ->capture_default_str();
  cmd->add_option("--audio-codec", args->audio_codec, "auto (Opus in mkv/mp4, else AAC) | opus | aac")
      ->capture_default_str();
  cmd->add_option("--audio-bitrate", o.audio_bitrate_kbps, "Audio bitrate in kbit/s (0: 128)");
  cmd->add_option("--test-audio-ppm", o.test_audio_ppm,
                  "--audio test: run the test source's sample clock this many ppm fast (or slow, negative)");
  return [args] { return run_record(*args); };
}

}  // namespace zc::cli
