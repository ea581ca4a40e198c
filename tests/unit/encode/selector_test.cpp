// The selection chain with fake catalogs: order, rejection logging, forced names, codec/name
// mismatches, and that every probed encoder is drained and freed.
#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "encode/selector.hpp"

using namespace zc;
using namespace zc::encode;

namespace {

enum class Behaviour { FailCreate, FailOpen, FailEncode, NoPacket, Succeed };

struct Stats {
  int created = 0;
  int destroyed = 0;
  int opened = 0;
  int finished = 0;
  std::vector<PixelFormat> probe_formats;
  std::vector<std::pair<uint32_t, uint32_t>> made_sizes;   // the config size of every encoder made
  std::vector<std::pair<uint32_t, uint32_t>> frame_sizes;  // the size of every frame submitted
};

class FakeEncoder final : public Encoder {
 public:
  FakeEncoder(std::string name, Behaviour b, InputSpec input, Stats& stats)
      : name_(std::move(name)), behaviour_(b), input_(input), stats_(stats) {
    ++stats_.created;
  }
  ~FakeEncoder() override { ++stats_.destroyed; }

  std::string_view name() const override { return name_; }
  InputSpec input() const override { return input_; }
  Result<void> submit(DeviceFrame frame) override {
    stats_.probe_formats.push_back(frame.format);
    stats_.frame_sizes.emplace_back(frame.width, frame.height);
    if (behaviour_ == Behaviour::FailOpen) return fail(Errc::encoder, "encode:" + name_, "open failed (fake)");
    ++stats_.opened;
    open_ = true;
    return {};
  }
  Result<void> receive(std::vector<ffmpeg::EncodedPacket>&) override { return {}; }
  Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) override {
    ++stats_.finished;
    if (!open_) return {};
    if (behaviour_ == Behaviour::FailEncode) return fail(Errc::encoder, "encode:" + name_, "encode failed (fake)");
    if (behaviour_ == Behaviour::Succeed) {
      ffmpeg::EncodedPacket p;
      p.packet.reset(av_packet_alloc());
      p.packet->flags |= AV_PKT_FLAG_KEY;
      out.push_back(std::move(p));
    }
    return {};
  }
  Result<void> request_keyframe() override { return {}; }
  Result<void> set_bitrate(uint32_t) override { return {}; }
  void set_time_origin(int64_t) override {}
  const ffmpeg::StreamInfo* stream_info() const override { return open_ ? &info_ : nullptr; }

 private:
  std::string name_;
  Behaviour behaviour_;
  InputSpec input_;
  Stats& stats_;
  bool open_ = false;
  ffmpeg::StreamInfo info_;
};

struct FakeCatalog {
  std::map<std::string, Stats> stats;
  Catalog catalog;

  // `ten_bit`: the factory takes bit_depth 10 (with the 16-bit layout); else it refuses it.
  void add(const std::string& name, Codec codec, Behaviour b, PixelFormat format = PixelFormat::NV12,
           bool ten_bit = false, bool any_size = false) {
    Stats& s = stats[name];
    const InputSpec input{FrameMemory::Cpu, format};
    catalog.push_back({name, codec, input,
                       [name, b, input, ten_bit, &s](const EncoderConfig& c) -> Result<EncoderPtr> {
                         if (b == Behaviour::FailCreate)
                           return fail(Errc::not_found, "encode:" + name, "not built in (fake)");
                         s.made_sizes.emplace_back(c.width, c.height);
                         if (c.bit_depth == 10 && !ten_bit)
                           return fail(Errc::unsupported, "encode:" + name, "8 bits only (fake)");
                         return EncoderPtr(
                             std::make_unique<FakeEncoder>(name, b, *input_at_depth(input, c.bit_depth), s));
                       },
                       any_size});
  }
};

EncoderConfig config_for(Codec codec) {
  EncoderConfig c;
  c.codec = codec;
  c.width = 64;
  c.height = 32;
  return c;
}

// Captures what the selector logs.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)) {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("auto keeps the first candidate of the codec that really encodes, in catalog order", "[encode][selector]") {
  FakeCatalog f;
  f.add("nv_fails_open", Codec::H264, Behaviour::FailOpen);
  f.add("hevc_ok", Codec::HEVC, Behaviour::Succeed);
  f.add("not_built", Codec::H264, Behaviour::FailCreate);
  f.add("first_frame_fails", Codec::H264, Behaviour::FailEncode);
  f.add("silent", Codec::H264, Behaviour::NoPacket);
  f.add("good", Codec::H264, Behaviour::Succeed, PixelFormat::I420);
  f.add("also_good", Codec::H264, Behaviour::Succeed);

  LogCapture log;
  const auto s = select_encoder(config_for(Codec::H264), "auto", f.catalog);
  REQUIRE(s);
  CHECK(s->encoder == "good");
  CHECK(s->input == InputSpec{FrameMemory::Cpu, PixelFormat::I420});
  CHECK(s->log == std::vector<std::string>{
                      "nv_fails_open rejected: open failed (fake)",
                      "not_built rejected: not built in (fake)",
                      "first_frame_fails rejected: encode failed (fake)",
                      "silent rejected: encoded a frame but produced no packet",
                      "good chosen",
                  });
  // Every line also went to the log, one line per event.
  const std::string text = log.text();
  for (const auto& line : s->log)
    CHECK(text.find("encode: " + line) != std::string::npos);

  CHECK(f.stats["hevc_ok"].created == 0);    // another codec is never tried
  CHECK(f.stats["also_good"].created == 0);  // nothing after the winner is tried
  for (const char* probed : {"nv_fails_open", "first_frame_fails", "silent", "good"}) {
    INFO(probed);
    CHECK(f.stats[probed].created == 1);
    CHECK(f.stats[probed].destroyed == 1);  // probes are freed...
    CHECK(f.stats[probed].finished == 1);   // ...and drained first, even after a failure
  }
  CHECK(f.stats["good"].probe_formats == std::vector<PixelFormat>{PixelFormat::I420});  // fed its own layout

  // The factory makes a fresh encoder that has not opened.
  auto e = s->factory(config_for(Codec::H264));
  REQUIRE(e);
  CHECK((*e)->name() == "good");
  CHECK((*e)->stream_info() == nullptr);
  CHECK(f.stats["good"].opened == 1);  // only the probe opened
}

TEST_CASE("a forced name tries only that candidate", "[encode][selector]") {
  FakeCatalog f;
  f.add("a", Codec::H264, Behaviour::Succeed);
  f.add("b", Codec::H264, Behaviour::Succeed);
  const auto s = select_encoder(config_for(Codec::H264), "b", f.catalog);
  REQUIRE(s);
  CHECK(s->encoder == "b");
  CHECK(s->log == std::vector<std::string>{"b chosen"});
  CHECK(f.stats["a"].created == 0);
}

TEST_CASE("a forced candidate that fails is a named error with its reason", "[encode][selector]") {
  FakeCatalog f;
  f.add("a", Codec::H264, Behaviour::FailOpen);
  f.add("b", Codec::H264, Behaviour::Succeed);
  const auto s = select_encoder(config_for(Codec::H264), "a", f.catalog);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::encoder);
  CHECK(s.error().message == "a rejected: open failed (fake)");
  CHECK(f.stats["b"].created == 0);  // no silent fallback from a forced name
}

TEST_CASE("a forced name of another codec is refused before anything is made", "[encode][selector]") {
  FakeCatalog f;
  f.add("h", Codec::H264, Behaviour::Succeed);
  f.add("x", Codec::HEVC, Behaviour::Succeed);
  const auto s = select_encoder(config_for(Codec::H264), "x", f.catalog);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::invalid_argument);
  CHECK(s.error().message.find("x encodes hevc, not h264") != std::string::npos);
  CHECK(s.error().message.find("h264: h") != std::string::npos);  // says what would work
  CHECK(f.stats["x"].created == 0);
}

TEST_CASE("an unknown forced name is not_found and lists the known ones", "[encode][selector]") {
  FakeCatalog f;
  f.add("h", Codec::H264, Behaviour::Succeed);
  const auto s = select_encoder(config_for(Codec::H264), "nope", f.catalog);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::not_found);
  CHECK(s.error().message.find("'nope'") != std::string::npos);
  CHECK(s.error().message.find("h264: h") != std::string::npos);
}

TEST_CASE("when nothing works the error lists every reason in order", "[encode][selector]") {
  FakeCatalog f;
  f.add("one", Codec::AV1, Behaviour::FailOpen);
  f.add("two", Codec::AV1, Behaviour::NoPacket);
  const auto s = select_encoder(config_for(Codec::AV1), "", f.catalog);  // empty means auto
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::encoder);
  CHECK(s.error().message ==
        "no working av1 encoder: one rejected: open failed (fake); two rejected: encoded a frame but produced no "
        "packet");
  const auto none = select_encoder(config_for(Codec::HEVC), "auto", f.catalog);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
}

TEST_CASE("an injected probe frame source is used for the probe", "[encode][selector]") {
  FakeCatalog f;
  f.add("gpu", Codec::H264, Behaviour::Succeed);
  int calls = 0;
  ProbeFrameSource source = [&](const EncoderConfig& c, const InputSpec& in) -> Result<DeviceFrame> {
    ++calls;
    DeviceFrame frame;
    frame.width = c.width;
    frame.height = c.height;
    frame.format = PixelFormat::BGRx;  // proves this frame, not the default one, reached submit()
    frame.memory = in.memory;
    return frame;
  };
  const auto s = select_encoder(config_for(Codec::H264), "auto", f.catalog, source);
  REQUIRE(s);
  CHECK(calls == 1);
  CHECK(f.stats["gpu"].probe_formats == std::vector<PixelFormat>{PixelFormat::BGRx});
}

TEST_CASE("10 bits: candidates that cannot are skipped, auto proves the choice at 10 bits too", "[encode][selector]") {
  FakeCatalog f;
  f.add("eight_only", Codec::HEVC, Behaviour::Succeed, PixelFormat::NV12);
  f.add("ten_ok", Codec::HEVC, Behaviour::Succeed, PixelFormat::I420, true);
  LogCapture log;
  auto config = config_for(Codec::HEVC);
  config.bit_depth = 10;
  const auto ten = select_encoder(config, "auto", f.catalog);
  REQUIRE(ten);
  CHECK(ten->encoder == "ten_ok");
  CHECK(ten->input == InputSpec{FrameMemory::Cpu, PixelFormat::I010});
  CHECK(ten->input10 == ten->input);
  CHECK(ten->log.front() == "eight_only rejected: 8 bits only (fake)");
  CHECK(f.stats["ten_ok"].probe_formats.back() == PixelFormat::I010);

  // Auto: chosen at 8 bits, then proved at 10: the first frame may take either.
  const auto eight = select_encoder(config_for(Codec::HEVC), "auto", f.catalog, {}, true);
  REQUIRE(eight);
  CHECK(eight->encoder == "eight_only");
  CHECK(eight->input == InputSpec{FrameMemory::Cpu, PixelFormat::NV12});
  CHECK_FALSE(eight->input10);
  CHECK(eight->log.back() == "eight_only at 10 bits rejected: 8 bits only (fake)");
  const auto forced = select_encoder(config_for(Codec::HEVC), "ten_ok", f.catalog, {}, true);
  REQUIRE(forced);
  CHECK(forced->input == InputSpec{FrameMemory::Cpu, PixelFormat::I420});
  CHECK(forced->input10 == InputSpec{FrameMemory::Cpu, PixelFormat::I010});
  CHECK(forced->log.back() == "ten_ok takes 10 bits");
  // Every probe was drained and freed, at either depth.
  for (const auto& [name, st] : f.stats)
    CHECK(st.created == st.destroyed);
}

TEST_CASE("the layouts at 10 bits: NV12 becomes P010, I420 becomes I010, always in host memory", "[encode]") {
  CHECK(input_at_depth({FrameMemory::Cuda, PixelFormat::NV12}, 10) == InputSpec{FrameMemory::Cpu, PixelFormat::P010});
  CHECK(input_at_depth({FrameMemory::Cpu, PixelFormat::I420}, 10) == InputSpec{FrameMemory::Cpu, PixelFormat::I010});
  CHECK(input_at_depth({FrameMemory::Cuda, PixelFormat::NV12}, 8) == InputSpec{FrameMemory::Cuda, PixelFormat::NV12});
  CHECK_FALSE(input_at_depth({FrameMemory::Cuda, PixelFormat::BGRx}, 10));
  CHECK(bit_depth_from_string("10") == BitDepth::Ten);
  CHECK(bit_depth_from_string("auto") == BitDepth::Auto);
  CHECK_FALSE(bit_depth_from_string("12"));
  CHECK(to_string(BitDepth::Eight) == "8");
}

TEST_CASE("a software encoder is proved small, a hardware one at the size asked for", "[encode][selector]") {
  FakeCatalog fc;
  fc.add("hw", Codec::H264, Behaviour::FailEncode);
  fc.add("sw", Codec::H264, Behaviour::Succeed, PixelFormat::NV12, false, true);
  EncoderConfig config = config_for(Codec::H264);
  config.width = 1920;
  config.height = 1080;
  auto s = select_encoder(config, "auto", fc.catalog);
  REQUIRE(s);
  CHECK(s->encoder == "sw");
  using Size = std::pair<uint32_t, uint32_t>;
  CHECK(fc.stats["hw"].made_sizes == std::vector<Size>{{1920, 1080}});
  CHECK(fc.stats["hw"].frame_sizes == std::vector<Size>{{1920, 1080}});
  CHECK(fc.stats["sw"].made_sizes == std::vector<Size>{{kProbeWidth, kProbeHeight}});
  CHECK(fc.stats["sw"].frame_sizes == std::vector<Size>{{kProbeWidth, kProbeHeight}});
  // The encoder the session makes from the selection opens at the real size.
  config.width = 1280;
  config.height = 720;
  REQUIRE(s->factory(config));
  CHECK(fc.stats["sw"].made_sizes.back() == Size{1280, 720});

  // Smaller than the probe size: proved at its own size, not scaled up.
  config.width = 320;
  config.height = 180;
  REQUIRE(select_encoder(config, "sw", fc.catalog));
  CHECK(fc.stats["sw"].made_sizes.back() == Size{320, 180});
}
