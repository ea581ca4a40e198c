#include "cli/status.hpp"

#include <fmt/format.h>

namespace zc::cli {

using session::Outcome;
using session::Snapshot;

Rates RateTracker::update(const Snapshot& s, int64_t now_ns) {
  Rates r;
  r.fps_in = in_.update(s.frames_captured, now_ns);
  r.fps_out = out_.update(s.frames_encoded, now_ns);
  r.kbps = bits_.update(s.bytes * 8, now_ns) / 1000.0;
  return r;
}

std::string status_line(const Snapshot& s, const Rates& r) {
  const auto secs = static_cast<uint64_t>(s.elapsed_s);
  std::string line = fmt::format(
      "{:02}:{:02}  in {:5.1f} fps  out {:5.1f} fps  {:6.0f} kbit/s  dropped {}  {}  import {}  {}x{}", secs / 60,
      secs % 60, r.fps_in, r.fps_out, r.kbps, s.dropped_total(), s.encoder, s.import_path, s.width, s.height);
  // Each sound source: its peak over the last second, or what keeps it from sounding.
  for (const auto& a : s.audio) {
    if (a.muted) {
      line += fmt::format("  {} muted", a.name);
    } else if (a.state == "capturing") {
      line += fmt::format("  {} {:4.0f} dB", a.name, a.peak_dbfs);
    } else {
      line += fmt::format("  {} {}", a.name, a.state);
    }
  }
  return line;
}

std::string summary(const Snapshot& s, const Outcome& outcome) {
  std::string out;
  out += fmt::format("zerocast record: {}{}\n", outcome.error ? "failed: " : "finished: ",
                     outcome.error ? outcome.error->describe() : outcome.reason);
  out += fmt::format("  source    {}\n", s.source);
  out += fmt::format("  encoder   {} ({} stream{}), import path {}\n", s.encoder, s.generations,
                     s.generations == 1 ? "" : "s", s.import_path);
  const double secs = s.encoded_span_s > 0 ? s.encoded_span_s : 0;
  out += fmt::format("  frames    {} captured, {} encoded ({} repeated), {:.2f} s of video, {}x{}\n", s.frames_captured,
                     s.frames_encoded, s.frames_repeated, secs, s.width, s.height);
  out += fmt::format("  dropped   {} (encoder behind {}, invalid buffers {}, import failures {})\n", s.dropped_total(),
                     s.dropped_queue, s.dropped_defect, s.dropped_import);
  if (s.frames_missed > 0) {
    out += fmt::format(
        "  missed    {} (numbered by the producer, never delivered: a graph cycle ran before we took the last)\n",
        s.frames_missed);
  }
  if (s.cursor_only > 0) {
    out += fmt::format(
        "  pointer   {} cursor-only update{} (the pointer moved over a still picture), {} drawn as frames\n",
        s.cursor_only, s.cursor_only == 1 ? "" : "s", s.pointer_frames);
  }
  const double kbps = secs > 0 ? static_cast<double>(s.bytes) * 8 / secs / 1000 : 0;
  out += fmt::format("  written   {} packets, {:.1f} MB, {:.0f} kbit/s\n", s.packets,
                     static_cast<double>(s.bytes) / 1e6, kbps);
  const std::string settled =
      s.latency_settled_count > 0
          ? fmt::format(" (from {} s on: p99 {:.2f} ms)", session::kSettledAfterNs / 1'000'000'000,
                        static_cast<double>(s.latency_settled_p99_ns) / 1e6)
          : "";
  out += fmt::format("  latency   capture→packet p50 {:.2f} ms, p99 {:.2f} ms{}; capture+import CPU {:.3f} ms/frame\n",
                     static_cast<double>(s.latency_p50_ns) / 1e6, static_cast<double>(s.latency_p99_ns) / 1e6, settled,
                     s.capture_cpu_ms_per_frame);
  if (s.converted_share >= 0) {
    out += fmt::format("  converted {:.1f} % of the pixels on the CPU ({})\n", s.converted_share * 100,
                       s.converted_share < 1 ? "the rest unchanged, by the producer's damage" : "every frame in full");
  }
  if (s.capture_gpu_ms_per_frame >= 0)
    out += fmt::format("  gpu       {:.3f} ms/frame (zero-copy import: conversion pass and copies)\n",
                       s.capture_gpu_ms_per_frame);
  if (!s.audio.empty()) {
    out += fmt::format("  audio     {}, {} packets, {} track{}\n", s.audio_codec, s.audio_packets, s.audio_tracks,
                       s.audio_tracks == 1 ? "" : "s");
  }
  for (const auto& a : s.audio) {
    out += fmt::format(
        "  sound     {}: {}{}, {:.2f} s, {} hole{} filled ({:.2f} s), {} samples trimmed, drift {:+.1f} ppm, "
        "reconnected {} time{}\n",
        a.name, a.state, a.muted ? " (muted)" : "", static_cast<double>(a.clock.samples_out) / 48000.0,
        a.clock.gaps_filled, a.clock.gaps_filled == 1 ? "" : "s", static_cast<double>(a.clock.gap_samples) / 48000.0,
        a.clock.samples_trimmed, a.clock.drift_ppm, a.reconnects, a.reconnects == 1 ? "" : "s");
  }
  for (const auto& o : s.outputs)
    out += fmt::format("  output    {}\n", o);
  return out;
}

}  // namespace zc::cli
