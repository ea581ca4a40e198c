// Every raw format a producer may offer (issue 12), captured by `zerocast record` from a real
// PipeWire and decoded back: from `zerocast test-source --format F` (frame numbers exact, the
// colour bars within 2 levels), and from GStreamer (`videotestsrc ! video/x-raw,format=F !
// pipewiresink`: exactly as many frames as it sent, its solid colour within 2 levels), each at
// the odd size 1366x767. Serial: frame counts against a foreign producer need the CPU.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include "capture/source.hpp"
#include "record_support.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "testsrc/pattern.hpp"

using namespace std::chrono_literals;
using zc::test::consecutive_problem;
using zc::test::zerocast;

namespace {

constexpr uint32_t kWidth = 1366;
constexpr uint32_t kHeight = 767;

struct Rgb {
  double r = 0, g = 0, b = 0;
};

// The mean colour of a box around (x, y) of a decoded 8-bit 4:2:0 picture, back to RGB with the
// BT.601 limited-range matrix the stream is tagged with.
Rgb colour_at(const AVFrame& f, uint32_t x, uint32_t y, uint32_t half = 3) {
  double ys = 0, us = 0, vs = 0;
  int n = 0;
  for (uint32_t yy = y - half; yy <= y + half; ++yy) {
    for (uint32_t xx = x - half; xx <= x + half; ++xx) {
      ys += f.data[0][size_t{yy} * f.linesize[0] + xx];
      us += f.data[1][size_t{yy / 2} * f.linesize[1] + xx / 2];
      vs += f.data[2][size_t{yy / 2} * f.linesize[2] + xx / 2];
      ++n;
    }
  }
  const double yl = (ys / n - 16) * 255.0 / 219.0;
  const double cb = (us / n - 128) * 255.0 / 224.0;
  const double cr = (vs / n - 128) * 255.0 / 224.0;
  return Rgb{yl + 1.402 * cr, yl - 0.344136 * cb - 0.714136 * cr, yl + 1.772 * cb};
}

double distance(const Rgb& a, const Rgb& b) {
  return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

std::string text(const Rgb& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.1f, %.1f, %.1f)", c.r, c.g, c.b);
  return buf;
}

// The test pattern's colour bars (testsrc/pattern.cpp), sampled in the middle of each.
constexpr std::array<std::array<double, 3>, 8> kBars{{
    {192, 192, 192},
    {192, 192, 0},
    {0, 192, 192},
    {0, 192, 0},
    {192, 0, 192},
    {192, 0, 0},
    {0, 0, 192},
    {32, 32, 32},
}};

// Every raw format capture takes (capture/spa_format.hpp), by its SPA name.
const std::vector<std::string> kAllFormats{
    "BGRx",       "BGRA",       "RGBx",       "RGBA",       "xRGB",       "xBGR",       "ARGB",      "ABGR",
    "NV12",       "I420",       "RGB",        "BGR",        "YUY2",       "UYVY",       "YV12",      "xRGB_210LE",
    "xBGR_210LE", "RGBx_102LE", "BGRx_102LE", "ARGB_210LE", "ABGR_210LE", "RGBA_102LE", "BGRA_102LE"};

// What GStreamer 1.22's pipewiresink (PipeWire 0.3.65) can send: its caps-to-SPA table stops
// before GStreamer's 10-bit RGB formats, so those come from the test source only.
const std::vector<std::string> kGstFormats{"BGRx", "BGRA", "RGBx", "RGBA", "xRGB", "xBGR", "ARGB", "ABGR",
                                           "NV12", "I420", "RGB",  "BGR",  "YUY2", "UYVY", "YV12"};

std::optional<zc::capture::Target> find_node(const std::string& name, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto nodes = zc::capture::list_nodes(2s)) {
      for (const auto& n : *nodes) {
        if (n.name == name) return zc::capture::Target{n.serial, n.id, n.name};
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("formats: the test source in every raw format at 1366x767, frame numbers exact, bars within 2 levels",
          "[record][formats]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-formats");
  constexpr int kFrames = 20;
  for (const auto& format : kAllFormats) {
    INFO("format " << format);
    auto source =
        zc::test::start_zerocast({"test-source", "--size", std::to_string(kWidth) + "x" + std::to_string(kHeight),
                                  "--fps", "30", "--format", format});
    const auto serial = zc::test::wait_for_serial(source, 10s);
    INFO(source.output());
    REQUIRE(serial);
    const auto out = dir + "/" + format + ".mkv";
    auto r = zerocast({"record", "--source", "serial:" + std::to_string(*serial), "--frames", std::to_string(kFrames),
                       "--bitrate", "40000", "-o", out},
                      60s);
    INFO(r.output);
    REQUIRE(r.status == 0);
    std::vector<std::optional<uint32_t>> numbers;
    double worst = 0;
    std::string worst_at;
    const auto d = zc::test::decode_file(out, [&](const AVFrame& f) {
      numbers.push_back(zc::testsrc::read_number_luma(f.data[0], static_cast<uint32_t>(f.linesize[0]),
                                                      static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height)));
      // The bars, in a row under the moving box's track and above the 10-bit ramp.
      const uint32_t y = static_cast<uint32_t>(f.height) / 2;
      for (size_t bar = 0; bar < kBars.size(); ++bar) {
        const uint32_t x = static_cast<uint32_t>((2 * bar + 1) * static_cast<size_t>(f.width) / (2 * kBars.size()));
        const Rgb want{kBars[bar][0], kBars[bar][1], kBars[bar][2]};
        const Rgb got = colour_at(f, x, y);
        if (distance(want, got) > worst) {
          worst = distance(want, got);
          worst_at = "bar " + std::to_string(bar) + ": " + text(got) + " for " + text(want);
        }
      }
    });
    REQUIRE(d.ok);
    CHECK(d.frames.size() == static_cast<size_t>(kFrames));
    CHECK(consecutive_problem(numbers).empty());
    CHECK(d.frames.front().width == kWidth);  // the encoder takes even sizes
    CHECK(d.frames.front().height == kHeight - 1);
    INFO("worst " << worst_at);
    CHECK(worst <= 2.0);
    source.stop();
  }
}

TEST_CASE("formats: GStreamer's videotestsrc in every format pipewiresink sends, exact frame counts, its colour",
          "[record][formats]") {
  if (!zc::test::have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 is not installed");
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-formats-gst");
  constexpr int kBuffers = 30;
  const Rgb colour{200, 90, 40};  // distinct channels: a swapped order shows
  for (const auto& format : kGstFormats) {
    INFO("format " << format);
    const std::string name = "zc-gst-" + format;
    // Default (follower) mode; node.autoconnect=false keeps WirePlumber from looking for a sink
    // for it. colorimetry=bt601: GStreamer's default for YUV at this height would be BT.709.
    zc::test::Process gst({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=" + std::to_string(kBuffers),
                           "pattern=solid-color", "foreground-color=0xffc85a28", "!",
                           "video/x-raw,format=" + format + ",width=" + std::to_string(kWidth) +
                               ",height=" + std::to_string(kHeight) + ",framerate=30/1,colorimetry=bt601",
                           "!", "pipewiresink",
                           "stream-properties=props,node.name=(string)" + name +
                               ",node.autoconnect=(boolean)false,node.latency=(string)800/48000"});
    const auto target = find_node(name, 10s);
    INFO(gst.output());
    REQUIRE(target);
    const auto out = dir + "/" + format + ".mkv";
    auto r = zerocast(
        {"record", "--source", "serial:" + std::to_string(target->serial), "--bitrate", "40000", "-o", out}, 40s);
    INFO(r.output);
    CHECK(r.status == 0);
    double worst = 0;
    Rgb worst_got;
    const auto d = zc::test::decode_file(out, [&](const AVFrame& f) {
      for (const auto& [x, y] :
           {std::pair{f.width / 2, f.height / 2}, std::pair{20, 20}, std::pair{f.width - 20, f.height - 20}}) {
        const Rgb got = colour_at(f, static_cast<uint32_t>(x), static_cast<uint32_t>(y));
        if (distance(colour, got) >= worst) {
          worst = distance(colour, got);
          worst_got = got;
        }
      }
    });
    REQUIRE(d.ok);
    CHECK(d.frames.size() == static_cast<size_t>(kBuffers));
    INFO("worst " << text(worst_got));
    CHECK(worst <= 2.0);
    gst.stop();
  }
}
