// Audio capture over a real PipeWire: a null sink as the default output, GStreamer playing a tone
// into it, zerocast's audio stream on its monitor (or on the sink by serial or name).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "capture/audio/audio_stream.hpp"
#include "core/clock.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "support/tone.hpp"

using namespace zc;
using namespace zc::capture;
using namespace std::chrono_literals;

namespace {

struct Block {
  size_t frames = 0;
  int64_t first_ns = 0;
  int64_t arrived_ns = 0;
  float peak = 0;
};

class Collector final : public AudioObserver {
 public:
  void on_audio_state(StreamState state, std::string_view) override {
    std::lock_guard lock(mutex_);
    states.push_back(state);
    changed_.notify_all();
  }
  void on_samples(std::span<const float> interleaved, int64_t first_ns, bool) override {
    float peak = 0;
    for (float v : interleaved)
      peak = std::max(peak, std::fabs(v));
    std::lock_guard lock(mutex_);
    blocks.push_back({interleaved.size() / 2, first_ns, monotonic_ns(), peak});
    changed_.notify_all();
  }
  bool wait_frames(size_t frames, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      size_t n = 0;
      for (const auto& b : blocks)
        n += b.frames;
      return n >= frames;
    });
  }
  std::vector<Block> take() {
    std::lock_guard lock(mutex_);
    return blocks;
  }
  std::vector<StreamState> states;
  std::vector<Block> blocks;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

// A 440 Hz tone at half scale, 48 kHz stereo, played to the default sink by PipeWire's own
// player. Not GStreamer's pipewiresink: with PipeWire 1.4 in the guest its audio never reached the
// sink it was linked to (the graph right, the sink's monitor silent).
zc::test::Process play_tone() {
  if (!zc::test::have_program("pw-play")) ZC_SKIP("pw-play (the player) is not installed");
  return zc::test::Process({"pw-play", zc::test::tone_wav(440, 2, 16384.0 / 32767)});
}

// Blocks stamped on one clock: consecutive capture times step by the samples between them.
void check_clock(const std::vector<Block>& blocks) {
  REQUIRE(blocks.size() > 20);
  int64_t worst_age = 0;
  size_t good_steps = 0;
  for (size_t i = 1; i < blocks.size(); ++i) {
    const int64_t step = blocks[i].first_ns - blocks[i - 1].first_ns;
    const auto expected = static_cast<int64_t>(blocks[i - 1].frames) * 1'000'000'000 / 48000;
    if (step <= 0) {
      UNSCOPED_INFO("block " << i << " of " << blocks.size() << ": " << blocks[i - 1].frames << " frames at "
                             << blocks[i - 1].first_ns << " ns, then " << blocks[i].frames << " at "
                             << blocks[i].first_ns);
    }
    CHECK(step > 0);
    good_steps += std::llabs(step - expected) < 5'000'000 ? 1 : 0;
    worst_age = std::max(worst_age, blocks[i].arrived_ns - blocks[i].first_ns);
  }
  // A cycle the graph skipped on a loaded machine is a real gap (a step of two blocks): rare.
  INFO("steps on time " << good_steps << " of " << blocks.size() - 1 << ", oldest block on arrival " << worst_age / 1000
                        << " µs");
  CHECK(good_steps * 100 >= (blocks.size() - 1) * 95);
  CHECK(worst_age >= 0);
  CHECK(worst_age < 1'000'000'000);  // a stamp on another clock is off by far more; one late block is not
}

}  // namespace

TEST_CASE("audio: the default sink's monitor carries what is played, stamped on the monotonic clock",
          "[capture][audio]") {
  zc::test::PipeWireDaemon pw({.null_sink = true});
  zc::test::Process player = play_tone();
  Collector c;
  AudioStreamOptions o;
  o.target = *find_audio_target(*parse_audio_source("output"), {});
  auto stream = AudioStream::start(o, c);
  REQUIRE(stream);
  const int64_t t0 = monotonic_ns();
  REQUIRE(c.wait_frames(3 * 48000, 15s));
  const double wall_s = static_cast<double>(monotonic_ns() - t0) / 1e9;
  const auto blocks = c.take();
  size_t frames = 0;
  for (const auto& b : blocks)
    frames += b.frames;
  INFO("frames " << frames << " in " << wall_s << " s; " << pw.logs());
  // A live source: no faster than the clock (linking takes a moment, so not slower either by much).
  CHECK(static_cast<double>(frames) / 48000.0 <= wall_s + 0.1);
  check_clock(blocks);
  // The tone at half scale, after the first blocks (the player may start with silence).
  float peak = 0;
  for (size_t i = blocks.size() / 2; i < blocks.size(); ++i)
    peak = std::max(peak, blocks[i].peak);
  // Silence in the PipeWire 1.4 guest: what the graph linked, and which sink is the default, say why.
  if (peak < 0.45f) {
    UNSCOPED_INFO("links:\n"
                  << zc::test::run({"pw-link", "-lI"}, 5s).output << "\ndefaults:\n"
                  << zc::test::run({"pw-metadata", "-n", "default"}, 5s).output << "\nnodes:\n"
                  << zc::test::run({"pw-cli", "ls", "Node"}, 5s).output);
  }
  CHECK(peak == Approx(0.5f).margin(0.05f));
  CHECK((*stream)->stats().bad_buffers == 0);
  CHECK(std::find(c.states.begin(), c.states.end(), StreamState::streaming) != c.states.end());
}

TEST_CASE("audio: a sink named or by serial is captured through its monitor", "[capture][audio]") {
  zc::test::PipeWireDaemon pw({.null_sink = true});
  zc::test::Process player = play_tone();
  auto nodes = list_nodes();
  REQUIRE(nodes);
  const NodeInfo* sink = nullptr;
  for (const auto& n : *nodes)
    if (n.name == "zc-null") sink = &n;
  REQUIRE(sink);
  for (const std::string& spec : std::vector<std::string>{"name:zc-null", "serial:" + std::to_string(sink->serial)}) {
    DYNAMIC_SECTION(spec) {
      auto target = find_audio_target(*parse_audio_source(spec), *nodes);
      REQUIRE(target);
      CHECK(target->capture_sink);
      Collector c;
      auto stream = AudioStream::start({.target = *target}, c);
      REQUIRE(stream);
      const bool arrived = c.wait_frames(48000, 15s);
      // Seen once in the PipeWire 1.4 guest: no frame at all. Then what the graph linked says why.
      if (!arrived) UNSCOPED_INFO("links:\n" << zc::test::run({"pw-link", "-lI"}, 5s).output << pw.logs());
      REQUIRE(arrived);
      check_clock(c.take());
    }
  }
}
