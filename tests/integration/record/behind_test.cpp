// Sound and picture end together however far behind the video encoder is. The run is made in
// process with libx264 slowed down (each frame held 250 ms, as on a starved machine: the queue
// then holds about 2 s of pictures the encoder has not reached); the sound must wait for them
// instead of running on with the clock, or it outlasts the picture at the end.
#include <chrono>
#include <cmath>
#include <thread>

#include <catch2/catch.hpp>

#include "av_sync.hpp"
#include "capture/graph/source.hpp"
#include "encode/selector.hpp"
#include "session/pipeline.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"

using namespace zc;
using namespace std::chrono_literals;
using zc::session::Snapshot;

namespace {

// libx264 as it runs on a machine with no CPU to spare: every frame takes `delay`.
class SlowEncoder final : public encode::Encoder {
 public:
  SlowEncoder(encode::EncoderPtr inner, std::chrono::milliseconds delay) : inner_(std::move(inner)), delay_(delay) {}
  std::string_view name() const override { return inner_->name(); }
  encode::InputSpec input() const override { return inner_->input(); }
  Result<void> open_ahead() override { return inner_->open_ahead(); }
  void set_time_origin(int64_t ns) override { inner_->set_time_origin(ns); }
  Result<void> submit(DeviceFrame frame) override {
    std::this_thread::sleep_for(delay_);
    return inner_->submit(std::move(frame));
  }
  Result<void> receive(std::vector<ffmpeg::EncodedPacket>& out) override { return inner_->receive(out); }
  Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) override { return inner_->finish(out); }
  Result<void> request_keyframe() override { return inner_->request_keyframe(); }
  Result<void> set_bitrate(uint32_t kbps) override { return inner_->set_bitrate(kbps); }
  Result<void> repeat_last(int64_t pts_ns) override { return inner_->repeat_last(pts_ns); }
  const ffmpeg::StreamInfo* stream_info() const override { return inner_->stream_info(); }

 private:
  encode::EncoderPtr inner_;
  std::chrono::milliseconds delay_;
};

}  // namespace

TEST_CASE("record with sound: an encoder seconds behind still ends the sound with the picture",
          "[record][audio][behind]") {
  test::PipeWireDaemon pw;
  session::RecordOptions o;
  o.source = *capture::parse_source("test");
  o.test.size = {320, 240};
  o.test.fps = 30;
  o.audio = {*session::parse_audio_setting("test")};
  o.duration_s = 6;
  const std::string path = test::make_temp_dir("zc-behind") + "/behind.mkv";
  o.outputs = {path};
  o.encoder = "libx264";
  session::PipelineHooks hooks;
  hooks.catalog = encode::default_catalog();
  for (auto& c : *hooks.catalog) {
    if (c.name != "libx264") continue;
    c.make = [inner = c.make](const encode::EncoderConfig& config) -> Result<encode::EncoderPtr> {
      auto made = inner(config);
      if (!made) return made;
      return encode::EncoderPtr(std::make_unique<SlowEncoder>(std::move(*made), 250ms));
    };
  }
  auto p = session::Pipeline::create(o, std::move(hooks));
  INFO((p ? std::string() : p.error().describe()));
  REQUIRE(p);
  auto started = (*p)->start();
  INFO((started ? std::string() : started.error().describe()));
  REQUIRE(started);
  auto outcome = (*p)->wait(60s);
  REQUIRE(outcome);
  const Snapshot snap = (*p)->snapshot();
  INFO((outcome->error ? outcome->error->describe() : outcome->reason));
  REQUIRE_FALSE(outcome->error);
  // It was behind: most frames were dropped from the full queue, and the last packets came
  // seconds after their capture.
  CHECK(snap.counters[session::Counter::dropped_queue] >= 60);
  CHECK(snap.latency_p99_ns >= 1'500'000'000);

  const test::AvOffsets av = test::measure_av_offsets(path, 15);
  INFO(av.describe());
  REQUIRE(av.error.empty());
  CHECK(av.video_s >= 5.5);
  CHECK(std::fabs(av.audio_s - av.video_s) <= 0.03);
  CHECK(av.offsets_ms.size() >= 3);
  CHECK(av.worst_ms() <= 10.0);
}
