// CPU importer cost (thread CPU time) as a ratio to one memcpy of the captured frame, measured
// in the same run (interleaved, so both see the same machine load). Also prints, for the record, the
// alternatives the importer does not use: convert-then-scale through a full-size I420 frame,
// and converting two horizontal bands on two threads.
//
// Then every source format (issue 12), cpu_formats_bench.cpp.
//
//   cpu_convert_bench [iterations] [--formats] [--match TEXT]
//     --formats: only the per-format table; --match: only its rows whose "source -> target"
//     contains TEXT (e.g. "_210LE -> P010"), for runs repeated many times on a busy machine
#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>
#include <vector>

#include <libyuv/convert.h>
#include <libyuv/planar_functions.h>
#include <libyuv/scale.h>

#include "cpu_formats_bench.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using zc::PixelFormat;

struct Case {
  const char* name;
  uint32_t sw, sh, tw, th;
  PixelFormat format = PixelFormat::BGRx;
  zc::ColourMatrix matrix = zc::ColourMatrix::BT601;
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of this thread: the cost we care about, and less disturbed than wall time when
// other processes share the cores (CI machines do).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double best(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}

// A few source frames used in turn, so that each conversion reads memory that is not hot in
// the cache (as a frame fresh from the compositor would not be in ours).
struct Sources {
  Sources(uint32_t w, uint32_t h, PixelFormat format) : w(w), h(h), format(format) {
    for (auto& b : bufs) {
      b.resize(size_t{w} * h * 4);
      for (size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    }
  }
  zc::Frame frame(int i) const {
    zc::Frame f;
    f.buffer_id = static_cast<uint64_t>(i % 3);
    f.width = w;
    f.height = h;
    f.format = format;
    f.data = bufs[i % 3].data();
    f.stride = w * 4;
    f.size = bufs[i % 3].size();
    return f;
  }
  uint32_t w, h;
  PixelFormat format;
  std::vector<uint8_t> bufs[3];
};

zc::zerocopy::ImportTarget nv12(uint32_t w, uint32_t h, zc::ColourMatrix matrix = zc::ColourMatrix::BT601) {
  zc::zerocopy::ImportTarget t;
  t.width = w;
  t.height = h;
  t.format = PixelFormat::NV12;
  t.colour = zc::Colour{matrix, zc::ColourRange::Limited};
  return t;
}

void run_case(const Case& c, int iterations) {
  Sources src(c.sw, c.sh, c.format);
  std::vector<uint8_t> copy_dst(size_t{c.sw} * c.sh * 4);
  zc::zerocopy::CpuImporter importer;
  std::vector<double> t_copy, t_import;
  for (int i = -2; i < iterations; ++i) {  // two warm-up rounds fault the pages in
    const zc::Frame f = src.frame(i + 2);
    double t0 = thread_cpu_ms();
    std::memcpy(copy_dst.data(), f.data, f.size);
    const double copy = thread_cpu_ms() - t0;
    t0 = thread_cpu_ms();
    auto out = importer.import(f, nv12(c.tw, c.th, c.matrix));
    const double imp = thread_cpu_ms() - t0;
    if (!out) {
      std::fprintf(stderr, "import failed: %s\n", out.error().describe().c_str());
      std::exit(1);
    }
    if (i < 0) continue;
    t_copy.push_back(copy);
    t_import.push_back(imp);
  }
  const double mc = median(t_copy), mi = median(t_import);
  std::printf("%-26s memcpy %7.3f ms   import %7.3f ms   ratio %5.2f  (best %5.2f; pool created %llu)\n", c.name, mc,
              mi, mi / mc, best(t_import) / best(t_copy),
              static_cast<unsigned long long>(importer.pool_counters().created));

  if (c.sw != c.tw) {
    // Alternative: convert at full size into an I420 frame, then scale the three planes.
    std::vector<uint8_t> fy(size_t{c.sw} * c.sh), fu(size_t{c.sw / 2} * (c.sh / 2)), fv(fu.size());
    std::vector<uint8_t> oy(size_t{c.tw} * c.th), ou(size_t{c.tw / 2} * (c.th / 2)), ov(ou.size()), ouv(oy.size() / 2);
    std::vector<double> t_alt;
    for (int i = -2; i < iterations; ++i) {
      const zc::Frame f = src.frame(i + 2);
      const int sw = int(c.sw), sh = int(c.sh), tw = int(c.tw), th = int(c.th);
      const double t0 = thread_cpu_ms();
      libyuv::ARGBToI420(f.data, int(f.stride), fy.data(), sw, fu.data(), sw / 2, fv.data(), sw / 2, sw, sh);
      libyuv::I420Scale(fy.data(), sw, fu.data(), sw / 2, fv.data(), sw / 2, sw, sh, oy.data(), tw, ou.data(), tw / 2,
                        ov.data(), tw / 2, tw, th, libyuv::kFilterBox);
      libyuv::MergeUVPlane(ou.data(), tw / 2, ov.data(), tw / 2, ouv.data(), tw, tw / 2, th / 2);
      if (i >= 0) t_alt.push_back(thread_cpu_ms() - t0);
    }
    std::printf(
        "%-26s   alternative convert-then-scale (full-size I420 + I420Scale): %7.3f ms   ratio %5.2f  (best %5.2f)\n",
        "", median(t_alt), median(t_alt) / mc, best(t_alt) / best(t_copy));
  } else if (c.format == PixelFormat::BGRx) {
    // Alternative: two horizontal bands converted on two threads (wall time).
    zc::zerocopy::CpuImporter top, bottom;
    std::vector<double> t_bands;
    const zc::Frame* current = nullptr;
    std::barrier sync(2);
    bool stop = false;
    auto band = [&](zc::zerocopy::CpuImporter& imp, uint32_t y0) {
      zc::Frame f = *current;
      f.crop = zc::Rect{0, static_cast<int32_t>(y0), c.sw, c.sh / 2};
      auto out = imp.import(f, nv12(c.tw, c.th / 2));
      if (!out) std::exit(1);
    };
    std::thread helper([&] {
      for (;;) {
        sync.arrive_and_wait();
        if (stop) return;
        band(bottom, c.sh / 2);
        sync.arrive_and_wait();
      }
    });
    for (int i = -2; i < iterations; ++i) {
      const zc::Frame f = src.frame(i + 2);
      current = &f;
      auto t0 = Clock::now();
      sync.arrive_and_wait();
      band(top, 0);
      sync.arrive_and_wait();
      if (i >= 0) t_bands.push_back(ms_since(t0));
    }
    stop = true;
    sync.arrive_and_wait();
    helper.join();
    std::printf("%-26s   alternative two bands on two threads (wall time): %7.3f ms   ratio %5.2f  (best %5.2f)\n", "",
                median(t_bands), median(t_bands) / mc, best(t_bands) / best(t_copy));
  }
}

// A pointer move over a still picture (CpuImporter::redraw_cursor): the last output frame copied,
// the pixels under its cursor put back, a 64x64 cursor drawn at the new place. Against one memcpy
// of the NV12 frame it copies.
void run_pointer_case(const char* name, uint32_t w, uint32_t h, int iterations) {
  Sources src(w, h, PixelFormat::BGRx);
  std::vector<uint8_t> bitmap(64 * 64 * 4);
  for (size_t i = 0; i < bitmap.size(); ++i)
    bitmap[i] = static_cast<uint8_t>(i % 4 == 3 ? (i / 4 % 3) * 120 : i * 7);
  zc::Frame f = src.frame(0);
  f.cursor.visible = true;
  f.cursor.width = f.cursor.height = 64;
  f.cursor.stride = 64 * 4;
  f.cursor.format = PixelFormat::BGRA;
  f.cursor.pixels = bitmap.data();
  zc::zerocopy::CpuImporter importer;
  if (!importer.import(f, nv12(w, h))) std::exit(1);
  const size_t frame_bytes = size_t{w} * h * 3 / 2;
  std::vector<uint8_t> copy_src(frame_bytes, 1), copy_dst(frame_bytes);
  std::vector<double> t_copy, t_move;
  for (int i = -2; i < iterations; ++i) {
    double t0 = thread_cpu_ms();
    std::memcpy(copy_dst.data(), copy_src.data(), frame_bytes);
    const double copy = thread_cpu_ms() - t0;
    f.cursor.x = static_cast<int32_t>((100 + i * 37) % (w - 64));
    f.cursor.y = static_cast<int32_t>((80 + i * 23) % (h - 64));
    t0 = thread_cpu_ms();
    auto out = importer.redraw_cursor(f.cursor, static_cast<uint64_t>(i + 3), nv12(w, h));
    const double move = thread_cpu_ms() - t0;
    if (!out) {
      std::fprintf(stderr, "pointer move failed: %s\n", out.error().describe().c_str());
      std::exit(1);
    }
    if (i < 0) continue;
    t_copy.push_back(copy);
    t_move.push_back(move);
  }
  std::printf("%-26s memcpy %7.3f ms   pointer move %7.3f ms   ratio %5.2f  (best %5.2f; pool created %llu)\n", name,
              median(t_copy), median(t_move), median(t_move) / median(t_copy), best(t_move) / best(t_copy),
              static_cast<unsigned long long>(importer.pool_counters().created));
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 40;
  bool formats_only = false;
  const char* match = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--formats") == 0) {
      formats_only = true;
    } else if (std::strcmp(argv[i], "--match") == 0 && i + 1 < argc) {
      match = argv[++i];
      formats_only = true;
    } else {
      iterations = std::max(5, std::atoi(argv[i]));
    }
  }
  const Case cases[] = {
      {"1080p BGRx -> NV12", 1920, 1080, 1920, 1080},
      {"4K BGRx -> NV12", 3840, 2160, 3840, 2160},
      {"4K -> 1080p NV12", 3840, 2160, 1920, 1080},
      {"1080p -> 720p NV12", 1920, 1080, 1280, 720},
      {"1440p -> 1080p NV12", 2560, 1440, 1920, 1080},
      {"1080p -> 1440p NV12 (up)", 1920, 1080, 2560, 1440},
      {"1080p RGBx -> NV12", 1920, 1080, 1920, 1080, PixelFormat::RGBx},
      {"1080p xRGB -> NV12", 1920, 1080, 1920, 1080, PixelFormat::xRGB},
      // What HD screens get by default now (BT.601 above: libyuv's factors, the earlier default).
      {"1080p BGRx -> NV12 bt709", 1920, 1080, 1920, 1080, PixelFormat::BGRx, zc::ColourMatrix::BT709},
      {"4K BGRx -> NV12 bt709", 3840, 2160, 3840, 2160, PixelFormat::BGRx, zc::ColourMatrix::BT709},
      {"4K -> 1080p NV12 bt709", 3840, 2160, 1920, 1080, PixelFormat::BGRx, zc::ColourMatrix::BT709},
      {"1440p -> 1080p NV12 bt709", 2560, 1440, 1920, 1080, PixelFormat::BGRx, zc::ColourMatrix::BT709},
      {"1080p xRGB -> NV12 bt709", 1920, 1080, 1920, 1080, PixelFormat::xRGB, zc::ColourMatrix::BT709},
  };
  std::printf(
      "CPU importer vs one memcpy of the source frame, thread CPU time, median (and best) of %d, %u hw "
      "threads\n",
      iterations, std::thread::hardware_concurrency());
  if (!formats_only) {
    for (const auto& c : cases)
      run_case(c, iterations);
    std::printf(
        "Pointer moves over a still picture (a cursor-only buffer drawn as a frame) vs one memcpy of the "
        "NV12 frame:\n");
    run_pointer_case("1080p NV12 pointer move", 1920, 1080, iterations);
    run_pointer_case("4K NV12 pointer move", 3840, 2160, iterations);
  }
  run_format_cases(iterations, match);
  return 0;
}
