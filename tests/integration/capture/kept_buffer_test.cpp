// Deferred buffer release against a real, private PipeWire with the built-in test source as the
// producer: an observer whose reads of a buffer are still in flight after on_frame (what a GPU
// importer that does not wait for its pass does) gets each buffer kept until they are done, and
// never sees a buffer again while it is still reading it.
#include <pipewire/pipewire.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

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

using Clock = std::chrono::steady_clock;

// Each frame's "read" of its buffer lasts `read_time` after on_frame: reads_done() says false
// until then and, asked with `wait`, sleeps until it is over.
class InFlightReads : public Recorder {
 public:
  explicit InFlightReads(std::chrono::microseconds read_time) : read_time_(read_time) {}

  void on_frame(const Frame& frame) override {
    {
      std::lock_guard lock(m_);
      if (reading_.count(frame.buffer_id)) ++redelivered_while_reading;
      reading_[frame.buffer_id] = Clock::now() + read_time_;
    }
    Recorder::on_frame(frame);
  }
  bool reads_done(uint64_t buffer_id, bool wait) override {
    std::unique_lock lock(m_);
    auto it = reading_.find(buffer_id);
    if (it == reading_.end()) return true;
    if (Clock::now() < it->second) {
      if (!wait) return false;
      ++waited;
      const auto until = it->second;
      lock.unlock();
      std::this_thread::sleep_until(until);
      lock.lock();
      it = reading_.find(buffer_id);
    }
    reading_.erase(it);
    given_back.push_back(buffer_id);
    return true;
  }
  void on_buffer_removed(uint64_t buffer_id) override {
    {
      std::lock_guard lock(m_);
      if (reading_.count(buffer_id)) ++removed_while_reading;
    }
    Recorder::on_buffer_removed(buffer_id);
  }
  template <class F>
  auto reads(F f) {
    std::lock_guard lock(m_);
    return f();
  }

  uint64_t redelivered_while_reading = 0;  // on_frame of a buffer whose read was not over
  uint64_t removed_while_reading = 0;      // on_buffer_removed of such a buffer
  uint64_t waited = 0;                     // reads_done(wait) calls that had to sleep
  std::vector<uint64_t> given_back;        // buffer ids, in the order reads_done said true

 private:
  std::chrono::microseconds read_time_;
  std::mutex m_;
  std::map<uint64_t, Clock::time_point> reading_;
};

testsrc::Options source_options(uint32_t fps, uint32_t buffers) {
  testsrc::Options o;
  o.width = 320;
  o.height = 240;
  o.fps = fps;
  o.buffers = buffers;
  o.node_name = "zc-kept-buffers";
  return o;
}

struct Setup {
  zc::test::PipeWireDaemon daemon;
  testsrc::TestSource source;
  testsrc::NodeIdentity node;

  explicit Setup(const testsrc::Options& o) : source(o) {
    zc::log::init();
    auto started = source.start();
    INFO((started ? std::string() : started.error().describe()));
    REQUIRE(started);
    auto n = source.wait_for_node(5s);
    REQUIRE(n);
    node = *n;
  }
  StreamOptions stream_options(std::chrono::microseconds release_delay) const {
    StreamOptions o;
    o.target = Target{node.serial, node.id, "zc-kept-buffers"};
    o.release_delay = release_delay;
    return o;
  }
};

// Frames the link's start lost: the producer's first (sequence 0) or second (1) may never reach a
// consumer, on PipeWire 0.3.65 as on 1.x, whatever it does (record_test's 240 fps and --cfr cases,
// the guest's gbm_frames). At most one, and only there.
size_t lost_at_start(const std::vector<zc::capture::test::FrameRecord>& frames) {
  if (frames.empty()) return 0;
  if (frames[0].sequence == 1) return 1;
  return frames.size() >= 2 && frames[0].sequence == 0 && frames[1].sequence == 2 ? 1 : 0;
}

// The frames' sequence numbers follow each other after the start: no frame the producer queued went
// missing (a producer starved of buffers by our keeping or waiting loses frames in the link).
std::string gap_in(const std::vector<zc::capture::test::FrameRecord>& frames) {
  const size_t from = lost_at_start(frames) != 0 && frames[0].sequence == 0 ? 2 : 1;
  for (size_t i = from; i < frames.size(); ++i) {
    if (frames[i].sequence != frames[i - 1].sequence + 1)
      return "frame " + std::to_string(i) + ": sequence " + std::to_string(frames[i - 1].sequence) + " then " +
             std::to_string(frames[i].sequence);
  }
  return {};
}

// Streams until the source has queued its `frames` (its frame_limit; it then stays connected,
// sending nothing) and they arrived, or stopped arriving for half a second: the counters are then
// final. Whether every frame arrived is each test's to check.
std::unique_ptr<Stream> stream_all(Setup& s, InFlightReads& obs, std::chrono::microseconds release_delay,
                                   size_t frames) {
  auto stream = Stream::start(s.stream_options(release_delay), obs);
  REQUIRE(stream);
  const auto received = [&] { return obs.locked([&] { return obs.frames.size(); }); };
  const auto sent = s.source.wait_for_frames(frames, 10s);
  size_t seen = received();
  for (auto quiet_since = Clock::now(); seen < frames && Clock::now() - quiet_since < 500ms;) {
    std::this_thread::sleep_for(10ms);
    if (received() != seen) quiet_since = Clock::now(), seen = received();
  }
  const auto src = s.source.stats();
  const StreamStats st = (*stream)->stats();
  INFO("received " << seen << "; source queued " << src.queued << ", no buffer " << src.skipped_no_buffer << ", busy "
                   << src.skipped_busy << ", cycle timeouts " << src.cycle_timeouts << "; stream frames " << st.frames
                   << ", waited in place " << st.waited_in_place << ", kept " << st.buffers_kept);
  INFO(obs.history());
  INFO((sent ? std::string() : sent.error().describe()));
  REQUIRE(sent);
  std::this_thread::sleep_for(300ms);
  return std::move(*stream);
}

// PipeWire 1.x loses frames in the link on a loaded machine whatever the consumer does (issue 13,
// support/pw_link_loss.hpp): measured in the guest (PipeWire 1.4) with both host cores busy, a two-buffer producer lost
// one or two frames in 14 of 20 runs with every read done at once (nothing kept or waited for); these tests lost up to
// 5 of 30 frames (in 2 of about 30 runs of the five), three-buffer producers too, at the start with a non-RT producer
// and mid-stream with an RT one, while the producer never once lacked a free buffer. 0.3.65 loses none here. What these
// tests guard is our keeping or waiting starving the producer: that shows directly as ticks where it had no free buffer
// (a tenth allowed: a loaded machine delayed a two-buffer consumer's hand-back past a frame interval once in a guest
// run, with nothing kept); the count of arrivals then allows a quarter lost on 1.x, none on 0.3 but
// the one the link's start may lose (lost_at_start).

// Every frame the source queued arrived, in order (within what the link may lose, above), and the
// source seldom if ever waited for a buffer we held.
void check_all_arrived(const Setup& s, InFlightReads& obs, size_t frames) {
  const size_t allowed = zc::test::link_loss_allowed(frames, 4);
  CHECK(s.source.stats().skipped_no_buffer <= frames / 10);
  obs.locked([&] {
    const size_t at_start = lost_at_start(obs.frames);
    INFO("PipeWire " << pw_get_library_version() << ": " << gap_in(obs.frames) << "; lost at the start " << at_start);
    if (allowed == 0) CHECK(gap_in(obs.frames).empty());
    CHECK(obs.frames.size() <= frames);
    CHECK(obs.frames.size() + std::max(allowed, at_start) >= frames);
    for (size_t i = 1; i < obs.frames.size(); ++i)
      REQUIRE(obs.frames[i].sequence > obs.frames[i - 1].sequence);  // no frame twice, none out of order
  });
}

}  // namespace

TEST_CASE("kept buffers: a buffer read in flight goes back once the read is done, from the release timer") {
  constexpr uint64_t kFrames = 60;
  auto o = source_options(60, 3);
  o.frame_limit = kFrames;  // then stays connected, sending nothing: the counters below settle
  Setup s(o);
  InFlightReads obs(2ms);
  auto stream = stream_all(s, obs, 4ms, kFrames);
  const StreamStats st = stream->stats();
  INFO(obs.history());
  const size_t frames = obs.locked([&] { return obs.frames.size(); });
  CHECK(st.frames == frames);
  // Each frame's buffer was still being read when on_frame returned (2 ms), so it was kept; a
  // loaded machine may now and then take longer than that between the two calls.
  CHECK(st.buffers_kept + st.frames / 10 >= st.frames);
  CHECK(st.waited_in_place == 0);
  // At 60 fps the timer (4 ms) comes long before the next buffer (16.7 ms); a loaded machine may
  // now and then deliver two buffers in one go.
  CHECK(st.kept_until_timer >= st.buffers_kept * 3 / 4);
  obs.reads([&] {
    CHECK(obs.redelivered_while_reading == 0);
    CHECK(obs.removed_while_reading == 0);
    // The timer asks 4 ms after the frame, when its 2 ms read is over: no sleeping.
    CHECK(obs.waited <= st.buffers_kept / 4);
    CHECK(obs.given_back.size() == st.frames);  // every buffer went back, the last one too
  });
  check_all_arrived(s, obs, kFrames);
}

TEST_CASE("kept buffers: without the timer the next buffer gives the kept one back") {
  constexpr uint64_t kFrames = 30;
  auto o = source_options(30, 3);
  o.frame_limit = kFrames;
  Setup s(o);
  InFlightReads obs(2ms);
  auto stream = stream_all(s, obs, std::chrono::seconds(30), kFrames);
  const StreamStats st = stream->stats();
  INFO(obs.history());
  CHECK(st.buffers_kept + st.frames / 10 >= st.frames);
  CHECK(st.kept_until_timer == 0);
  obs.reads([&] {
    CHECK(obs.redelivered_while_reading == 0);
    // Each buffer but the last went back when the next arrived; the last is still kept.
    CHECK(obs.given_back.size() + 1 == st.frames);
  });
  check_all_arrived(s, obs, kFrames);
}

TEST_CASE("kept buffers: a producer with two buffers gets each back at once, its reads waited for") {
  constexpr uint64_t kFrames = 30;
  auto o = source_options(60, 2);
  o.frame_limit = kFrames;
  Setup s(o);
  InFlightReads obs(2ms);
  auto stream = stream_all(s, obs, 4ms, kFrames);
  const StreamStats st = stream->stats();
  INFO(obs.history());
  CHECK(st.buffers_kept == 0);
  CHECK(st.waited_in_place + st.frames / 10 >= st.frames);
  obs.reads([&] {
    CHECK(obs.waited <= st.waited_in_place);  // a wait finds the read over now and then
    CHECK(obs.redelivered_while_reading == 0);
    CHECK(obs.given_back.size() == st.frames);
  });
  check_all_arrived(s, obs, kFrames);
}

TEST_CASE("kept buffers: a producer that stops sending gets its last buffer back from the timer") {
  auto o = source_options(60, 3);
  o.frame_limit = 12;  // then stays connected, sending nothing
  Setup s(o);
  InFlightReads obs(2ms);
  // Until the 12 frames went out and arrivals stopped (1.x may lose some in the link, see above).
  auto stream = stream_all(s, obs, 4ms, 12);
  REQUIRE_FALSE(obs.locked([&] { return obs.frames.empty(); }));
  const uint64_t last = obs.locked([&] { return obs.frames.back().buffer_id; });
  // The last buffer has no successor to push it out: only the timer gives it back.
  const auto deadline = Clock::now() + 2s;
  bool back = false;
  while (!back && Clock::now() < deadline) {
    back = obs.reads([&] { return !obs.given_back.empty() && obs.given_back.back() == last; });
    std::this_thread::sleep_for(5ms);
  }
  CHECK(back);
  CHECK(stream->stats().kept_until_timer >= 1);
}

TEST_CASE("kept buffers: tearing the stream down waits for the kept buffer's read before removing it") {
  Setup s(source_options(30, 3));
  InFlightReads obs(300ms);  // far longer than the time to tear down
  auto stream = Stream::start(s.stream_options(std::chrono::seconds(30)), obs);
  REQUIRE(stream);
  REQUIRE(obs.wait(10s, [&] { return !obs.frames.empty(); }));
  stream->reset();  // disconnect: every buffer, the kept one too, is removed
  obs.reads([&] {
    CHECK(obs.removed_while_reading == 0);
    CHECK(obs.waited >= 1);  // the kept buffer's read was waited for
    CHECK(obs.redelivered_while_reading == 0);
  });
  obs.locked([&] { CHECK_FALSE(obs.removed.empty()); });
}
