// app:NAME's pure logic: which streams match, which channel goes into which of our ports, and the
// links planned from a registry's ports.
#include <catch2/catch.hpp>

#include "capture/audio/audio_source.hpp"
#include "capture/graph/app_match.hpp"

using namespace zc;
using namespace zc::capture;

TEST_CASE("app_matches: exact and case-insensitive, on the application name or the binary", "[capture][app]") {
  const AppIdentity firefox{"Firefox", "firefox-esr"};
  CHECK(app_matches("firefox", firefox));
  CHECK(app_matches("FIREFOX", firefox));
  CHECK(app_matches("Firefox-ESR", firefox));
  CHECK_FALSE(app_matches("fire", firefox));  // no substrings
  CHECK_FALSE(app_matches("firefox-esr-beta", firefox));
  CHECK_FALSE(app_matches("", firefox));
  CHECK_FALSE(app_matches("", AppIdentity{}));
  CHECK_FALSE(app_matches("x", AppIdentity{}));
  CHECK(app_matches("mpv", AppIdentity{"", "mpv"}));
  CHECK(app_matches("Music Player", AppIdentity{"music player", ""}));
  CHECK_FALSE(app_matches("Music", AppIdentity{"Music Player", ""}));
}

TEST_CASE("app_identity: the node's own properties first, its client's where the node has none", "[capture][app]") {
  // pw-play / GStreamer: application.name on the node, the binary only on the client.
  AppIdentity id = app_identity({"ToneA", ""}, {"pw-play", "pw-play"});
  CHECK(id.name == "ToneA");
  CHECK(id.binary == "pw-play");
  // pipewire-pulse: both on the node; the client is pipewire-pulse and must not stand in.
  id = app_identity({"Firefox", "firefox"}, {"pipewire-pulse", "pipewire-pulse"});
  CHECK(id.name == "Firefox");
  CHECK(id.binary == "firefox");
  id = app_identity({}, {"gst-launch-1.0", "gst-launch-1.0"});
  CHECK(id.name == "gst-launch-1.0");
}

TEST_CASE("channel_feeds: same channel, mono and centre to both sides, sides by side", "[capture][app]") {
  CHECK(channel_feeds("FL", "FL"));
  CHECK(channel_feeds("FR", "FR"));
  CHECK_FALSE(channel_feeds("FL", "FR"));
  CHECK_FALSE(channel_feeds("FR", "FL"));
  CHECK(channel_feeds("MONO", "FL"));
  CHECK(channel_feeds("MONO", "FR"));
  CHECK(channel_feeds("FC", "FL"));
  CHECK(channel_feeds("FC", "FR"));
  CHECK(channel_feeds("RL", "FL"));
  CHECK(channel_feeds("SL", "FL"));
  CHECK_FALSE(channel_feeds("RL", "FR"));
  CHECK(channel_feeds("RR", "FR"));
  CHECK_FALSE(channel_feeds("LFE", "FL"));
  CHECK_FALSE(channel_feeds("AUX0", "FR"));
  CHECK(channel_feeds("AUX0", "AUX0"));
  // Into a mono capture everything but LFE goes.
  CHECK(channel_feeds("FL", "MONO"));
  CHECK(channel_feeds("FR", "MONO"));
  CHECK(channel_feeds("MONO", "MONO"));
  CHECK_FALSE(channel_feeds("LFE", "MONO"));
  CHECK_FALSE(channel_feeds("", "FL"));
  CHECK_FALSE(channel_feeds("FL", ""));
}

TEST_CASE("plan_links: every app output port into our input port of its channel", "[capture][app]") {
  constexpr uint32_t own = 50;
  std::vector<PortInfo> ports{
      // ours: input FL/FR (and monitor outputs, which are never linked)
      {51, own, false, false, "FL"},
      {52, own, false, false, "FR"},
      {53, own, true, true, "FL"},
      // a stereo app (node 40), with a monitor port that must be left alone
      {41, 40, true, false, "FL"},
      {42, 40, true, false, "FR"},
      {43, 40, true, true, "FL"},
      // a mono app (node 60)
      {61, 60, true, false, "MONO"},
      // a stream that does not match (node 70)
      {71, 70, true, false, "FL"},
      // the sink's inputs (node 30): not ours
      {31, 30, false, false, "FL"},
  };
  const auto links = plan_links(ports, {40, 60}, own);
  const std::set<LinkPair> want{
      {40, 41, own, 51},
      {40, 42, own, 52},
      {60, 61, own, 51},
      {60, 61, own, 52},
  };
  CHECK(links == want);
  CHECK(plan_links(ports, {}, own).empty());
  CHECK(plan_links(ports, {40}, 0).empty());  // our node has no id yet
  CHECK(plan_links(ports, {own}, own).empty());
}

TEST_CASE("app:NAME: a target without a lookup, found or not", "[capture][app]") {
  auto spec = parse_audio_source("app:Firefox");
  REQUIRE(spec);
  CHECK(spec->kind == AudioSourceSpec::Kind::app);
  auto target = find_audio_target(*spec, {});
  REQUIRE(target);
  CHECK(target->app == "Firefox");
  CHECK(target->target_object.empty());
  CHECK_FALSE(target->capture_sink);
  CHECK(target->played);  // what an application plays starts at its cycle
  CHECK(target->description.find("Firefox") != std::string::npos);
  CHECK_FALSE(parse_audio_source("app:"));
}

TEST_CASE("audio targets: what is played and what is captured", "[capture][app]") {
  const std::vector<NodeInfo> nodes{{40, 400, "speakers", "", "Audio/Sink", ""},
                                    {41, 401, "mic", "", "Audio/Source", ""},
                                    {42, 402, "player", "", "Stream/Output/Audio", ""},
                                    {43, 403, "recorder", "", "Stream/Input/Audio", ""}};
  auto played = [&](const std::string& text) {
    auto spec = parse_audio_source(text);
    REQUIRE(spec);
    auto target = find_audio_target(*spec, nodes);
    REQUIRE(target);
    return target->played;
  };
  CHECK(played("output"));       // the default sink's monitor
  CHECK_FALSE(played("input"));  // the default source
  CHECK(played("node:40"));      // a sink's monitor
  CHECK_FALSE(played("node:41"));
  CHECK(played("serial:402"));  // an application's playback stream by node: stamped like app:NAME
  CHECK_FALSE(played("node:43"));
}
