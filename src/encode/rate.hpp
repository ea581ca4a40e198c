#pragma once
// Rate-control, GOP and threading defaults shared by every encoder family, as pure functions so
// they can be tested without an encoder.
#include <cstdint>
#include <string_view>

#include "encode/encoder.hpp"

namespace zc::encode {

// Low latency: the VBV buffer holds this many frames at the nominal rate. One frame keeps the
// network delay lowest but starves keyframes; a few frames trade a little latency for quality.
inline constexpr uint32_t kLowLatencyBufferFrames = 2;

// Nominal frames per second; 60 when the configured rate is unusable.
double nominal_fps(const EncoderConfig& config);
// gop_frames, or two seconds' worth of frames; at least 1.
uint32_t effective_gop(const EncoderConfig& config);
// The cores this process may run on (its CPU affinity: a container's or taskset's share), at
// least 1.
uint32_t usable_cores();
// threads, or the usable cores clamped to 1..16 (more threads than that only adds latency and
// slices without speeding up one stream).
uint32_t effective_threads(const EncoderConfig& config);
// Low latency up to 1080p60's pixel rate (libx264): one thread below kSlicedThreadsFromCores
// (the 2-core machines, where sliced threads cost more CPU a frame than they save), 4 from there
// (3, 4, 8 and 16 cores measured: the p99 about halved at the same CPU; bench/HISTORY.md).
inline constexpr uint32_t kSlicedThreadsFromCores = 3;
uint32_t small_frame_threads(uint32_t cores);
// Low latency above it (libx264, 4K30): the cores up to 16, but at least kLargeFrameMinThreads
// sliced threads from 2 cores. With as many slices as cores, a core taken a while by the producer
// or the capture thread holds up half the frame; with more slices than cores the other core takes
// the waiting ones (2 cores, 4K30: zerocast's p99 from 2 s 26-36 -> 22-33 ms at the same CPU a
// frame; bench/HISTORY.md).
inline constexpr uint32_t kLargeFrameMinThreads = 4;
uint32_t large_frame_threads(uint32_t cores);
// A size-based CBR for low latency when no bitrate is given: ~0.08 bit per pixel per frame,
// clamped to 500..50000 kbit/s (1080p60: ~10 Mbit/s; 4K30: ~20 Mbit/s).
uint32_t default_bitrate_kbps(uint32_t width, uint32_t height, AVRational frame_rate);

struct RateControl {
  bool constant_quality = false;  // CRF/CQ: the fields below are 0
  int64_t bit_rate = 0;           // AVCodecContext::bit_rate (bit/s)
  int64_t max_rate = 0;           // rc_max_rate
  int buffer_size = 0;            // rc_buffer_size (bits)
};

// LowLatency: CBR at `kbps` (0: default_bitrate_kbps), maxrate = bitrate, buffer of
// kLowLatencyBufferFrames frames. Quality: kbps 0 is constant quality; otherwise an average
// bitrate with peaks up to 1.5x and a two-second buffer.
RateControl rate_control(const EncoderConfig& config, uint32_t kbps);

// Copies `rc` into the context's rate fields.
void apply_rate_control(const RateControl& rc, AVCodecContext& ctx);

}  // namespace zc::encode
