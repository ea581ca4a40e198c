#include "encode_alone.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include <libyuv/convert_from_argb.h>

#include "encode/cpu_frames.hpp"
#include "encode/families.hpp"
#include "encode/rate.hpp"
#include "settings/environment.hpp"
#include "settings/table.hpp"
#include "testsrc/pattern.hpp"

namespace zc::bench {
namespace {

double process_cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

class PatternFeed final : public FrameFeed {
 public:
  PatternFeed(uint32_t width, uint32_t height) : painter_(width, height, PixelFormat::BGRx) {}
  bool next(uint8_t* bgrx) override {
    // One buffer painted frame after frame, as the test source repaints what changed.
    const testsrc::Image image{bgrx, painter_.width() * 4, painter_.width(), painter_.height(), PixelFormat::BGRx};
    if (last_ != bgrx) state_ = {};
    last_ = bgrx;
    painter_.paint(image, state_, number_++);
    return true;
  }

 private:
  testsrc::Painter painter_;
  testsrc::PaintState state_;
  const uint8_t* last_ = nullptr;
  uint64_t number_ = 0;
};

class PipeFeed final : public FrameFeed {
 public:
  PipeFeed(std::vector<std::string> argv, size_t frame_bytes) : bytes_(frame_bytes) {
    // The child inherits the write end (fdsink fd=N); the read end stays ours alone.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0 || ::fcntl(fds[1], F_SETFD, 0) != 0) return;
    argv.push_back("fd=" + std::to_string(fds[1]));
    child_.emplace(std::move(argv));
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~PipeFeed() override {
    if (fd_ >= 0) ::close(fd_);
  }
  bool next(uint8_t* bgrx) override {
    size_t have = 0;
    while (fd_ >= 0 && have < bytes_) {
      const ssize_t n = ::read(fd_, bgrx + have, bytes_ - have);
      if (n <= 0) return false;
      have += static_cast<size_t>(n);
    }
    return have == bytes_;
  }

 private:
  size_t bytes_;
  int fd_ = -1;
  std::optional<test::Process> child_;
};

}  // namespace

std::unique_ptr<FrameFeed> pattern_feed(uint32_t width, uint32_t height) {
  return std::make_unique<PatternFeed>(width, height);
}

std::unique_ptr<FrameFeed> gstreamer_feed(const std::string& pattern, uint32_t width, uint32_t height, uint32_t fps,
                                          uint64_t frames) {
  return std::make_unique<PipeFeed>(
      std::vector<std::string>{"gst-launch-1.0", "-q", "videotestsrc", "pattern=" + pattern,
                               "num-buffers=" + std::to_string(frames), "!",
                               "video/x-raw,format=BGRx,width=" + std::to_string(width) +
                                   ",height=" + std::to_string(height) + ",framerate=" + std::to_string(fps) + "/1",
                               "!", "fdsink"},
      size_t{width} * height * 4);
}

EncodeCost encode_alone(FrameFeed& feed, uint32_t width, uint32_t height, uint32_t fps, uint32_t bitrate_kbps,
                        uint64_t frames, AloneOptions options) {
  EncodeCost cost;
  encode::EncoderConfig config;
  config.codec = encode::Codec::H264;
  config.width = width;
  config.height = height;
  config.frame_rate = AVRational{static_cast<int>(fps), 1};
  config.bitrate_kbps = bitrate_kbps;
  config.tuning = encode::Tuning::LowLatency;
  // zerocast's choice, ZEROCAST_ENCODER_THREADS included (zerocast refuses a bad value).
  settings::Settings s = settings::defaults(settings::Command::record);
  (void)settings::apply_environment(s, settings::Environment::of_process(), settings::Command::record);
  config.threads = s.capture.toggles.encoder_threads;
  auto encoder = encode::make_x264(config, PixelFormat::NV12);
  if (!encoder) {
    std::fprintf(stderr, "encode_alone: %s\n", encoder.error().describe().c_str());
    return cost;
  }
  encode::CpuFramePool pool(width, height, PixelFormat::NV12);
  std::vector<uint8_t> bgrx(size_t{width} * height * 4);
  std::vector<ffmpeg::EncodedPacket> packets;
  double inside_ms = 0;
  std::vector<double> walls;
  walls.reserve(frames);
  double key_sum = 0, other_sum = 0;
  const auto start = std::chrono::steady_clock::now();
  const uint64_t keep = options.keep > 0 ? std::min(options.keep, frames) : frames;
  for (uint64_t i = 0; i < frames && feed.next(bgrx.data()); ++i) {
    if ((i + 1) * keep / frames == i * keep / frames) continue;  // a frame the recorder never got
    if (options.paced) std::this_thread::sleep_until(start + std::chrono::nanoseconds(i * 1'000'000'000ULL / fps));
    DeviceFrame frame = pool.acquire(static_cast<int64_t>(i * 1'000'000'000ULL / fps), i);
    libyuv::ARGBToNV12(bgrx.data(), static_cast<int>(width * 4), frame.cpu_plane(0), static_cast<int>(frame.pitches[0]),
                       frame.cpu_plane(1), static_cast<int>(frame.pitches[1]), static_cast<int>(width),
                       static_cast<int>(height));
    const double t0 = process_cpu_ms();
    const auto w0 = std::chrono::steady_clock::now();
    if (auto ok = (*encoder)->submit(std::move(frame)); !ok) {
      std::fprintf(stderr, "encode_alone: %s\n", ok.error().describe().c_str());
      return cost;
    }
    if (auto ok = (*encoder)->receive(packets); !ok) return cost;
    inside_ms += process_cpu_ms() - t0;
    const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count();
    walls.push_back(wall);
    const bool key =
        std::any_of(packets.begin(), packets.end(), [](const ffmpeg::EncodedPacket& p) { return p.keyframe(); });
    (key ? key_sum : other_sum) += wall;
    cost.keyframes += key ? 1 : 0;
    packets.clear();
    ++cost.frames;
  }
  const double t0 = process_cpu_ms();
  if (auto ok = (*encoder)->finish(packets); !ok) return cost;
  inside_ms += process_cpu_ms() - t0;
  cost.ok = cost.frames == keep;
  cost.cpu_ms_per_frame = cost.frames ? inside_ms / static_cast<double>(cost.frames) : 0;
  if (!walls.empty()) {
    std::sort(walls.begin(), walls.end());
    cost.wall_p50_ms = walls[walls.size() / 2];
    cost.wall_p99_ms = walls[std::min(walls.size() - 1, walls.size() * 99 / 100)];
  }
  if (cost.keyframes > 0) cost.wall_key_ms = key_sum / static_cast<double>(cost.keyframes);
  if (cost.frames > cost.keyframes) cost.wall_other_ms = other_sum / static_cast<double>(cost.frames - cost.keyframes);
  return cost;
}

}  // namespace zc::bench
