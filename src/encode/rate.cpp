#include "encode/rate.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>

#include "core/parse_number.hpp"

namespace zc::encode {
namespace {

// The most threads a default count gives one stream (rate.hpp effective_threads).
constexpr uint32_t kMaxDefaultThreads = 16;

}  // namespace

double nominal_fps(const EncoderConfig& config) {
  const AVRational r = config.frame_rate;
  if (r.num <= 0 || r.den <= 0) return 60.0;
  return static_cast<double>(r.num) / r.den;
}

uint32_t effective_gop(const EncoderConfig& config) {
  if (config.gop_frames > 0) return config.gop_frames;
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(2.0 * nominal_fps(config))));
}

uint32_t usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<uint32_t>(CPU_COUNT(&set));
  return std::max(1U, std::thread::hardware_concurrency());
}

uint32_t effective_threads(const EncoderConfig& config) {
  if (config.threads > 0) return config.threads;
  return std::clamp<uint32_t>(usable_cores(), 1, kMaxDefaultThreads);
}

uint32_t small_frame_threads(uint32_t cores) {
  return cores < kSlicedThreadsFromCores ? 1 : 4;
}

uint32_t large_frame_threads(uint32_t cores) {
  if (cores <= 1) return 1;
  return std::clamp<uint32_t>(cores, kLargeFrameMinThreads, kMaxDefaultThreads);
}

uint32_t default_bitrate_kbps(uint32_t width, uint32_t height, AVRational frame_rate) {
  EncoderConfig c;
  c.frame_rate = frame_rate;
  const double bits = 0.08 * width * height * nominal_fps(c);
  return static_cast<uint32_t>(std::clamp(bits / 1000.0, 500.0, 50000.0));
}

RateControl rate_control(const EncoderConfig& config, uint32_t kbps) {
  RateControl rc;
  const double fps = nominal_fps(config);
  constexpr double kIntMax = std::numeric_limits<int>::max();
  if (config.tuning == Tuning::LowLatency) {
    if (kbps == 0) kbps = default_bitrate_kbps(config.width, config.height, config.frame_rate);
    rc.bit_rate = int64_t{kbps} * 1000;
    rc.max_rate = rc.bit_rate;
    rc.buffer_size = static_cast<int>(std::min(kIntMax, rc.bit_rate * kLowLatencyBufferFrames / fps));
    return rc;
  }
  if (kbps == 0) {
    rc.constant_quality = true;
    return rc;
  }
  rc.bit_rate = int64_t{kbps} * 1000;
  rc.max_rate = rc.bit_rate * 3 / 2;
  rc.buffer_size = static_cast<int>(std::min(kIntMax, 2.0 * static_cast<double>(rc.max_rate)));
  return rc;
}

void apply_rate_control(const RateControl& rc, AVCodecContext& ctx) {
  ctx.bit_rate = rc.bit_rate;
  ctx.rc_max_rate = rc.max_rate;
  ctx.rc_buffer_size = rc.buffer_size;
}

}  // namespace zc::encode
