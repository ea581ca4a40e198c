// Damage-driven conversion against real producers through a real PipeWire: every frame capture
// delivers is imported twice, converting only what its damage names into pooled frames that hold
// earlier pictures, and in full, and the two must be the same bytes. The test source sends
// frame-to-frame damage (its number band, its box's last and new places) with a moving metadata
// cursor and a crop; GStreamer's videotestsrc through pipewiresink is the foreign producer (its
// damage, when it sends any, is checked the same way).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "capture/graph/source.hpp"
#include "capture/video/stream.hpp"
#include "core/log.hpp"
#include "recorder.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/metas.hpp"
#include "testsrc/test_source.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::Recorder;

namespace {

std::vector<uint8_t> nv12_bytes(const DeviceFrame& f) {
  std::vector<uint8_t> out;
  for (uint32_t plane = 0; plane < 2; ++plane) {
    for (uint32_t r = 0; r < (plane == 0 ? f.height : f.height / 2); ++r) {
      const uint8_t* p = f.cpu_plane(plane) + size_t{r} * f.pitches[plane];
      out.insert(out.end(), p, p + f.width);
    }
  }
  return out;
}

// Imports each frame with damage and in full (on the capture thread, while the buffer is ours),
// keeping two frames of the damaged importer in flight so that its pooled frames rotate.
class TwoImports : public Recorder {
 public:
  TwoImports() : full_(no_damage()) {}
  void on_frame(const Frame& frame) override {
    Recorder::on_frame(frame);
    const Rect visible = frame.visible_rect();
    zerocopy::ImportTarget t;
    t.width = visible.width & ~1u;
    t.height = visible.height & ~1u;
    t.format = PixelFormat::NV12;
    t.draw_cursor = true;
    auto a = damaged_.import(frame, t);
    auto b = full_.import(frame, t);
    std::lock_guard lock(m_);
    if (!a || !b) {
      ++failed_;
      return;
    }
    if (nv12_bytes(*a) != nv12_bytes(*b)) {
      ++mismatched_;
      if (first_mismatch_ == 0) first_mismatch_ = frame.sequence;
    }
    ++compared_;
    in_flight_.push_back(std::move(*a));
    if (in_flight_.size() > 2) in_flight_.pop_front();
  }
  struct Result {
    uint64_t compared = 0, mismatched = 0, failed = 0, first_mismatch = 0;
    zerocopy::CpuImportCounters counters;
    StreamStats stream;
    std::vector<zc::capture::test::FrameRecord> frames;
  };
  Result result() {
    std::lock_guard lock(m_);
    return Result{compared_, mismatched_, failed_, first_mismatch_, damaged_.counters(), {}, {}};
  }

 private:
  static zerocopy::CpuImportOptions no_damage() {
    zerocopy::CpuImportOptions o;
    o.damage = false;
    return o;
  }
  zerocopy::CpuImporter damaged_;
  zerocopy::CpuImporter full_;
  std::mutex m_;
  std::deque<DeviceFrame> in_flight_;
  uint64_t compared_ = 0, mismatched_ = 0, failed_ = 0, first_mismatch_ = 0;
};

TwoImports::Result stream_and_compare(const Target& target, size_t frames) {
  StreamOptions so;
  so.target = target;
  TwoImports rec;
  auto stream = Stream::start(std::move(so), rec);
  INFO((stream ? std::string() : stream.error().describe()));
  REQUIRE(stream);
  const bool got = rec.wait(
      15s, [&] { return rec.frames.size() >= frames || (!rec.states.empty() && is_final(rec.states.back().first)); });
  INFO(rec.history());
  CHECK(got);
  const StreamStats stats = (*stream)->stats();
  stream->reset();
  auto result = rec.result();  // no more callbacks
  result.stream = stats;
  result.frames = rec.frames;
  return result;
}

// 640x360 at 60 fps with a moving metadata cursor and a crop.
testsrc::Options cursor_source(const char* name) {
  testsrc::Options o;
  o.width = 640;
  o.height = 360;
  o.fps = 60;
  o.cursor = true;
  o.crop = Rect{10, 8, 600, 340};
  o.node_name = name;
  return o;
}

}  // namespace

TEST_CASE("damage: the test source's damage, cursor and crop through PipeWire give the full conversion's bytes") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  testsrc::TestSource source(cursor_source("zc-damage"));
  auto started = source.start();
  REQUIRE(started);
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  const auto r = stream_and_compare(Target{node->serial, node->id, "zc-damage"}, 150);
  INFO(r.compared << " frames compared, " << r.counters.partial << " partial, " << r.counters.pixels_converted << " of "
                  << r.counters.pixels_total << " pixels converted");
  CHECK(r.failed == 0);
  CHECK(r.compared >= 150);
  CHECK(r.mismatched == 0);
  CHECK(r.first_mismatch == 0);
  // Its damage is the band, the box and the cursor: most frames partial, most pixels not converted.
  CHECK(r.counters.partial * 10 >= r.compared * 9);
  CHECK(r.counters.pixels_converted * 5 <= r.counters.pixels_total);
}

TEST_CASE(
    "damage: cursor-only buffers (mutter, KWin) are pointer moves, not defects, and the frames around them exact") {
  // When only the pointer moves, GNOME and KDE send a buffer whose chunk says "do not look at the
  // contents", with the cursor meta. Counted as such, not as a defect; no frame of its stale
  // pixels; every other number delivered, the damaged conversion across the gaps still the full
  // one's bytes (the next frame's damage is against the last picture painted).
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  testsrc::Options o = cursor_source("zc-cursor-only");
  // From frame 30 every third one only moves the cursor, and two in a row at 92-93.
  o.defects.push_back({testsrc::DefectKind::CursorOnly, 30, 3});
  o.defects.push_back({testsrc::DefectKind::CursorOnly, 92});
  testsrc::TestSource source(o);
  auto started = source.start();
  REQUIRE(started);
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  const auto r = stream_and_compare(Target{node->serial, node->id, "zc-cursor-only"}, 150);
  const auto cursor_only = [](uint64_t n) { return n == 92 || (n >= 30 && (n - 30) % 3 == 0); };
  INFO(r.compared << " frames compared, " << r.stream.cursor_only << " cursor-only buffers, defects "
                  << r.stream.defects_total());
  CHECK(r.failed == 0);
  CHECK(r.compared >= 150);
  CHECK(r.mismatched == 0);
  CHECK(r.first_mismatch == 0);
  CHECK(r.stream.defects_total() == 0);  // not corrupted chunks
  REQUIRE_FALSE(r.frames.empty());
  // Gaps in the numbers: the cursor-only ones, and frames the link lost that capture counted as
  // missed (a consumer late by a cycle: under ASan beside other tests these two conversions and
  // their comparison per frame fall behind 60 fps, 3 of 160 in one CI run), a few at most.
  uint64_t skipped = 0;
  uint64_t missed = 0;
  for (size_t i = 1; i < r.frames.size(); ++i) {
    const auto& f = r.frames[i];
    const auto& before = r.frames[i - 1];
    INFO("frame " << f.sequence << " after " << before.sequence << " (missed " << f.missed_before << ")");
    CHECK_FALSE(cursor_only(f.sequence));
    uint64_t others = 0;
    for (uint64_t n = before.sequence + 1; n < f.sequence; ++n)
      (cursor_only(n) ? skipped : others) += 1;
    CHECK(others <= f.missed_before);
    missed += f.missed_before;
    const auto place = testsrc::cursor_position(f.sequence, o.fps, o.width, o.height);
    CHECK(f.cursor.visible);
    CHECK(f.cursor.x == place.x);
    CHECK(f.cursor.y == place.y);
  }
  CHECK(missed * 20 <= r.frames.size());
  CHECK(skipped >= 30);
  // Each one taken as such (less any the link lost), and one after the last frame at most.
  CHECK(r.stream.cursor_only + missed >= skipped);
  CHECK(r.stream.cursor_only <= skipped + 1);
}

TEST_CASE("damage: GStreamer's pipewiresink (a foreign producer) gives the full conversion's bytes") {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  zc::test::Process gst({"gst-launch-1.0", "-q", "videotestsrc", "pattern=ball", "is-live=true", "num-buffers=200", "!",
                         "video/x-raw,format=BGRx,width=320,height=240,framerate=60/1", "!", "pipewiresink",
                         "stream-properties=props,node.name=(string)zc-damage-gst,node.autoconnect=(boolean)false"});
  std::optional<Target> target;
  for (int i = 0; i < 100 && !target; ++i) {
    if (auto nodes = list_nodes(2s)) {
      for (const auto& n : *nodes) {
        if (n.name == "zc-damage-gst") target = Target{n.serial, n.id, n.name};
      }
    }
    if (!target) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(target);
  const auto r = stream_and_compare(*target, 100);
  INFO(r.compared << " frames compared, " << r.counters.partial << " partial");
  CHECK(r.failed == 0);
  CHECK(r.compared >= 50);
  CHECK(r.mismatched == 0);
}
