// Not a test: prints the CPU time libx264 (ultrafast + zerolatency, CBR) spends per frame,
// NV12 vs I420 input, measured around submit()+receive() only (frames are painted outside the
// measured window). Usage: encode_cost [width height frames]
// Two contents: "smooth" (the moving pattern alone) and "mixed" (plus a moving block of noise).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "encode/cpu_frames.hpp"
#include "encode/families.hpp"

using namespace zc;
using namespace zc::encode;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A desktop-like frame: the smooth moving pattern plus a 320x240 block of noise that moves (a
// playing video or scrolling text), so the encoder has real work in part of every frame.
void paint(DeviceFrame& f, uint32_t i, std::mt19937& rng, bool noise) {
  fill_pattern(f, i);
  if (!noise) return;
  const uint32_t bx = (i * 8) % (f.width - 320);
  const uint32_t by = (i * 4) % (f.height - 240);
  for (uint32_t y = by; y < by + 240; ++y) {
    uint8_t* row = f.cpu_plane(0) + size_t{f.pitches[0]} * y;
    for (uint32_t x = bx; x < bx + 320; ++x)
      row[x] = static_cast<uint8_t>(16 + rng() % 220);
  }
}

void run(PixelFormat format, uint32_t w, uint32_t h, int frames, bool noise) {
  EncoderConfig c;
  c.codec = Codec::H264;
  c.width = w;
  c.height = h;
  c.frame_rate = {60, 1};
  c.tuning = Tuning::LowLatency;
  auto enc = make_x264(c, format);
  if (!enc) std::exit(1);
  CpuFramePool pool(w, h, format);
  std::mt19937 rng(1);
  std::vector<ffmpeg::EncodedPacket> packets;
  double cpu = 0;
  double wall = 0;
  int64_t bytes = 0;
  const int warmup = 10;
  for (int i = 0; i < frames + warmup; ++i) {
    DeviceFrame f = pool.acquire(int64_t{i} * 1000000000 / 60);
    paint(f, static_cast<uint32_t>(i), rng, noise);
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    if (!(*enc)->submit(std::move(f)) || !(*enc)->receive(packets)) std::exit(1);
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= warmup) {
      cpu += cpu_seconds() - c0;
      wall += std::chrono::duration<double>(t1 - t0).count();
    }
    for (auto& p : packets)
      bytes += p.packet->size;
    packets.clear();
  }
  (*enc)->finish(packets);
  std::printf(
      "libx264 ultrafast+zerolatency %ux%u %s %s: %.2f ms CPU/frame, %.2f ms wall/frame, %.1f Mbit/s at 60 fps\n", w, h,
      std::string(to_string(format)).c_str(), noise ? "mixed " : "smooth", 1000 * cpu / frames, 1000 * wall / frames,
      bytes * 8.0 / ((frames + warmup) / 60.0) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t w = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[1])) : 1920;
  const uint32_t h = argc > 2 ? static_cast<uint32_t>(std::atoi(argv[2])) : 1080;
  const int frames = argc > 3 ? std::atoi(argv[3]) : 300;
  for (bool noise : {false, true}) {
    for (int round = 0; round < 2; ++round) {  // alternate, so drift hits both alike
      run(PixelFormat::NV12, w, h, frames, noise);
      run(PixelFormat::I420, w, h, frames, noise);
    }
  }
}
