// Issue 4 §7 for the portal source: a PipeWire restart mid-capture makes the daemon open a new
// portal session with the token the first one stored, and the file goes on. The portal is the
// scripted one (tests/integration/portal/fake_portal.*) on the daemon's private bus; the "screen"
// is the test source in this process, started again after the restart under a new node.
#include <algorithm>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "integration/portal/fake_portal.hpp"
#include "testsrc/test_source.hpp"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<zc::testsrc::TestSource> screen(uint32_t& node_id) {
  zc::testsrc::Options so;
  so.width = 320;
  so.height = 240;
  so.fps = 30;
  auto source = std::make_unique<zc::testsrc::TestSource>(so);
  REQUIRE(source->start());
  auto node = source->wait_for_node(10s);
  REQUIRE(node);
  node_id = node->id;
  return source;
}

}  // namespace

TEST_CASE("a PipeWire restart under a portal capture: a new portal session with the stored token",
          "[daemon][robust][portal]") {
  DaemonHarness d;
  uint32_t node_id = 0;
  auto source = screen(node_id);
  FakePortal::Behaviour b;
  b.node_id = node_id;
  FakePortal portal(b, d.pipewire().runtime_dir() + "/pipewire-0");
  SignalRecorder signals;

  REQUIRE(d.ctl({"start", "--source", "portal", "-o", "main.mkv"}).status == 0);
  const bool streaming = d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [](auto& v) { return std::stoull(v) >= 30; }, 20s);
  REQUIRE(streaming);
  const auto first = portal.seen();
  REQUIRE(first.start == 1);
  REQUIRE(first.tokens_given.size() == 1);
  CHECK_FALSE(first.tokens.at(0).has_value());  // nothing stored before the first session

  // Starts made while the screen is not back are answered once it is, with its new node (CI once
  // saw a retry answered with the old node's id before the test had told the portal the new one).
  portal.hold_starts();
  d.pipewire().kill_pipewire();  // the screen goes with it (stopping it first would be "producer gone")
  source.reset();
  const auto reconnecting = signals.wait_for(state_is("reconnecting"), 10s);
  REQUIRE(reconnecting);
  const auto frames_before = std::stoull(d.property(kCapture1, kCaptureIface, "FramesEncoded"));
  const size_t mark = signals.count();  // before the restart: a retry may be capturing before it returns
  d.pipewire().start_pipewire();
  source = screen(node_id);
  portal.set_node_id(node_id);

  const auto capturing = signals.wait_for(state_is("capturing"), 30s, mark);
  REQUIRE(capturing);
  REQUIRE(d.wait_property(
      kCapture1, kCaptureIface, "FramesEncoded", [&](auto& v) { return std::stoull(v) >= frames_before + 30; }, 20s));
  const auto again = portal.seen();
  // New sessions (one per attempt while PipeWire was down, then the one that streams), each asked
  // for with a token a Start gave: on a real desktop, no dialog. The first retry carries the
  // token of the first session; each later one the newest (the token is replaced every Start).
  CHECK(again.create_session >= 2);
  REQUIRE(again.tokens.size() >= 2);
  CHECK(again.tokens.at(1) == std::optional<std::string>(first.tokens_given.at(0)));
  for (size_t i = 1; i < again.tokens.size(); ++i) {
    INFO("SelectSources " << i);
    REQUIRE(again.tokens[i].has_value());
    CHECK(std::find(again.tokens_given.begin(), again.tokens_given.end(), *again.tokens[i]) !=
          again.tokens_given.end());
  }
  CHECK(again.start >= 2);
  REQUIRE(d.ctl({"stop"}).status == 0);

  // One file across the restart (same size and format), every frame readable.
  const Numbers main = decode_one_file(d, "main");
  CHECK(main.numbers.size() >= 60);
}
