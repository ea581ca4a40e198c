// The daemon with several captures at once (issue 14 item 3): what they cost it in memory,
// threads and file descriptors while they run, and what is left once they have stopped; against
// libx264 alone doing the same encodes in the same run (FFmpeg's command line with the daemon's
// settings: veryfast, CRF 20, a 2 s GOP, as many threads as the daemon gives it), whose own
// memory is its peak RSS over the same command that does not encode, and whose CPU (the same
// command without the encode taken off) is the reference for the daemon's CPU over a window of
// as many seconds. Its frames are FFmpeg's testsrc2, which moves all over, where the test
// source's change in a tenth of the picture: the CPU ratio is to a dearer encode than the
// daemon's own (record_bench has the floor on the same frames), a figure to compare runs by.
//
// The captures record the daemon's built-in test source (a producer inside the daemon: its
// buffers are mapped twice, by the producer and by the capture, and count in the daemon's shared
// memory) to files, without sound.
//
//   build/bench/daemon_bench [--seconds 8] [--sizes 1280x720,1280x720,1280x720,320x240]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "encode/encoder.hpp"
#include "encode/rate.hpp"
#include "support/paths.hpp"
#include "support/proc_status.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"

namespace {

using namespace std::chrono_literals;

constexpr uint32_t kFps = 30;  // the test source's default rate

struct Sample {
  long rss_kb = 0, anon_kb = 0, shmem_kb = 0;
  size_t threads = 0, fds = 0;
};

size_t entries(const std::string& dir) {
  std::error_code ec;
  const auto it = std::filesystem::directory_iterator(dir, ec);
  return ec ? 0 : static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
}

Sample sample(int pid) {
  using zc::test::proc_status_kb;
  return Sample{proc_status_kb(pid, "VmRSS"), proc_status_kb(pid, "RssAnon"), proc_status_kb(pid, "RssShmem"),
                zc::test::thread_names(pid).size(), entries("/proc/" + std::to_string(pid) + "/fd")};
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Peak RSS and CPU of FFmpeg's command line making `frames` test frames of `size` as NV12, encoded
// with libx264 as the daemon's quality tuning does, or not encoded at all; nothing when it failed.
std::optional<zc::test::Process::Usage> ffmpeg_usage(const std::string& size, uint64_t frames, bool encode,
                                                     uint32_t threads) {
  std::vector<std::string> argv{"ffmpeg",    "-nostdin",
                                "-loglevel", "error",
                                "-f",        "lavfi",
                                "-i",        "testsrc2=size=" + size + ":rate=" + std::to_string(kFps),
                                "-frames:v", std::to_string(frames),
                                "-pix_fmt",  "nv12"};
  if (encode) {
    for (const char* a : {"-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-forced-idr", "1"})
      argv.emplace_back(a);
    argv.insert(argv.end(), {"-g", std::to_string(2 * kFps), "-threads", std::to_string(threads)});
  }
  argv.insert(argv.end(), {"-f", "null", "-"});
  const auto r = zc::test::run(argv, 120s);
  if (r.status != 0) {
    std::fprintf(stderr, "ffmpeg failed (%d):\n%s\n", r.status, r.output.c_str());
    return std::nullopt;
  }
  return r.usage;
}

double mb(long kb) {
  return static_cast<double>(kb) / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 8;
  std::vector<std::string> sizes{"1280x720", "1280x720", "1280x720", "320x240"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--seconds") {
      seconds = std::stoi(argv[i + 1]);
    } else if (key == "--sizes") {
      sizes = split(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: daemon_bench [--seconds N] [--sizes WxH,WxH,...]\n");
      return 2;
    }
  }
  if (seconds < 4 || sizes.empty() || sizes.size() > 8) {
    std::fprintf(stderr, "daemon_bench: --seconds 4 or more, 1 to 8 sizes\n");
    return 2;
  }
  // The daemon's libx264 (not low latency) takes the usable cores up to 16: its affinity's, as here.
  const uint32_t threads = zc::encode::effective_threads(zc::encode::EncoderConfig{});

  zc::test::PipeWireDaemon pw;
  const std::string dir = zc::test::make_temp_dir("zc-daemon-bench");
  std::filesystem::create_directories(dir + "/config/zerocast");
  std::ofstream(dir + "/config/zerocast/config.toml")
      << "[daemon]\ndefault_source = \"test\"\nmax_captures = 8\n[capture]\nencoder = \"libx264\"\n";
  zc::test::Process::Options po;
  po.env = {{"HOME", dir}, {"XDG_CONFIG_HOME", dir + "/config"}};
  po.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};
  zc::test::Process daemon({zc::test::zerocast_bin(), "daemon"}, po);
  const auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {zc::test::zerocast_bin(), "ctl"});
    return zc::test::run(args, 60s, po);
  };
  bool ready = false;
  for (int i = 0; i < 150 && !ready; ++i) {
    ready = ctl({"status"}).status == 0;
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  if (!ready) {
    std::fprintf(stderr, "the daemon did not start:\n%s\n", daemon.output().c_str());
    return 1;
  }
  std::this_thread::sleep_for(500ms);
  const Sample idle = sample(daemon.pid());

  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto r = ctl({"start", "--source", "test", "--test-size", sizes[i], "--no-audio", "-o",
                        dir + "/c" + std::to_string(i) + ".mkv"});
    if (r.status != 0) {
      std::fprintf(stderr, "ctl start %s failed:\n%s\n%s\n", sizes[i].c_str(), r.output.c_str(),
                   daemon.output().c_str());
      return 1;
    }
  }
  // The busiest moment of the run: its peak of each figure, sampled twice a second; and the
  // daemon's CPU over the same window (its captures' start-up is before it).
  Sample busy;
  std::this_thread::sleep_for(1s);
  const double cpu_start = zc::test::process_cpu_s(daemon.pid());
  const auto window_start = std::chrono::steady_clock::now();
  const auto end = window_start + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(500ms);
    const Sample s = sample(daemon.pid());
    busy.rss_kb = std::max(busy.rss_kb, s.rss_kb);
    busy.anon_kb = std::max(busy.anon_kb, s.anon_kb);
    busy.shmem_kb = std::max(busy.shmem_kb, s.shmem_kb);
    busy.threads = std::max(busy.threads, s.threads);
    busy.fds = std::max(busy.fds, s.fds);
  }
  const double cpu_s = zc::test::process_cpu_s(daemon.pid()) - cpu_start;
  const double window_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (const auto r = ctl({"stop", "--capture", std::to_string(i + 1)}); r.status != 0) {
      std::fprintf(stderr, "ctl stop failed:\n%s\n", r.output.c_str());
      return 1;
    }
  }
  std::this_thread::sleep_for(1s);
  const Sample after = sample(daemon.pid());

  // libx264 alone, the same encodes one after another: each one's own peak memory.
  const uint64_t frames = uint64_t{kFps} * static_cast<uint64_t>(seconds);
  long x264_kb = 0;
  double x264_cpu_s = 0;
  for (const auto& size : sizes) {
    const auto with = ffmpeg_usage(size, frames, true, threads);
    const auto without = ffmpeg_usage(size, frames, false, threads);
    if (!with || !without) return 1;
    x264_kb += with->max_rss_kb - without->max_rss_kb;
    x264_cpu_s += with->cpu_s - without->cpu_s;
  }

  const double n = static_cast<double>(sizes.size());
  std::string list;
  for (const auto& s : sizes)
    list += (list.empty() ? "" : ", ") + s;
  std::printf(
      "zerocast daemon, %zu test-source captures to files (%s @%u, libx264 quality, no sound), %d s, %u cores\n",
      sizes.size(), list.c_str(), kFps, seconds, threads);
  std::printf(
      "| captures | peak RSS | anonymous | its captures' (above idle) | per capture | libx264 alone, the same "
      "encodes | ratio | shared memory (producers' buffers) | threads | fds | anonymous after stop (above idle) "
      "| daemon CPU (cores) | libx264 alone on testsrc2 (cores) | CPU ratio |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  const long captures_kb = busy.anon_kb - idle.anon_kb;
  // Both per second of the captures' video: the daemon's over its window, libx264's over the
  // `seconds` of frames it encoded.
  const double daemon_cores = cpu_s / window_s;
  const double x264_cores = x264_cpu_s / seconds;
  std::printf(
      "| %zu | %.0f MB | %.0f MB | %.0f MB | %.1f MB | %.0f MB | **%.2f** | %.0f MB | %zu (idle %zu) | %zu (idle %zu) "
      "| %.1f MB | %.2f | %.2f | **%.2f** |\n",
      sizes.size(), mb(busy.rss_kb), mb(busy.anon_kb), mb(captures_kb), mb(captures_kb) / n, mb(x264_kb),
      x264_kb > 0 ? static_cast<double>(captures_kb) / static_cast<double>(x264_kb) : 0, mb(busy.shmem_kb),
      busy.threads, idle.threads, busy.fds, idle.fds, mb(after.anon_kb - idle.anon_kb), daemon_cores, x264_cores,
      x264_cores > 0 ? daemon_cores / x264_cores : 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
