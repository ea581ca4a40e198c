// The selection chain with the real catalog on this machine. Without an NVIDIA encoder and a VA-API
// driver the NVENC and VA-API candidates must be rejected with a reason, in that order, and the
// software encoder chosen; with one, it may win, and the test says which it saw.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include "encode/selector.hpp"
#include "encode_support.hpp"
#include "support/skip.hpp"
#include "vaapi/va_device.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::encode;
using namespace zc::encode::test;

namespace {

bool cuda_driver_present() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return false;
  dlclose(h);
  return true;
}

std::vector<std::string> va_device_nodes() {
  return zc::vaapi::VaDevice::render_nodes();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

void check_auto(Codec codec, const std::string& nvenc, const std::string& vaapi, const std::string& software,
                PixelFormat software_input) {
  const EncoderConfig config = small_config(codec, Tuning::LowLatency);
  Result<Selection> s = fail(Errc::internal, "", "not run");
  within(60s, "auto selection", [&] { s = select_encoder(config, "auto", default_catalog()); });
  INFO((s ? std::string() : s.error().describe()));
  REQUIRE(s);
  REQUIRE(!s->log.empty());
  CHECK(starts_with(s->log.front(), nvenc + " "));  // NVENC is tried first
  for (const auto& line : s->log)
    UNSCOPED_INFO(line);
  if (s->encoder == software) {
    REQUIRE(s->log.size() == 3);
    CHECK(starts_with(s->log[0], nvenc + " rejected: "));
    CHECK(s->log[0].size() > (nvenc + " rejected: ").size() + 3);  // a real reason follows
    CHECK(starts_with(s->log[1], vaapi + " rejected: "));
    CHECK(s->log[1].size() > (vaapi + " rejected: ").size() + 3);
    CHECK(s->log[2] == software + " chosen");
    CHECK(s->input == InputSpec{FrameMemory::Cpu, software_input});
  } else if (s->encoder == vaapi) {
    CHECK(starts_with(s->log[0], nvenc + " rejected: "));
    CHECK(!va_device_nodes().empty());  // VA-API needs a render node
  } else {
    CHECK(s->encoder == nvenc);
    CHECK(cuda_driver_present());  // NVENC cannot work without the driver
  }
  if (!cuda_driver_present()) CHECK(s->encoder == software);

  // The factory makes a fresh encoder that opens on its first real frame.
  auto encoder = s->factory(config);
  REQUIRE(encoder);
  CHECK((*encoder)->stream_info() == nullptr);
  CpuFramePool pool(config.width, config.height, s->input.format);
  const auto packets = encode_pattern(**encoder, pool, 5, 30, config.time_origin_ns);
  CHECK(decode_packets(codec, packets).pictures.size() == 5);
}

}  // namespace

TEST_CASE("real catalog: h264 auto tries h264_nvenc, h264_vaapi, then libx264", "[encode][selector]") {
  check_auto(Codec::H264, "h264_nvenc", "h264_vaapi", "libx264", PixelFormat::NV12);
}
TEST_CASE("real catalog: hevc auto tries hevc_nvenc, hevc_vaapi, then libx265", "[encode][selector]") {
  check_auto(Codec::HEVC, "hevc_nvenc", "hevc_vaapi", "libx265", PixelFormat::I420);
}
TEST_CASE("real catalog: av1 auto tries av1_nvenc, av1_vaapi, then libsvtav1", "[encode][selector]") {
  check_auto(Codec::AV1, "av1_nvenc", "av1_vaapi", "libsvtav1", PixelFormat::I420);
  if (!avcodec_find_encoder_by_name("av1_nvenc")) {
    const auto s = select_encoder(small_config(Codec::AV1, Tuning::Quality), "auto");
    REQUIRE(s);
    CHECK(s->log.front() == "av1_nvenc rejected: not in this FFmpeg build");
    if (!avcodec_find_encoder_by_name("av1_vaapi")) CHECK(s->log[1] == "av1_vaapi rejected: not in this FFmpeg build");
  }
}

TEST_CASE("real catalog: a forced name tries only that encoder", "[encode][selector]") {
  const auto s = select_encoder(small_config(Codec::H264, Tuning::LowLatency), "libx264");
  REQUIRE(s);
  CHECK(s->encoder == "libx264");
  CHECK(s->log == std::vector<std::string>{"libx264 chosen"});
}

TEST_CASE("real catalog: a forced name of another codec is refused before anything opens", "[encode][selector]") {
  const auto s = select_encoder(small_config(Codec::H264, Tuning::LowLatency), "libx265");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::invalid_argument);
  CHECK(s.error().message.find("libx265 encodes hevc, not h264") != std::string::npos);
}

TEST_CASE("real catalog: unknown and undriven encoder names are named errors", "[encode][selector]") {
  const auto config = small_config(Codec::AV1, Tuning::LowLatency);
  const auto unknown = select_encoder(config, "no_such_encoder");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == Errc::not_found);
  CHECK(unknown.error().message.find("no_such_encoder") != std::string::npos);
  if (avcodec_find_encoder_by_name("libaom-av1")) {
    const auto undriven = select_encoder(config, "libaom-av1");
    REQUIRE_FALSE(undriven);
    CHECK(undriven.error().code == Errc::unsupported);
  }
}

TEST_CASE("real catalog: a forced NVENC on a machine without it fails with the reason", "[encode][selector]") {
  if (cuda_driver_present()) ZC_SKIP("an NVIDIA driver is present; h264_nvenc may work here");
  const auto s = select_encoder(small_config(Codec::H264, Tuning::LowLatency), "h264_nvenc");
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::encoder);
  CHECK(starts_with(s.error().message, "h264_nvenc rejected: "));
}
