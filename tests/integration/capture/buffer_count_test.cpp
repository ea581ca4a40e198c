// How many buffers a real PipeWire link gives capture: kMaxBuffersAsked of a producer that offers
// more (mutter offers 16: at 4K, 530 MB of shared memory mapped and prefaulted for frames capture
// never needs), and from a producer that needs more than the cap its own count (the uncapped
// Buffers param after the capped one: the link still forms). A producer that takes fewer only is
// unit_capture's ("buffer params: ...").
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "capture/video/params.hpp"
#include "capture/video/stream.hpp"
#include "core/log.hpp"
#include "recorder.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::Recorder;

namespace {

struct Counted {
  size_t buffers = 0;   // distinct buffers the frames came in
  uint64_t frames = 0;  // frames delivered
  uint64_t missed = 0;  // producer numbers skipped after the first frame
};

// Streams `frames` frames of a 320x240@60 test source that offers `buffers` (fewest `buffers_min`)
// to a capture that asks for `max_buffers` at most, and counts the distinct buffers they came in.
Counted stream_from(uint32_t buffers, uint32_t buffers_min, size_t frames, uint32_t max_buffers = kMaxBuffersAsked) {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  testsrc::Options o;
  o.width = 320;
  o.height = 240;
  o.fps = 60;
  o.buffers = buffers;
  o.buffers_min = buffers_min;
  o.node_name = "zc-buffer-count";
  testsrc::TestSource source(o);
  auto started = source.start();
  INFO((started ? std::string() : started.error().describe()));
  REQUIRE(started);
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  StreamOptions so;
  so.target = Target{node->serial, node->id, "zc-buffer-count"};
  so.max_buffers = max_buffers;
  Recorder rec;
  auto stream = Stream::start(std::move(so), rec);
  INFO((stream ? std::string() : stream.error().describe()));
  REQUIRE(stream);
  const bool streaming = rec.wait(10s, [&] { return rec.frames.size() >= frames; });
  INFO(rec.history());
  REQUIRE(streaming);
  Counted c;
  rec.locked([&] {
    std::set<uint64_t> ids;
    for (size_t i = 0; i < rec.frames.size(); ++i) {
      ids.insert(rec.frames[i].buffer_id);
      if (i > 0) c.missed += rec.frames[i].missed_before;
    }
    c.buffers = ids.size();
    c.frames = rec.frames.size();
  });
  return c;
}

}  // namespace

TEST_CASE("buffer count: a producer offering 16 buffers (as mutter does) gets four from capture") {
  const Counted c = stream_from(16, 2, 60);
  INFO(c.frames << " frames in " << c.buffers << " buffers, " << c.missed << " producer numbers missed");
  CHECK(c.buffers == kMaxBuffersAsked);
  // Four are enough for a 60 fps producer: none of its frames was skipped after the first.
  // PipeWire 1.4 in the emulated guest loses a frame in the link now and then (CI of 2026-11-26:
  // one in this case; tests/support/pw_link_loss.hpp); 0.3.65 on the host none.
  CHECK(c.missed <= zc::test::link_loss_allowed(c.frames, 50, 1));
}

TEST_CASE("buffer count: ZEROCAST_CAPTURE_BUFFERS=0 takes the producer's count (all 16)") {
  // What capture did before it asked for a count, and what the cap test would see without it.
  const Counted c = stream_from(16, 2, 60, 0);
  INFO(c.frames << " frames in " << c.buffers << " buffers");
  CHECK(c.buffers == 16);
}

TEST_CASE("buffer count: a producer that needs more than the cap still links, with its own count") {
  // Its range 6..16 has none of capture's 4, 3, 2, 1: PipeWire takes capture's next Buffers
  // param, which names no count, and the producer's default.
  const Counted c = stream_from(8, 6, 60);
  INFO(c.frames << " frames in " << c.buffers << " buffers");
  CHECK(c.buffers == 8);
}
