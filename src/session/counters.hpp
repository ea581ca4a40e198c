#pragma once
// Every counter of a capture, declared once. The table below gives each its key (the D-Bus
// `Counters` property's and the summary's name), its Prometheus metric (with a `reason` label for
// the drop counters), the words the summary and the status line use, and its help text; the
// summary, the status line, D-Bus and the metrics iterate it. A new counter is an enumerator and a
// row here, nothing else.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zc::session {

enum class Counter : uint8_t {
  frames_captured,    // frames delivered by capture (valid buffers), pointer moves drawn as frames included
  frames_missed,      // numbered by the producer, never delivered (Frame::missed_before)
  cursor_only,        // buffers with only a cursor update: the pointer moved over a still picture
  pointer_frames,     // ... drawn as a frame (the last picture, the pointer where it is now)
  frames_encoded,     // submitted to the encoder, repeats included
  frames_repeated,    // repeats sent to hold a constant rate (--cfr)
  frames_paused,      // captured while paused: left out, not encoded (not in frames_captured)
  dropped_queue,      // dropped: the encoder fell behind
  dropped_defect,     // dropped: invalid buffers skipped (capture counts each kind)
  dropped_import,     // dropped: the importer failed on the frame
  packets,            // encoded video packets written
  bytes,              // their bytes
  audio_packets,      // encoded audio packets written (all tracks)
  encoder_restarts,   // new encoder generations after the first (size or format changes)
  output_reconnects,  // network outputs reconnected after losing their peer
  capture_restarts,   // captures started again after the PipeWire daemon went away (the daemon's)
};
inline constexpr size_t kCounterCount = static_cast<size_t>(Counter::capture_restarts) + 1;

// How the one-second status line shows a counter.
enum class StatusShow : uint8_t {
  rate_in,   // as "in N fps"
  rate_out,  // as "out N fps"
  bitrate,   // as "N kbit/s"
  dropped,   // summed into "dropped N"
  total,     // as "LABEL N" once it is not 0
};

struct CounterInfo {
  Counter counter;
  std::string_view key;     // "frames_captured": D-Bus Counters' key
  std::string_view metric;  // "zerocast_frames_captured_total"
  std::string_view reason;  // the metric's reason label ("queue_full"), or empty
  std::string_view label;   // the summary's and the status line's words: "captured", "encoder behind"
  StatusShow status;
  // The summary's own lines speak of it (frames, drops, pointer, missed, written, audio, encoder
  // generations); false: its "counters" line lists it by its label.
  bool summary_line;
  std::string_view help;  // the metric family's HELP (the first row of a family gives it)
};

inline constexpr std::array<CounterInfo, kCounterCount> kCounterTable = {{
    {Counter::frames_captured, "frames_captured", "zerocast_frames_captured_total", "", "captured", StatusShow::rate_in,
     true, "Frames delivered by the capture."},
    {Counter::frames_missed, "frames_missed", "zerocast_frames_missed_total", "", "missed", StatusShow::total, true,
     "Frames the producer numbered that never reached the capture (a graph cycle ran before the last was taken)."},
    {Counter::cursor_only, "cursor_only", "zerocast_cursor_only_total", "", "cursor-only", StatusShow::total, true,
     "Buffers with only a cursor update (the pointer moved over a still picture): not a defect."},
    {Counter::pointer_frames, "pointer_frames", "zerocast_pointer_frames_total", "", "pointer frames",
     StatusShow::total, true,
     "Cursor-only buffers drawn as a frame: the last picture with the pointer where it moved (CPU import path)."},
    {Counter::frames_encoded, "frames_encoded", "zerocast_frames_encoded_total", "", "encoded", StatusShow::rate_out,
     true, "Frames sent to the encoder."},
    {Counter::frames_repeated, "frames_repeated", "zerocast_frames_repeated_total", "", "repeated", StatusShow::total,
     true, "Frames sent again to hold a constant frame rate (cfr)."},
    {Counter::frames_paused, "frames_paused", "zerocast_frames_paused_total", "", "paused frames", StatusShow::total,
     true, "Frames that came while the capture was paused: left out of the recording."},
    {Counter::dropped_queue, "dropped_queue", "zerocast_frames_dropped_total", "queue_full", "encoder behind",
     StatusShow::dropped, true, "Frames dropped, by reason."},
    {Counter::dropped_defect, "dropped_defect", "zerocast_frames_dropped_total", "invalid_buffer", "invalid buffers",
     StatusShow::dropped, true, "Frames dropped, by reason."},
    {Counter::dropped_import, "dropped_import", "zerocast_frames_dropped_total", "import_failed", "import failures",
     StatusShow::dropped, true, "Frames dropped, by reason."},
    {Counter::packets, "packets", "zerocast_video_packets_total", "", "video packets", StatusShow::total, true,
     "Encoded video packets written to the outputs."},
    {Counter::bytes, "bytes", "zerocast_video_bytes_total", "", "video bytes", StatusShow::bitrate, true,
     "Bytes of the encoded video packets written to the outputs."},
    {Counter::audio_packets, "audio_packets", "zerocast_audio_packets_total", "", "audio packets", StatusShow::total,
     true, "Encoded audio packets written (all tracks)."},
    {Counter::encoder_restarts, "encoder_restarts", "zerocast_encoder_restarts_total", "", "encoder restarts",
     StatusShow::total, true, "Encoders re-created (size or format changes)."},
    {Counter::output_reconnects, "output_reconnects", "zerocast_output_reconnects_total", "", "output reconnects",
     StatusShow::total, false, "Network outputs reconnected after losing their peer."},
    {Counter::capture_restarts, "capture_restarts", "zerocast_capture_restarts_total", "", "capture restarts",
     StatusShow::total, false, "Reconnections after the PipeWire daemon went away."},
}};

constexpr bool rows_in_order() {
  for (size_t i = 0; i < kCounterCount; ++i) {
    if (static_cast<size_t>(kCounterTable[i].counter) != i) return false;
  }
  return true;
}
static_assert(rows_in_order(), "kCounterTable's rows follow the Counter enumerators");

constexpr const CounterInfo& info(Counter counter) {
  return kCounterTable[static_cast<size_t>(counter)];
}

// Values, as a snapshot holds them.
class Counters {
 public:
  uint64_t operator[](Counter c) const { return values_[static_cast<size_t>(c)]; }
  uint64_t& operator[](Counter c) { return values_[static_cast<size_t>(c)]; }
  Counters& operator+=(const Counters& other) {
    for (size_t i = 0; i < kCounterCount; ++i)
      values_[i] += other.values_[i];
    return *this;
  }
  // Every frame dropped, whatever the reason.
  uint64_t dropped() const;
  bool operator==(const Counters&) const = default;

 private:
  std::array<uint64_t, kCounterCount> values_{};
};

// The same, written by the capture, encoder and audio threads while a run goes on.
class AtomicCounters {
 public:
  void add(Counter c, uint64_t n = 1) { values_[static_cast<size_t>(c)].fetch_add(n, std::memory_order_relaxed); }
  void sub(Counter c, uint64_t n = 1) { values_[static_cast<size_t>(c)].fetch_sub(n, std::memory_order_relaxed); }
  uint64_t get(Counter c) const { return values_[static_cast<size_t>(c)].load(std::memory_order_relaxed); }
  Counters load() const {
    Counters out;
    for (size_t i = 0; i < kCounterCount; ++i)
      out[static_cast<Counter>(i)] = values_[i].load(std::memory_order_relaxed);
    return out;
  }

 private:
  std::array<std::atomic<uint64_t>, kCounterCount> values_{};
};

}  // namespace zc::session
