// zc::testsrc::run(), the body of `zerocast test-source`: prints the node, stops on a frame
// count, a duration or SIGTERM, and reports what it did.
#include <catch2/catch.hpp>

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "consumer.hpp"
#include "core/log.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/run.hpp"

using namespace std::chrono_literals;
using zc::testsrc::test::Consumer;
using zc::testsrc::test::ConsumerOptions;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs run() on its own thread with its output in a file.
struct Runner {
  explicit Runner(zc::testsrc::RunOptions options) : path(zc::test::make_temp_dir("zc-run") + "/out.txt") {
    out = std::fopen(path.c_str(), "w");
    REQUIRE(out);
    thread = std::thread([this, options] { code = zc::testsrc::run(options, out); });
  }
  ~Runner() {
    if (thread.joinable()) thread.join();
    if (out) std::fclose(out);
  }
  // The serial printed once the node exists.
  std::optional<uint64_t> serial(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string key = "object.serial=";
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = slurp(path);
      const size_t at = text.find(key);
      const size_t end = at == std::string::npos ? at : text.find(' ', at);
      if (end != std::string::npos) return std::stoull(text.substr(at + key.size(), end - at - key.size()));
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  int join() {
    thread.join();
    return code;
  }

  std::string path;
  std::FILE* out = nullptr;
  std::thread thread;
  int code = -1;
};

zc::testsrc::RunOptions small_run() {
  zc::testsrc::RunOptions r;
  r.source.width = 320;
  r.source.height = 180;
  r.source.fps = 60;
  r.source.node_name = "zc-test-source-run";
  return r;
}

}  // namespace

TEST_CASE("run() stops after exactly the asked frame count") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  auto options = small_run();
  options.frames = 30;
  Runner runner(options);
  auto serial = runner.serial(10s);
  REQUIRE(serial);
  ConsumerOptions co;
  co.target_serial = *serial;
  co.driver = true;  // every frame counted (see ConsumerOptions::driver)
  co.driver_rate = 120;
  Consumer consumer(co);
  consumer.start();
  REQUIRE(runner.join() == zc::testsrc::kRunOk);
  consumer.wait_frames(31, 300ms);  // nothing more may come
  const auto frames = consumer.frames();
  consumer.stop();
  // Exactly 30 were sent. run() gives the consumer 200 ms to take the last one before the node
  // goes; a consumer stalled longer than that on a loaded machine misses it (nothing else).
  const std::string text = slurp(runner.path);
  CHECK(text.find("queued=30 ") != std::string::npos);
  REQUIRE(frames.size() >= 29);
  REQUIRE(frames.size() <= 30);
  for (size_t i = 0; i < frames.size(); ++i)
    CHECK(frames[i].seq == i);
}

TEST_CASE("run() stops on SIGTERM and after its duration") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  {
    Runner runner(small_run());
    REQUIRE(runner.serial(10s));
    pthread_kill(runner.thread.native_handle(), SIGTERM);
    CHECK(runner.join() == zc::testsrc::kRunOk);
    CHECK(slurp(runner.path).find("queued=") != std::string::npos);
  }
  {
    auto options = small_run();
    options.duration = 300ms;
    const auto t0 = std::chrono::steady_clock::now();
    Runner runner(options);
    CHECK(runner.join() == zc::testsrc::kRunOk);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 300ms);
    CHECK(took < 5s);
  }
}

TEST_CASE("run() refuses bad options and reports a missing PipeWire") {
  zc::log::init();
  {
    auto options = small_run();
    options.source.fps = 0;
    Runner runner(options);
    CHECK(runner.join() == zc::testsrc::kRunStartFailed);
  }
  // No daemon behind an empty runtime directory.
  const std::string empty = zc::test::make_temp_dir("zc-nopw");
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved_value = saved ? saved : "";
  setenv("XDG_RUNTIME_DIR", empty.c_str(), 1);
  unsetenv("PIPEWIRE_REMOTE");
  Runner runner(small_run());
  const int code = runner.join();
  if (saved) setenv("XDG_RUNTIME_DIR", saved_value.c_str(), 1);
  CHECK(code == zc::testsrc::kRunStartFailed);
}
