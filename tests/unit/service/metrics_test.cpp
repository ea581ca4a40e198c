// The Prometheus text: families, labels (escaped), values from the snapshot; and the server.
#include <httplib.h>

#include <regex>

#include <catch2/catch.hpp>

#include "service/metrics.hpp"

using namespace zc::service;
using namespace zc::session;
using zc::session::Counter;

namespace {

MetricsSnapshot sample() {
  MetricsSnapshot s;
  MetricsCapture c;
  c.id = 3;
  c.source = "test \"quoted\"";
  c.view.encoder = "libx264";
  c.view.import_path = "cpu";
  c.view.state = zc::service::CaptureState::capturing;
  c.view.counters[Counter::frames_captured] = 1200;
  c.view.counters[Counter::frames_encoded] = 1190;
  c.view.counters[Counter::frames_missed] = 4;
  c.view.counters[Counter::cursor_only] = 37;
  c.view.counters[Counter::pointer_frames] = 35;
  c.view.counters[Counter::dropped_queue] = 7;
  c.view.counters[Counter::dropped_defect] = 2;
  c.view.counters[Counter::dropped_import] = 1;
  c.view.fps_in = 59.5;
  c.view.queue_depth = 3;
  c.view.cpu_ms_per_frame = 1.5;
  c.view.gpu_ms_per_frame = 0.4;
  c.view.replay_bytes = 123456;
  c.view.counters[Counter::capture_restarts] = 2;
  c.view.counters[Counter::audio_packets] = 500;
  zc::session::AudioInputStats a;
  a.name = "output";
  a.state = "capturing";
  a.peak_dbfs = -12.5;
  a.clock.samples_out = 480000;
  a.clock.gaps_filled = 2;
  a.clock.drift_ppm = 41.5;
  a.clock.phase_error_ms = 0.25;
  c.view.audio.push_back(a);
  a.name = "app:\"x\"";
  a.muted = true;
  c.view.audio.push_back(a);
  s.captures.push_back(c);
  s.captures_started = 4;
  return s;
}

}  // namespace

TEST_CASE("metrics are Prometheus text with the capture's labels", "[metrics]") {
  const std::string text = render_metrics(sample(), "0.1.0");
  const std::string labels = "capture=\"3\",source=\"test \\\"quoted\\\"\",encoder=\"libx264\",import_path=\"cpu\"";
  CHECK(text.find("zerocast_info{version=\"0.1.0\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE zerocast_frames_captured_total counter\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_captured_total{" + labels + "} 1200\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_encoded_total{" + labels + "} 1190\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_missed_total{" + labels + "} 4\n") != std::string::npos);
  CHECK(text.find("# TYPE zerocast_cursor_only_total counter\n") != std::string::npos);
  CHECK(text.find("zerocast_cursor_only_total{" + labels + "} 37\n") != std::string::npos);
  CHECK(text.find("zerocast_pointer_frames_total{" + labels + "} 35\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_dropped_total{" + labels + ",reason=\"queue_full\"} 7\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_dropped_total{" + labels + ",reason=\"invalid_buffer\"} 2\n") != std::string::npos);
  CHECK(text.find("zerocast_frames_dropped_total{" + labels + ",reason=\"import_failed\"} 1\n") != std::string::npos);
  CHECK(text.find("zerocast_fps_in{" + labels + "} 59.5\n") != std::string::npos);
  CHECK(text.find("zerocast_queue_depth{" + labels + "} 3\n") != std::string::npos);
  CHECK(text.find("zerocast_capture_cpu_seconds_per_frame{" + labels + "} 0.0015\n") != std::string::npos);
  CHECK(text.find("zerocast_capture_gpu_seconds_per_frame{" + labels + "} 0.0004\n") != std::string::npos);
  CHECK(text.find("zerocast_replay_bytes{" + labels + "} 123456\n") != std::string::npos);
  CHECK(text.find("zerocast_capture_restarts_total{" + labels + "} 2\n") != std::string::npos);
  CHECK(text.find("zerocast_capture_state{capture=\"3\",state=\"capturing\"} 1\n") != std::string::npos);
  CHECK(text.find("zerocast_captures 1\n") != std::string::npos);
  // Sound: per source, labelled audio_source (source is the video's).
  const std::string out = labels + ",audio_source=\"output\"";
  CHECK(text.find("zerocast_audio_packets_total{" + labels + "} 500\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_samples_total{" + out + "} 480000\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_gaps_total{" + out + "} 2\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_drift_ppm{" + out + "} 41.5\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_av_offset_seconds{" + out + "} 0.00025\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_peak_dbfs{" + out + "} -12.5\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_muted{" + out + "} 0\n") != std::string::npos);
  CHECK(text.find("zerocast_audio_muted{" + labels + ",audio_source=\"app:\\\"x\\\"\"} 1\n") != std::string::npos);
  CHECK(text.find("zerocast_captures_started_total 4\n") != std::string::npos);
  // Every sample line is NAME{labels} VALUE or NAME VALUE; every family has HELP and TYPE.
  std::regex line_re(R"(^[a-z_]+(\{.*\})? -?[0-9.e+-]+$)");
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    INFO(line);
    CHECK(std::regex_match(line, line_re));
    ++samples;
  }
  CHECK(samples > 15);
}

TEST_CASE("a capture on the CPU path has no GPU time sample", "[metrics]") {
  MetricsSnapshot s = sample();
  s.captures[0].view.gpu_ms_per_frame = -1;  // nothing measured
  const std::string text = render_metrics(s, "0.1.0");
  CHECK(text.find("# TYPE zerocast_capture_gpu_seconds_per_frame gauge\n") != std::string::npos);
  CHECK(text.find("zerocast_capture_gpu_seconds_per_frame{") == std::string::npos);
  CHECK(text.find("zerocast_capture_cpu_seconds_per_frame{") != std::string::npos);
}

TEST_CASE("the metrics server answers on its port and refuses a taken one", "[metrics]") {
  int calls = 0;
  auto server = MetricsServer::start("127.0.0.1:0", [&] {
    ++calls;
    return render_metrics(sample(), "0.1.0");
  });
  REQUIRE(server);
  const int port = (*server)->port();
  REQUIRE(port > 0);
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").find("text/plain") == 0);
  CHECK(res->body.find("zerocast_frames_captured_total") != std::string::npos);
  CHECK(calls == 1);
  auto again = MetricsServer::start("127.0.0.1:" + std::to_string(port), [] { return std::string(); });
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find(std::to_string(port)) != std::string::npos);
  CHECK_FALSE(MetricsServer::start("nonsense", [] { return std::string(); }));
}
