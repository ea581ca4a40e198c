#include <catch2/catch.hpp>

#include "capture/graph/source.hpp"
#include "capture/portal/portal_token.hpp"

using namespace zc;
using namespace zc::capture;
using Kind = SourceSpec::Kind;

namespace {

SourceSpec parsed(const char* text) {
  auto r = parse_source(text);
  INFO(text);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("parse_source: every accepted form") {
  CHECK(parsed("node:42") == SourceSpec{Kind::node, 42});
  CHECK(parsed("serial:123456789012") == SourceSpec{Kind::serial, 123456789012ULL});
  CHECK(parsed("gamescope") == SourceSpec{Kind::gamescope, 0});
  CHECK(parsed("portal") == SourceSpec{Kind::portal, kPortalMonitor});
  CHECK(parsed("portal:window") == SourceSpec{Kind::portal, kPortalWindow});
  CHECK(parsed("portal:monitor+window+virtual") ==
        SourceSpec{Kind::portal, kPortalMonitor | kPortalWindow | kPortalVirtual});
  CHECK(parsed("test") == SourceSpec{Kind::test, 0});
}

TEST_CASE("parse_source: malformed input is refused with the accepted forms") {
  for (const char* bad : {"node:", "node:abc", "node:12x", "node:-1", "serial:", "node:99999999999", "nodes:1", "",
                          "Gamescope", "window", "portal:", "portal:screen", "portal:monitor+", "portal:+window"}) {
    INFO(bad);
    auto r = parse_source(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_argument);
  }
  CHECK(parse_source("window").error().message.find(
            "node:ID, serial:N, gamescope, portal[:monitor|window|virtual, joined by '+'] or test") !=
        std::string::npos);
}

namespace {

std::vector<NodeInfo> sample_nodes() {
  return {
      {28, 28, "Dummy-Driver", "", "", ""},
      {40, 51, "alsa_output.pci", "Speakers", "Audio/Sink", ""},
      {57, 312, "gamescope", "", "Video/Source", ""},
      {60, 320, "zc-gst", "", "Stream/Output/Video", ""},
  };
}

}  // namespace

TEST_CASE("find_source: node id, serial and gamescope resolve to serial and id") {
  const auto nodes = sample_nodes();
  auto by_id = find_source({Kind::node, 60}, nodes);
  REQUIRE(by_id);
  CHECK(by_id->serial == 320);
  CHECK(by_id->node_id == 60);
  CHECK(by_id->name == "zc-gst");
  auto by_serial = find_source({Kind::serial, 312}, nodes);
  REQUIRE(by_serial);
  CHECK(by_serial->node_id == 57);
  auto gamescope = find_source({Kind::gamescope, 0}, nodes);
  REQUIRE(gamescope);
  CHECK(gamescope->serial == 312);
}

TEST_CASE("find_source: clear errors that list the video sources") {
  const auto nodes = sample_nodes();
  auto missing = find_source({Kind::node, 42}, nodes);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message ==
        "node 42 not found; video sources: 57 gamescope (serial 312, Video/Source), 60 zc-gst (serial 320, "
        "Stream/Output/Video)");

  auto audio = find_source({Kind::node, 40}, nodes);
  REQUIRE_FALSE(audio);
  CHECK(audio.error().code == Errc::invalid_argument);
  CHECK(audio.error().message.find("not a video source (media.class 'Audio/Sink')") != std::string::npos);

  auto no_gamescope = find_source({Kind::gamescope, 0}, {});
  REQUIRE_FALSE(no_gamescope);
  CHECK(no_gamescope.error().code == Errc::not_found);
  CHECK(no_gamescope.error().message.find("video sources: none") != std::string::npos);

  auto portal = find_source({Kind::portal, 0}, nodes);
  REQUIRE_FALSE(portal);
  CHECK(portal.error().code == Errc::unsupported);
  CHECK(portal.error().message.find("ScreenCast portal") != std::string::npos);

  auto test = find_source({Kind::test, 0}, nodes);
  REQUIRE_FALSE(test);
  CHECK(test.error().code == Errc::invalid_argument);
}

TEST_CASE("is_video_source: producers of video only") {
  CHECK(is_video_source({1, 1, "x", "", "Video/Source", ""}));
  CHECK(is_video_source({1, 1, "x", "", "Video/Source/Virtual", ""}));
  CHECK(is_video_source({1, 1, "x", "", "Stream/Output/Video", ""}));
  CHECK_FALSE(is_video_source({1, 1, "x", "", "Stream/Input/Video", ""}));
  CHECK_FALSE(is_video_source({1, 1, "x", "", "Audio/Source", ""}));
  CHECK_FALSE(is_video_source({1, 1, "x", "", "", ""}));
}

TEST_CASE("a source spec goes back to the text it was parsed from", "[source]") {
  for (const char* text :
       {"test", "gamescope", "node:57", "serial:312", "portal", "portal:window", "portal:monitor+window+virtual"}) {
    auto spec = parse_source(text);
    REQUIRE(spec);
    CHECK(to_string(*spec) == text);
    CHECK(*parse_source(to_string(*spec)) == *spec);
  }
}
