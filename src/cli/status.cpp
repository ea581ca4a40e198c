#include "cli/status.hpp"

#include <fmt/format.h>

namespace zc::cli {

using session::Counter;
using session::kCounterTable;
using session::Outcome;
using session::Snapshot;
using session::StatusShow;

Rates RateTracker::update(const Snapshot& s, int64_t now_ns) {
  Rates r;
  r.fps_in = in_.update(s.counters[Counter::frames_captured], now_ns);
  r.fps_out = out_.update(s.counters[Counter::frames_encoded], now_ns);
  r.kbps = bits_.update(s.counters[Counter::bytes] * 8, now_ns) / 1000.0;
  return r;
}

namespace {

std::string clock_text(double seconds) {
  const auto secs = static_cast<uint64_t>(seconds < 0 ? 0 : seconds);
  return secs >= 3600 ? fmt::format("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
                      : fmt::format("{:02}:{:02}", secs / 60, secs % 60);
}

}  // namespace

std::string status_line(const Snapshot& s, const Rates& r, std::optional<double> duration_s, size_t width) {
  std::string line =
      fmt::format("{}  {:.0f}/{:.0f} fps  {:.1f} MB  {:.0f} kbit/s  dropped {}", clock_text(s.elapsed_s), r.fps_in,
                  r.fps_out, static_cast<double>(s.counters[Counter::bytes]) / 1e6, r.kbps, s.counters.dropped());
  if (duration_s) line += "  " + clock_text(*duration_s - s.elapsed_s) + " left";
  if (s.paused) line += "  PAUSED";
  // The rest while it fits: a line wider than the terminal wraps, and \r then redraws only its end.
  const size_t limit = width > 1 ? width - 1 : width;
  auto add = [&](const std::string& part) {
    if (line.size() + 2 + part.size() <= limit) line += "  " + part;
  };
  for (const auto& a : s.audio) {
    if (a.muted) {
      add(fmt::format("{} muted", a.name));
    } else if (a.state == "capturing") {
      add(fmt::format("{} {:.0f} dB", a.name, a.peak_dbfs));
    } else {
      add(fmt::format("{} {}", a.name, a.state));
    }
  }
  for (const auto& row : kCounterTable) {
    if (row.status == StatusShow::total && s.counters[row.counter] > 0) {
      add(fmt::format("{} {}", row.label, s.counters[row.counter]));
    }
  }
  return line;
}

std::string summary(const Snapshot& s, const Outcome& outcome) {
  const auto& c = s.counters;
  std::string out;
  out += fmt::format("zerocast record: {}{}\n", outcome.error ? "failed: " : "finished: ",
                     outcome.error ? outcome.error->describe() : outcome.reason);
  out += fmt::format("  source    {}\n", s.source);
  const uint64_t generations = s.generations();
  out += fmt::format("  encoder   {} ({} stream{}), import path {}\n", s.encoder, generations,
                     generations == 1 ? "" : "s", s.import_path);
  const double secs = s.encoded_span_s > 0 ? s.encoded_span_s : 0;
  out += fmt::format("  frames    {} captured, {} encoded ({} repeated), {:.2f} s of video, {}x{}\n",
                     c[Counter::frames_captured], c[Counter::frames_encoded], c[Counter::frames_repeated], secs,
                     s.width, s.height);
  out += fmt::format("  dropped   {} (encoder behind {}, invalid buffers {}, import failures {})\n", c.dropped(),
                     c[Counter::dropped_queue], c[Counter::dropped_defect], c[Counter::dropped_import]);
  if (c[Counter::frames_missed] > 0) {
    out += fmt::format(
        "  missed    {} (numbered by the producer, never delivered: a graph cycle ran before we took the last)\n",
        c[Counter::frames_missed]);
  }
  if (c[Counter::cursor_only] > 0) {
    out += fmt::format(
        "  pointer   {} cursor-only update{} (the pointer moved over a still picture), {} drawn as frames\n",
        c[Counter::cursor_only], c[Counter::cursor_only] == 1 ? "" : "s", c[Counter::pointer_frames]);
  }
  if (s.pauses > 0 || c[Counter::frames_paused] > 0) {
    out += fmt::format("  paused    {} time{}, {:.2f} s left out ({} frames)\n", s.pauses, s.pauses == 1 ? "" : "s",
                       s.paused_s, c[Counter::frames_paused]);
  }
  const double bytes = static_cast<double>(c[Counter::bytes]);
  const double kbps = secs > 0 ? bytes * 8 / secs / 1000 : 0;
  // Every stream's packets: the picture's and the sound's.
  const uint64_t packets = c[Counter::packets] + c[Counter::audio_packets];
  out += fmt::format("  written   {} packets ({} video, {} audio), {:.1f} MB of video ({} bytes), {:.0f} kbit/s\n",
                     packets, c[Counter::packets], c[Counter::audio_packets], bytes / 1e6, c[Counter::bytes], kbps);
  std::string others;
  for (const auto& row : kCounterTable) {
    if (row.summary_line || c[row.counter] == 0) continue;
    others += fmt::format("{}{} {}", others.empty() ? "" : ", ", row.label, c[row.counter]);
  }
  if (!others.empty()) out += "  counters  " + others + "\n";
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
  if (!s.audio.empty() || c[Counter::audio_packets] > 0) {
    out += fmt::format("  audio     {}, {} packets, {} track{}\n", s.audio_codec, c[Counter::audio_packets],
                       s.audio_tracks, s.audio_tracks == 1 ? "" : "s");
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
  for (const auto& o : s.output_states) {
    if (!o.network) continue;
    out += fmt::format("  network   {}: {} packets sent, lost {} time{}, reconnected {} time{}{}\n", o.description,
                       o.packets, o.failures, o.failures == 1 ? "" : "s", o.reconnects, o.reconnects == 1 ? "" : "s",
                       o.packets == 0 ? "; never connected (" + o.last_error + ")"
                       : o.failed     ? "; gave up (" + o.last_error + ")"
                       : !o.connected ? "; not connected at the end (" + o.last_error + ")"
                                      : "");
  }
  return out;
}

}  // namespace zc::cli
