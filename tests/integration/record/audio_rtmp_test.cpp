// Sound over RTMP into a real media server (nginx with libnginx-mod-rtmp, as users push to one),
// pulled back by a separate ffmpeg as a viewer would: both streams there, the sound on the picture.
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "audio_record.hpp"
#include "support/decode.hpp"
#include "support/net.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

// nginx in the foreground, one process, its files in `dir`, an RTMP application "live".
Process start_nginx(const std::string& dir, int port) {
  std::filesystem::create_directories(dir + "/logs");
  std::ofstream conf(dir + "/nginx.conf");
  conf << "load_module " << kRtmpModule << ";\n"
       << "daemon off;\nmaster_process off;\nerror_log stderr info;\npid " << dir << "/nginx.pid;\n"
       << "events { worker_connections 64; }\n"
       << "rtmp { server { listen 127.0.0.1:" << port << ";\n"
       << "  application live { live on; record off; wait_key on; wait_video on; } } }\n";
  conf.close();
  return Process({"nginx", "-p", dir, "-c", dir + "/nginx.conf"});
}

}  // namespace

TEST_CASE("record --audio: RTMP into nginx-rtmp, pulled back by a viewer: H.264 and AAC, in sync",
          "[record][audio][rtmp]") {
  if (!have_program("nginx") || !std::filesystem::exists(kRtmpModule)) {
    ZC_SKIP("nginx with libnginx-mod-rtmp is not installed (tools/install-deps.sh)");
  }
  if (!have_program("ffmpeg")) ZC_SKIP("ffmpeg (the viewer) is not installed");
  PipeWireDaemon pw;
  const std::string dir = make_temp_dir("zc-rtmp");
  const int port = free_port(Proto::tcp);
  REQUIRE(port > 0);
  Process nginx = start_nginx(dir + "/nginx", port);
  INFO(nginx.output());
  REQUIRE(wait_bound(port, Proto::tcp, 10s));
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/stream";

  // 12 s published; the viewer joins once the stream is there and keeps 6 s of it.
  Process rec = start_zerocast({"record", "--source", "test", "--test-size", "320x240", "--test-fps",
                                std::to_string(kFps), "--audio", "test", "--duration", "12", "-o", url});
  std::this_thread::sleep_for(2s);
  const std::string pulled = dir + "/pulled.flv";
  auto viewer = run({"ffmpeg", "-hide_banner", "-nostdin", "-y", "-rw_timeout", "10000000", "-i", url, "-c", "copy",
                     "-t", "6", pulled},
                    30s);
  INFO(viewer.output);
  CHECK(viewer.status == 0);
  const auto status = rec.wait(40s);
  INFO(rec.output());
  REQUIRE(status);
  CHECK(*status == 0);

  const auto probe = probe_streams(pulled);
  INFO(probe.error);
  REQUIRE(probe.ok);
  REQUIRE(probe.streams.size() == 2);
  const auto* video = probe.first(false);
  const auto* audio = probe.first(true);
  REQUIRE(video);
  REQUIRE(audio);
  CHECK(video->codec == "h264");
  CHECK(audio->codec == "aac");
  CHECK(audio->decode_errors == 0);
  // The sound on the picture at every marked frame the viewer got (FLV's 1 ms ticks, and the
  // AAC frame the server's join may cut, leave the 10 ms bound as it is for files).
  const AvOffsets o = measure_av_offsets(pulled, kMarkEvery);
  INFO(o.describe());
  REQUIRE(o.error.empty());
  CHECK(o.marked_frames >= 9);
  CHECK(o.offsets_ms.size() * 10 >= static_cast<size_t>(o.marked_frames) * 9);
  CHECK(o.worst_ms() <= 10.0);
}
