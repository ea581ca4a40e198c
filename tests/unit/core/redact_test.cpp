#include <catch2/catch.hpp>

#include "core/log.hpp"
#include "core/redact.hpp"

using zc::redact_url;

TEST_CASE("paths and URLs without credentials are unchanged", "[redact]") {
  CHECK(redact_url("/tmp/out.mkv") == "/tmp/out.mkv");
  CHECK(redact_url("udp://239.0.0.1:5000?pkt_size=1316") == "udp://239.0.0.1:5000?pkt_size=1316");
  CHECK(redact_url("srt://host:9000?mode=caller&latency=200") == "srt://host:9000?mode=caller&latency=200");
}

TEST_CASE("user:password is hidden", "[redact]") {
  CHECK(redact_url("rtmp://bob:hunter22@host/live") == "rtmp://***@host/live");
  CHECK(redact_url("tcp://u:p4ss@10.0.0.1:9000") == "tcp://***@10.0.0.1:9000");
}

TEST_CASE("RTMP stream keys are hidden", "[redact]") {
  CHECK(redact_url("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl") == "rtmp://a.rtmp.youtube.com/live2/***");
  CHECK(redact_url("rtmps://live.twitch.tv:443/app/live_123_secret") == "rtmps://live.twitch.tv:443/app/***");
  CHECK(redact_url("rtmp://host/app") == "rtmp://host/app");
}

TEST_CASE("SRT passphrases and stream ids are hidden", "[redact]") {
  CHECK(redact_url("srt://host:9000?passphrase=verysecret1&latency=120") ==
        "srt://host:9000?passphrase=***&latency=120");
  CHECK(redact_url("srt://h:1?streamid=publish:live/key&pbkeylen=16") == "srt://h:1?streamid=***&pbkeylen=16");
}

TEST_CASE("url_secrets lists what redact_url hides", "[redact]") {
  auto s = zc::url_secrets("rtmp://bob:hunter22@host/live/streamkey99");
  CHECK(std::find(s.begin(), s.end(), "hunter22") != s.end());
  CHECK(std::find(s.begin(), s.end(), "streamkey99") != s.end());
}

TEST_CASE("the logger scrubs registered secrets", "[redact]") {
  zc::log::add_url_secrets("srt://host:9000?passphrase=topsecretphrase");
  CHECK(zc::log::scrub("connect failed: srt://host:9000?passphrase=topsecretphrase") ==
        "connect failed: srt://host:9000?passphrase=***");
}
