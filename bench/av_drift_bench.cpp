// A/V sync over a long recording with a skewed audio clock: `zerocast record --source test --audio
// test --test-audio-ppm P` for S seconds (both signs of P, side by side), the file decoded and
// every click measured against its marked frame. Printed: the offsets at the start and at the end,
// the worst, and the ratio of the worst to the drift an uncorrected sample counter would have had
// at the end (S * P / 1e6), measured in the same run's terms.
//
// Usage: av_drift_bench [--seconds S (1800)] [--ppm P (200)]
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "av_sync.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

using namespace zc::test;

namespace {

constexpr uint32_t kFps = 30;
constexpr uint32_t kMarkEvery = kFps / 2;

struct Window {
  double worst = 0;  // largest |offset| in the window, ms
  int n = 0;
};

Window window(const AvOffsets& o, double from_s, double to_s) {
  Window w;
  for (size_t i = 0; i < o.offsets_ms.size(); ++i) {
    if (o.at_s[i] < from_s || o.at_s[i] >= to_s) continue;
    w.worst = std::max(w.worst, std::fabs(o.offsets_ms[i]));
    ++w.n;
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1800, ppm = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    if (std::strcmp(argv[i], "--ppm") == 0) ppm = std::stod(argv[i + 1]);
  }
  const std::string dir = make_temp_dir("zc-av-drift");
  std::vector<double> skews{ppm, -ppm};
  std::vector<Process> runs;
  std::vector<std::string> paths;
  for (double p : skews) {
    paths.push_back(dir + "/drift" + std::to_string(static_cast<int>(p)) + ".mkv");
    runs.emplace_back(std::vector<std::string>{zerocast_bin(), "record", "--source", "test", "--test-size", "320x240",
                                               "--test-fps", std::to_string(kFps), "--audio", "test",
                                               "--test-audio-ppm", std::to_string(p), "--duration",
                                               std::to_string(seconds), "-o", paths.back()});
  }
  std::printf("zerocast record --source test --audio test, %.0f s, audio clock skewed by +-%.0f ppm (side by side)\n",
              seconds, ppm);
  std::printf(
      "| skew | marked frames | clicks matched | worst, first 60 s | worst, last 60 s | worst | uncorrected "
      "drift at the end | worst / uncorrected | drift the clock lock measured |\n|---|---|---|---|---|---|---|"
      "---|---|\n");
  int failures = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto status = runs[i].wait(std::chrono::seconds(static_cast<int>(seconds) + 300));
    const std::string out = runs[i].output();
    if (!status || *status != 0) {
      std::printf("| %+.0f ppm | record failed (%d) | | | | | | | |\n%s\n", skews[i], status ? *status : -1,
                  out.substr(out.size() > 2000 ? out.size() - 2000 : 0).c_str());
      ++failures;
      continue;
    }
    std::smatch m;
    std::string measured = "?";
    if (std::regex_search(out, m, std::regex(R"(drift ([+-][0-9.]+) ppm)"))) measured = m[1].str() + " ppm";
    const AvOffsets o = measure_av_offsets(paths[i], kMarkEvery);
    if (!o.error.empty()) {
      std::printf("| %+.0f ppm | %s | | | | | | | |\n", skews[i], o.error.c_str());
      ++failures;
      continue;
    }
    const Window first = window(o, 0, 60);
    const Window last = window(o, o.video_s - 60, o.video_s + 1);
    const double uncorrected_ms = seconds * std::fabs(skews[i]) / 1e6 * 1000;
    std::printf("| %+.0f ppm | %d | %zu | %.2f ms | %.2f ms | %.2f ms | %.0f ms | %.3f | %s |\n", skews[i],
                o.marked_frames, o.offsets_ms.size(), first.worst, last.worst, o.worst_ms(), uncorrected_ms,
                o.worst_ms() / uncorrected_ms, measured.c_str());
    if (o.worst_ms() > 10.0) ++failures;
  }
  std::printf("target: |A/V offset| <= 10 ms at every click: %s\n", failures == 0 ? "met" : "NOT met");
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
