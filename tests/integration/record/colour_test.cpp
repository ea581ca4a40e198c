// Colour as a viewer sees it: `zerocast record` from a real PipeWire, the file decoded by FFmpeg
// and turned back into RGB by swscale honouring the file's own tags (support/colour_check.hpp),
// and the test source's bars (or a GStreamer producer's colour) compared with what was painted.
// Tags are read from the stream's parameters (what ffprobe shows), from the container's own
// colour boxes (mkv Colour, mp4 colr), and, for MPEG-TS, from the bitstream alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "capture/graph/source.hpp"
#include "find_node.hpp"
#include "record_support.hpp"
#include "support/colour_check.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;
using zc::test::errors_first;
using zc::test::find_node;
using zc::test::RgbPicture;
using zc::test::zerocast;

namespace {

struct Recorded {
  zc::test::DecodeResult decode;
  double worst = 0;  // the worst bar over every frame, by the file's tags
  std::string worst_at;
  double worst_forced = 0;  // the same, decoded with the other matrix (a player ignoring the tags)
  int max_luma = 0;
};

// Decodes `path`, checking the bars on the row in the middle of each frame; `other` is the matrix a
// tag-ignoring player would use instead.
Recorded check_file(const std::string& path, AVColorSpace other) {
  Recorded r;
  r.decode = zc::test::decode_file(path, [&](const AVFrame& f) {
    const auto y = static_cast<uint32_t>(f.height / 2);
    const auto bars = zc::test::check_bars(RgbPicture(f), y);
    if (bars.worst >= r.worst) {
      r.worst = bars.worst;
      r.worst_at = bars.worst_at;
    }
    r.worst_forced = std::max(r.worst_forced, zc::test::check_bars(RgbPicture(f, other), y).worst);
    if (f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_NV12) {
      for (int row = 0; row < f.height; row += 4) {
        const uint8_t* line = f.data[0] + static_cast<size_t>(row) * static_cast<size_t>(f.linesize[0]);
        r.max_luma = std::max<int>(r.max_luma, *std::max_element(line, line + f.width));
      }
    }
  });
  return r;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The container's own colour box: mp4's `colr` of type nclx (primaries, transfer, matrix, each 16
// bits, then the full-range bit), mkv's MatrixCoefficients element (0x55B1, one byte of value).
struct ContainerTags {
  bool found = false;
  int primaries = -1, transfer = -1, matrix = -1, full = -1;
};

ContainerTags container_tags(const std::string& path) {
  const std::string bytes = file_bytes(path);
  ContainerTags t;
  auto u8 = [&](size_t at) { return static_cast<int>(static_cast<uint8_t>(bytes[at])); };
  if (path.ends_with(".mp4")) {
    const size_t at = bytes.find("colrnclx");
    if (at == std::string::npos || at + 15 > bytes.size()) return t;
    t.found = true;
    t.primaries = u8(at + 8) << 8 | u8(at + 9);
    t.transfer = u8(at + 10) << 8 | u8(at + 11);
    t.matrix = u8(at + 12) << 8 | u8(at + 13);
    t.full = u8(at + 14) >> 7;
  } else if (path.ends_with(".mkv")) {
    // Colour's children: 0x55B1 MatrixCoefficients, 0x55B9 Range (1 limited, 2 full), 0x55BA
    // TransferCharacteristics, 0x55BB Primaries; each with a one-byte size 0x81 and a one-byte value.
    auto element = [&](char id2) {
      const std::string key{'\x55', id2, '\x81'};
      const size_t at = bytes.find(key);
      return at == std::string::npos || at + 3 >= bytes.size() ? -1 : u8(at + 3);
    };
    t.matrix = element('\xB1');
    t.full = element('\xB9') == 2 ? 1 : element('\xB9') == 1 ? 0 : -1;
    t.transfer = element('\xBA');
    t.primaries = element('\xBB');
    t.found = t.matrix >= 0;
  }
  return t;
}

}  // namespace

TEST_CASE("colour: screens at 720p are BT.709 and at 480p BT.601 in every codec and container, bars within 3",
          "[record][colour]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-colour");
  struct Case {
    std::string size;
    AVColorSpace matrix, other;
  };
  for (const Case& c : {Case{"1280x720", AVCOL_SPC_BT709, AVCOL_SPC_SMPTE170M},
                        Case{"640x480", AVCOL_SPC_SMPTE170M, AVCOL_SPC_BT709}}) {
    for (const std::string codec : {"h264", "hevc", "av1"}) {
      for (const std::string container : {"mkv", "mp4", "ts"}) {
        if (codec == "av1" && container == "ts") continue;  // no AV1 in MPEG-TS in this FFmpeg
        // 480p: one codec in each container is enough to show the size rule.
        if (c.size == "640x480" && codec != "h264") continue;
        INFO(c.size << " " << codec << " in " << container);
        const auto out = dir + "/" + c.size + "-" + codec + "." + container;
        auto r = zerocast({"record", "--source", "test", "--test-size", c.size, "--frames", "6", "--codec", codec,
                           "--bitrate", "20000", "-o", out},
                          60s);
        INFO(errors_first(r.output));
        REQUIRE(r.status == 0);
        const Recorded rec = check_file(out, c.other);
        REQUIRE(rec.decode.ok);
        CHECK(rec.decode.frames.size() == 6);
        // What ffprobe shows (the container's or the bitstream's).
        CHECK(rec.decode.color_space == c.matrix);
        CHECK(rec.decode.color_range == AVCOL_RANGE_MPEG);
        CHECK(rec.decode.color_primaries == AVCOL_PRI_BT709);
        CHECK(rec.decode.color_trc == AVCOL_TRC_IEC61966_2_1);
        INFO("worst " << rec.worst_at);
        CHECK(rec.worst <= 3.0);
        // A player that ignored the tags would be off by far more than the bound: the check can fail.
        CHECK(rec.worst_forced > 6.0);
        CHECK(rec.max_luma <= 242);  // limited range (235, and the encoder's ringing at the white cells' edges)
        if (container != "ts") {
          const ContainerTags t = container_tags(out);
          CHECK(t.found);
          CHECK(t.matrix == static_cast<int>(c.matrix));
          CHECK(t.primaries == AVCOL_PRI_BT709);
          CHECK(t.transfer == AVCOL_TRC_IEC61966_2_1);
          CHECK(t.full == 0);
        }
      }
    }
  }
}

TEST_CASE("colour: --color-range full and --color-matrix are converted and tagged so, scaled and 10-bit too",
          "[record][colour]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-colour-opts");
  struct Case {
    std::vector<std::string> args;
    AVColorSpace matrix, other;
    AVColorRange range;
  };
  const std::vector<Case> cases{
      {{"--test-size", "1280x720", "--color-range", "full"}, AVCOL_SPC_BT709, AVCOL_SPC_SMPTE170M, AVCOL_RANGE_JPEG},
      {{"--test-size", "1280x720", "--color-matrix", "bt601"}, AVCOL_SPC_SMPTE170M, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG},
      {{"--test-size", "640x480", "--color-matrix", "bt709", "--color-range", "full"},
       AVCOL_SPC_BT709,
       AVCOL_SPC_SMPTE170M,
       AVCOL_RANGE_JPEG},
      // Scaled from 1080 to 360 lines: the output's height decides.
      {{"--test-size", "1920x1080", "--scale", "640x360"}, AVCOL_SPC_SMPTE170M, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG},
      // 8-bit widened to 10 bits (HEVC Main 10).
      {{"--test-size", "1280x720", "--codec", "hevc", "--bit-depth", "10"},
       AVCOL_SPC_BT709,
       AVCOL_SPC_SMPTE170M,
       AVCOL_RANGE_MPEG},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args{"record", "--source", "test", "--frames", "6", "--bitrate", "20000"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto out = dir + "/" + std::to_string(n++) + ".mkv";
    args.insert(args.end(), {"-o", out});
    std::string line;
    for (const auto& a : c.args)
      line += a + " ";
    INFO(line);
    auto r = zerocast(args, 60s);
    INFO(errors_first(r.output));
    REQUIRE(r.status == 0);
    const Recorded rec = check_file(out, c.other);
    REQUIRE(rec.decode.ok);
    CHECK(rec.decode.color_space == c.matrix);
    CHECK(rec.decode.color_range == c.range);
    INFO("worst " << rec.worst_at);
    CHECK(rec.worst <= 3.0);
    CHECK(rec.worst_forced > 6.0);
    // Full range reaches white (the number band's white cells); limited stops at 235 (and the
    // encoder's ringing at the cells' edges).
    if (rec.max_luma > 0) CHECK((c.range == AVCOL_RANGE_JPEG ? rec.max_luma >= 250 : rec.max_luma <= 242));
    const ContainerTags t = container_tags(out);
    CHECK(t.full == (c.range == AVCOL_RANGE_JPEG ? 1 : 0));
  }
}

TEST_CASE("colour: GStreamer's NV12 at 720p keeps its colour (BT.709 by its defaults), 4K is tagged BT.2020",
          "[record][colour]") {
  // pipewiresink announces no colorimetry: zerocast assumes what GStreamer means for the size.
  // Before, every YUV source was tagged BT.601 and this colour came out up to 22 levels off.
  // At 4K only the tags are checked: videotestsrc paints NV12 itself with BT.709 whatever its caps
  // say (it knows BT.601 and BT.709 only), and videoconvert in front of pipewiresink 0.3.65 crashes
  // it (gst_buffer_peek_memory on a buffer not from its pool), so no GStreamer 4K source here makes
  // true BT.2020 samples.
  if (!zc::test::have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 is not installed");
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-colour-gst");
  const zc::test::Rgb colour{200, 90, 40};
  struct Case {
    int width, height;
    AVColorSpace matrix;
    AVColorPrimaries primaries;
    bool check_colour;
  };
  for (const Case& c : {Case{1280, 720, AVCOL_SPC_BT709, AVCOL_PRI_BT709, true},
                        Case{3840, 2160, AVCOL_SPC_BT2020_NCL, AVCOL_PRI_BT2020, false}}) {
    INFO(c.width << "x" << c.height);
    const std::string name = "zc-gst-colour-" + std::to_string(c.height);
    zc::test::Process gst({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=60", "pattern=solid-color",
                           "foreground-color=0xffc85a28", "!",
                           "video/x-raw,format=NV12,width=" + std::to_string(c.width) +
                               ",height=" + std::to_string(c.height) + ",framerate=10/1",
                           "!", "pipewiresink",
                           "stream-properties=props,node.name=(string)" + name +
                               ",node.autoconnect=(boolean)false,node.latency=(string)800/48000"});
    const auto target = find_node(name, 10s);
    INFO(gst.output());
    REQUIRE(target);
    const auto out = dir + "/" + std::to_string(c.height) + ".mkv";
    auto r = zerocast({"record", "--source", "serial:" + std::to_string(target->serial), "--frames", "5", "--bitrate",
                       "20000", "-o", out},
                      60s);
    INFO(errors_first(r.output));
    REQUIRE(r.status == 0);
    CHECK(r.output.find("announced no") != std::string::npos);  // the log says what was assumed
    double worst = 0;
    zc::test::Rgb worst_got;
    const auto d = zc::test::decode_file(out, [&](const AVFrame& f) {
      const RgbPicture pic(f);
      const zc::test::Rgb got = pic.mean(static_cast<uint32_t>(f.width / 2), static_cast<uint32_t>(f.height / 2));
      if (zc::test::colour_distance(colour, got) >= worst) {
        worst = zc::test::colour_distance(colour, got);
        worst_got = got;
      }
    });
    REQUIRE(d.ok);
    CHECK(d.color_space == c.matrix);
    CHECK(d.color_primaries == c.primaries);
    INFO("worst " << zc::test::colour_text(worst_got));
    if (c.check_colour) CHECK(worst <= 3.0);
    gst.stop();
  }
}

TEST_CASE("colour: an HDR screen (10-bit RGB announcing PQ or HLG) is converted with BT.2020 and tagged HDR",
          "[record][colour][10bit]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-colour-hdr");
  struct Case {
    std::string hdr, codec;
    AVColorTransferCharacteristic transfer;
  };
  for (const Case& c : {Case{"pq", "hevc", AVCOL_TRC_SMPTE2084}, Case{"hlg", "av1", AVCOL_TRC_ARIB_STD_B67},
                        Case{"pq", "h264", AVCOL_TRC_SMPTE2084}}) {
    INFO(c.hdr << " " << c.codec);
    auto source = zc::test::start_zerocast(
        {"test-source", "--size", "1280x720", "--fps", "30", "--format", "xRGB_210LE", "--hdr", c.hdr});
    const auto serial = zc::test::wait_for_serial(source, 10s);
    INFO(source.output());
    REQUIRE(serial);
    const auto out = dir + "/" + c.hdr + "-" + c.codec + ".mkv";
    auto r = zerocast({"record", "--source", "serial:" + std::to_string(*serial), "--frames", "6", "--codec", c.codec,
                       "--bitrate", "20000", "-o", out},
                      60s);
    INFO(errors_first(r.output));
    REQUIRE(r.status == 0);
    const Recorded rec = check_file(out, AVCOL_SPC_BT709);
    REQUIRE(rec.decode.ok);
    CHECK(rec.decode.color_space == AVCOL_SPC_BT2020_NCL);
    CHECK(rec.decode.color_primaries == AVCOL_PRI_BT2020);
    CHECK(rec.decode.color_trc == c.transfer);
    INFO("worst " << rec.worst_at);
    CHECK(rec.worst <= 3.0);  // the pattern's R'G'B' back, by BT.2020's matrix
    CHECK(rec.worst_forced > 6.0);
    // H.264 has no 10 bits here: the HDR tags stay, and the log says what that costs.
    CHECK((r.output.find("encoded at 8 bits keeps its HDR tags") != std::string::npos) == (c.codec == "h264"));
    source.stop();
  }
}

namespace {

// What --mastering-display and --content-light below ask for, as FFmpeg reads it back.
void check_hdr10(const zc::test::Hdr10Seen& seen) {
  CHECK(seen.display);
  CHECK(seen.red_x == Approx(0.68).margin(1e-4));
  CHECK(seen.red_y == Approx(0.32).margin(1e-4));
  CHECK(seen.green_x == Approx(0.265).margin(1e-4));
  CHECK(seen.green_y == Approx(0.69).margin(1e-4));
  CHECK(seen.blue_x == Approx(0.15).margin(1e-4));
  CHECK(seen.blue_y == Approx(0.06).margin(1e-4));
  CHECK(seen.white_x == Approx(0.3127).margin(1e-4));
  CHECK(seen.white_y == Approx(0.329).margin(1e-4));
  CHECK(seen.max_luminance == Approx(1000).margin(0.5));
  CHECK(seen.min_luminance == Approx(0.0001).margin(5e-5));
  CHECK(seen.light);
  CHECK(seen.max_cll == 1000);
  CHECK(seen.max_fall == 400);
}

}  // namespace

TEST_CASE("colour: HDR10 metadata given by the user goes into the bitstream and every container, and SDR leaves it out",
          "[record][colour][10bit]") {
  zc::test::PipeWireDaemon pw;
  const auto dir = zc::test::make_temp_dir("zc-colour-hdr10");
  const std::vector<std::string> metadata{"--mastering-display",
                                          "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)",
                                          "--content-light", "1000,400"};
  auto source = zc::test::start_zerocast(
      {"test-source", "--size", "640x360", "--fps", "30", "--format", "xRGB_210LE", "--hdr", "pq"});
  const auto serial = zc::test::wait_for_serial(source, 10s);
  INFO(source.output());
  REQUIRE(serial);
  struct Case {
    std::string codec;
    std::vector<std::string> containers;
  };
  for (const Case& c : {Case{"hevc", {"mkv", "mp4", "ts"}}, Case{"av1", {"mkv", "mp4"}}}) {
    INFO(c.codec);
    std::vector<std::string> args{"record",  "--source", "serial:" + std::to_string(*serial), "--frames", "4",
                                  "--codec", c.codec};
    args.insert(args.end(), metadata.begin(), metadata.end());
    for (const auto& ext : c.containers)
      args.insert(args.end(), {"-o", dir + "/" + c.codec + "." + ext});
    auto r = zerocast(args, 60s);
    INFO(errors_first(r.output));
    REQUIRE(r.status == 0);
    CHECK(r.output.find("HDR metadata: mastering display G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)"
                        "L(10000000,1), content light 1000,400") != std::string::npos);
    for (const auto& ext : c.containers) {
      INFO(ext);
      const auto d = zc::test::decode_file(dir + "/" + c.codec + "." + ext);
      REQUIRE(d.ok);
      CHECK(d.color_trc == AVCOL_TRC_SMPTE2084);
      {
        INFO("the bitstream's");
        check_hdr10(d.frame_hdr);
      }
      if (ext != "ts") {  // MPEG-TS has no such field of its own: the bitstream's is the one
        INFO("the container's");
        check_hdr10(d.container_hdr);
      }
    }
  }
  source.stop();

  // An SDR stream with the same options: said, and nothing written.
  std::vector<std::string> args{"record",  "--source", "test", "--frames",      "3",
                                "--codec", "hevc",     "-o",   dir + "/sdr.mkv"};
  args.insert(args.end(), metadata.begin(), metadata.end());
  auto r = zerocast(args, 60s);
  INFO(errors_first(r.output));
  REQUIRE(r.status == 0);
  CHECK(r.output.find("the stream is SDR: its mastering display and content light (HDR10's) are left out") !=
        std::string::npos);
  const auto d = zc::test::decode_file(dir + "/sdr.mkv");
  REQUIRE(d.ok);
  CHECK_FALSE(d.frame_hdr.display);
  CHECK_FALSE(d.frame_hdr.light);
  CHECK_FALSE(d.container_hdr.display);
  CHECK_FALSE(d.container_hdr.light);
}
