#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

extern "C" {
#include <libavformat/avformat.h>
}

#include "core/log.hpp"
#include "output/format_sink.hpp"
#include "output/open_sink.hpp"
#include "output/target.hpp"

using namespace zc;
using namespace zc::output;

TEST_CASE("paths pick their container from the extension", "[output][target]") {
  struct Case {
    const char* spec;
    Container container;
  };
  for (const Case& c : {Case{"rec.mkv", Container::matroska}, Case{"/tmp/a b/rec.MP4", Container::mp4},
                        Case{"./x.ts", Container::mpegts}, Case{"dir.with.dots/rec.mkv", Container::matroska}}) {
    auto t = parse_target(c.spec);
    INFO(c.spec);
    REQUIRE(t);
    CHECK(t->transport == Transport::file);
    CHECK_FALSE(t->network());
    CHECK(t->container == c.container);
    CHECK(t->location == c.spec);
  }
}

TEST_CASE("unknown extensions and schemes are refused by name", "[output][target]") {
  for (const char* spec : {"rec.avi", "rec", "rec.mkv.part", ""}) {
    auto t = parse_target(spec);
    INFO(spec);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::invalid_argument);
    CHECK(t.error().stage == "output");
  }
  CHECK_THAT(parse_target("rec.avi").error().message, Catch::Contains("unknown file extension '.avi'"));
  auto http = parse_target("http://user:hunter22@example.com/live");
  REQUIRE_FALSE(http);
  CHECK_THAT(http.error().message, Catch::Contains("unsupported URL scheme 'http'"));
  CHECK_THAT(http.error().message, !Catch::Contains("hunter22"));
  CHECK_FALSE(parse_target("srt://"));
  CHECK_FALSE(parse_target("udp:///path"));
}

TEST_CASE("URLs pick transport and container from the scheme", "[output][target]") {
  struct Case {
    const char* spec;
    Transport transport;
    Container container;
  };
  for (const Case& c : {Case{"srt://10.0.0.1:9000?mode=caller", Transport::srt, Container::mpegts},
                        Case{"udp://239.0.0.1:1234", Transport::udp, Container::mpegts},
                        Case{"TCP://host:5000", Transport::tcp, Container::mpegts},
                        Case{"rtp://127.0.0.1:5004", Transport::rtp, Container::rtp_mpegts},
                        Case{"rtmp://live.example.com/app/key", Transport::rtmp, Container::flv},
                        Case{"rtmps://live.example.com:443/app/key", Transport::rtmps, Container::flv}}) {
    auto t = parse_target(c.spec);
    INFO(c.spec);
    REQUIRE(t);
    CHECK(t->network());
    CHECK(t->transport == c.transport);
    CHECK(t->container == c.container);
  }
}

TEST_CASE("the compatibility matrix: h264 everywhere, hevc not in FLV, av1 only in mkv and mp4", "[output][target]") {
  // Written out by hand so the table in target.cpp is checked against an independent statement.
  struct Row {
    const char* target;
    bool h264, hevc, av1;
  };
  const Row expected[] = {
      {"a.mkv", true, true, true},
      {"a.mp4", true, true, true},
      {"a.ts", true, true, false},
      {"srt://h:1", true, true, false},
      {"udp://h:1", true, true, false},
      {"rtp://h:1", true, true, false},
      {"tcp://h:1", true, true, false},
      {"rtmp://h/app/k", true, false, false},
      {"rtmps://h/app/k", true, false, false},
  };
  for (const Row& row : expected) {
    INFO(row.target);
    CHECK(check_compatible(AV_CODEC_ID_H264, row.target).has_value() == row.h264);
    CHECK(check_compatible(AV_CODEC_ID_HEVC, row.target).has_value() == row.hevc);
    CHECK(check_compatible(AV_CODEC_ID_AV1, row.target).has_value() == row.av1);
  }
  const auto table = compatibility_table();
  REQUIRE(table.size() == 9);
  for (const auto& row : table) {
    if (row.target == "rtmp://" || row.target == "rtmps://") {
      CHECK((row.h264 && !row.hevc && !row.av1));
    } else if (row.target == "mkv" || row.target == "mp4") {
      CHECK((row.h264 && row.hevc && row.av1));
    } else {
      CHECK((row.h264 && row.hevc && !row.av1));
    }
  }
}

TEST_CASE("refusals are named, say why, and never show credentials", "[output][target]") {
  auto av1_srt = check_compatible(AV_CODEC_ID_AV1, "srt://relay:9000?passphrase=topsecret99");
  REQUIRE_FALSE(av1_srt);
  CHECK(av1_srt.error().code == Errc::unsupported);
  CHECK_THAT(av1_srt.error().message, Catch::Contains("AV1") && Catch::Contains("MPEG-TS"));
  CHECK_THAT(av1_srt.error().message, !Catch::Contains("topsecret99"));

  auto hevc_rtmp = check_compatible(AV_CODEC_ID_HEVC, "rtmp://live.example.com/app/sk_live_123456");
  REQUIRE_FALSE(hevc_rtmp);
  CHECK(hevc_rtmp.error().code == Errc::unsupported);
  CHECK_THAT(hevc_rtmp.error().message, Catch::Contains("HEVC") && Catch::Contains("FLV"));
  CHECK_THAT(hevc_rtmp.error().message, !Catch::Contains("sk_live_123456"));

  auto vp9 = check_compatible(AV_CODEC_ID_VP9, "a.mkv");
  REQUIRE_FALSE(vp9);
  CHECK(vp9.error().code == Errc::unsupported);
}

TEST_CASE("the table agrees with FFmpeg wherever FFmpeg knows the answer", "[output][target]") {
  // avformat_query_codec: 1 yes, 0 no, <0 the muxer cannot tell (MPEG-TS, RTP).
  for (Container c : {Container::matroska, Container::mp4, Container::mpegts, Container::rtp_mpegts, Container::flv}) {
    const AVOutputFormat* fmt = av_guess_format(muxer_name(c), nullptr, nullptr);
    REQUIRE(fmt);
    for (AVCodecID codec : {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_AV1}) {
      const int ffmpeg = avformat_query_codec(fmt, codec, FF_COMPLIANCE_NORMAL);
      Target t;
      t.container = c;
      const bool ours = check_compatible(codec, t).has_value();
      INFO(muxer_name(c) << " " << avcodec_get_name(codec) << " ffmpeg=" << ffmpeg);
      if (ffmpeg == 0) CHECK_FALSE(ours);
      if (ffmpeg == 1 && !ours) {
        // Allowed only where FFmpeg can write it but nothing plays it back: AV1 in MPEG-TS.
        CHECK((codec == AV_CODEC_ID_AV1 && (c == Container::mpegts || c == Container::rtp_mpegts)));
      }
    }
  }
}

TEST_CASE("describe() and the logger never show URL credentials", "[output][redact]") {
  const char* url = "rtmp://alice:pw-secret-1@live.example.com/app/streamkey-777";
  auto sink = open_sink(url, AV_CODEC_ID_H264);
  REQUIRE(sink);
  const std::string d = (*sink)->describe();
  CHECK_THAT(d, Catch::Contains("live.example.com"));
  CHECK_THAT(d, !Catch::Contains("pw-secret-1"));
  CHECK_THAT(d, !Catch::Contains("streamkey-777"));
  CHECK_THAT(d, !Catch::Contains("alice"));
  // Registered with the logger when the sink was made: FFmpeg's own lines get scrubbed too.
  CHECK(log::scrub("connect to streamkey-777 failed, password pw-secret-1") == "connect to *** failed, password ***");

  FormatSink srt(*parse_target("srt://relay:9000?mode=caller&passphrase=longpassphrase42&streamid=abc123x"));
  CHECK_THAT(srt.describe(), !Catch::Contains("longpassphrase42"));
  CHECK_THAT(srt.describe(), !Catch::Contains("abc123x"));
  CHECK_THAT(srt.describe(), Catch::Contains("mode=caller"));
}

TEST_CASE("open_sink makes a missing folder, refuses one it cannot make and impossible pairs before opening anything",
          "[output][target]") {
  char dir_template[] = "/tmp/zc-open-sink-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  auto made = open_sink(dir + "/a/b/rec.mkv", AV_CODEC_ID_H264);
  CHECK(made);
  CHECK(std::filesystem::is_directory(dir + "/a/b"));
  std::ofstream(dir + "/file") << "not a folder";
  auto under_file = open_sink(dir + "/file/sub/rec.mkv", AV_CODEC_ID_H264);
  REQUIRE_FALSE(under_file);
  CHECK(under_file.error().code == Errc::io);
  CHECK_THAT(under_file.error().message, Catch::Contains("cannot make the folder " + dir + "/file/sub"));
  std::filesystem::remove_all(dir);

  auto av1_ts = open_sink("/tmp/rec.ts", AV_CODEC_ID_AV1);
  REQUIRE_FALSE(av1_ts);
  CHECK(av1_ts.error().code == Errc::unsupported);

  auto several = open_sinks({"/tmp/zc-unit-a.mkv", "rtmp://h/app/k"}, AV_CODEC_ID_HEVC);
  REQUIRE_FALSE(several);
  CHECK(several.error().code == Errc::unsupported);
  CHECK_FALSE(open_sinks({}, AV_CODEC_ID_H264));
}

TEST_CASE("claim_new_file never hands out a name twice, and makes the folder", "[output][target]") {
  char dir_template[] = "/tmp/zc-claim-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = std::string(dir_template) + "/new";
  auto first = claim_new_file(dir, "clip-20261129-041500", ".mkv");
  auto second = claim_new_file(dir, "clip-20261129-041500", ".mkv");
  auto third = claim_new_file(dir, "clip-20261129-041500", ".mkv");
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  CHECK(*first == dir + "/clip-20261129-041500.mkv");
  CHECK(*second == dir + "/clip-20261129-041500-2.mkv");
  CHECK(*third == dir + "/clip-20261129-041500-3.mkv");
  CHECK(std::filesystem::exists(*first));
  CHECK(std::filesystem::exists(*third));
  std::filesystem::remove_all(dir_template);
}
