// Explicit sync (SPA_META_SyncTimeline) against a real PipeWire 1.2+ with the built-in test source
// as the producer, on real dmabufs (udmabuf) and timeline syncobjs (a DRM node that has them:
// virtio_gpu in the vm tests' guest). Skipped elsewhere (PipeWire 0.3.65, no DRM node).
//
// The source queues each buffer at once and writes its pixels, and signals the acquire point,
// 15 ms later: a consumer that read before the acquire point would see the frame that buffer held
// before. Every frame's pixels are read here (mmap between DMA_BUF_IOCTL_SYNC) and must carry the
// frame's own number.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "capture/video/stream.hpp"
#include "capture/video/sync_timeline.hpp"
#include "core/log.hpp"
#include "drm/dmabuf_alloc.hpp"
#include "drm/dmabuf_map.hpp"
#include "drm/syncobj.hpp"
#include "recorder.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"
#include "testsrc/pattern.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::Recorder;

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kWidth = 320, kHeight = 180;

void skip_without_explicit_sync() {
  if (!library_has_sync_timeline())
    ZC_SKIP(std::string("libpipewire ") + pw_get_library_version() + " has no explicit sync (1.2+)");
  if (auto dev = drm::SyncobjDevice::open(); !dev) ZC_SKIP("no timeline syncobjs here: " + dev.error().message);
  const UniqueFd udmabuf(::open(std::string(zc::drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
  if (!udmabuf) ZC_SKIP("no /dev/udmabuf here");
}

class LinearOnly : public ModifierSource {
 public:
  std::vector<uint64_t> modifiers(PixelFormat) override { return {kModifierLinear}; }
};

// Reads each frame's number out of its dmabuf and, like a GPU importer that leaves its pass in
// flight, keeps each buffer `read_time` after on_frame; when the read is over it asks the producer
// whether the buffer's release point was already signalled (it must not be: capture signals it
// only once reads_done said so).
class SyncReader : public Recorder {
 public:
  SyncReader(const testsrc::TestSource& source, std::chrono::microseconds read_time)
      : source_(source), read_time_(read_time) {}

  void on_frame(const Frame& frame) override {
    std::optional<uint32_t> number;
    if (auto plane = cache_.map(frame)) {
      zc::drm::DmaBufReadAccess access(*plane->mapping);
      number = testsrc::read_number_rgb(
          testsrc::Image{const_cast<uint8_t*>(plane->pixels), plane->stride, frame.width, frame.height, frame.format});
    }
    {
      std::lock_guard lock(m_);
      numbers[frame.sequence] = number;
      if (read_time_.count() > 0) reading_[frame.buffer_id] = {frame.sequence, Clock::now() + read_time_};
    }
    Recorder::on_frame(frame);
  }
  bool reads_done(uint64_t buffer_id, bool wait) override {
    std::unique_lock lock(m_);
    auto it = reading_.find(buffer_id);
    if (it == reading_.end()) return true;
    if (Clock::now() < it->second.until) {
      if (!wait) return false;
      const auto until = it->second.until;
      lock.unlock();
      std::this_thread::sleep_until(until);
      lock.lock();
      it = reading_.find(buffer_id);
    }
    const uint64_t seq = it->second.seq;
    reading_.erase(it);
    const auto released = source_.release_signalled(seq);
    if (!released)
      ++release_unknown;
    else if (*released)
      ++released_before_reads_done;
    else
      ++held_until_reads_done;
    return true;
  }
  void on_buffer_removed(uint64_t buffer_id) override {
    cache_.forget(buffer_id);
    Recorder::on_buffer_removed(buffer_id);
  }
  template <class F>
  auto reads(F f) {
    std::lock_guard lock(m_);
    return f();
  }

  std::map<uint64_t, std::optional<uint32_t>> numbers;  // by sequence (the source's frame number)
  uint64_t held_until_reads_done = 0;                   // release point still unsignalled when the reads were done
  uint64_t released_before_reads_done = 0;              // ... already signalled: a release before the last read
  uint64_t release_unknown = 0;

 private:
  struct Read {
    uint64_t seq = 0;
    Clock::time_point until;
  };
  const testsrc::TestSource& source_;
  std::chrono::microseconds read_time_;
  zc::drm::DmaBufCache cache_;  // PipeWire thread only
  std::mutex m_;
  std::map<uint64_t, Read> reading_;
};

testsrc::Options explicit_source(uint32_t late_ms) {
  testsrc::Options o;
  o.width = kWidth;
  o.height = kHeight;
  o.fps = 30;
  o.mode = testsrc::BufferMode::DmaBuf;
  o.dmabuf_allocator = testsrc::DmabufAllocator::Udmabuf;
  o.modifiers = {kModifierLinear};
  o.sync = testsrc::SyncMode::Explicit;
  o.late_ms = late_ms;
  // The source's wait for a release point, 100 ms by default: under CI's load in the guest the
  // consumer's release can come later than that, which would count as never coming.
  o.release_timeout = 500ms;
  o.node_name = "zc-sync-source";
  return o;
}

struct Setup {
  zc::test::PipeWireDaemon daemon;
  testsrc::TestSource source;
  testsrc::NodeIdentity node;
  LinearOnly linear;

  explicit Setup(const testsrc::Options& o) : source(o) {
    zc::log::init();
    auto started = source.start();
    INFO((started ? std::string() : started.error().describe()));
    REQUIRE(started);
    auto n = source.wait_for_node(5s);
    REQUIRE(n);
    node = *n;
  }
  StreamOptions stream_options() {
    StreamOptions o;
    o.target = Target{node.serial, node.id, "zc-sync-source"};
    o.modifiers = &linear;
    return o;
  }
};

// The releases the producer waited for in vain were of frames the consumer never got (PipeWire
// 1.4 recycles a buffer lost in the link while the consumer was busy, and nobody signals its
// release): every buffer delivered was released.
void check_releases(SyncReader& r, const testsrc::Stats& src) {
  r.reads([&] {
    for (const uint64_t frame : src.release_timeout_frames) {
      INFO("release of frame " << frame << " never came");
      CHECK(r.numbers.count(frame) == 0);
    }
  });
}

// Every frame read carries its own number (none read before its pixels were there).
void check_numbers(SyncReader& r, uint64_t skip_seq = UINT64_MAX) {
  r.reads([&] {
    for (const auto& [seq, number] : r.numbers) {
      INFO("frame " << seq);
      CHECK(seq != skip_seq);
      REQUIRE(number);
      CHECK(*number == seq);
    }
  });
}

}  // namespace

TEST_CASE("explicit sync: no frame is read before its acquire point, none released before its last read",
          "[sync][vm]") {
  skip_without_explicit_sync();
  Setup s(explicit_source(15));
  SyncReader reader(s.source, 8ms);
  // What is proven here is the order (no read before the point, no release before the reads), not
  // the timeout: under CI's load the guest's signalling thread was once late by more than the
  // default 100 ms, and that frame was dropped as a timeout. The next case proves the timeout.
  StreamOptions options = s.stream_options();
  options.acquire_timeout = 2s;
  auto stream = Stream::start(std::move(options), reader);
  REQUIRE(stream);
  REQUIRE(reader.wait(20s, [&] { return reader.frames.size() >= 60; }));
  const StreamStats st = (*stream)->stats();
  stream->reset();
  INFO(reader.history());
  CHECK(st.sync_offered);
  CHECK(st.acquire_waits >= 60);
  CHECK(st.acquire_timeouts == 0);
  CHECK(st.releases + 2 >= st.frames);  // each buffer given back so far, its release signalled
  CHECK(st.defect(DefectKind::acquire_timeout) == 0);
  check_numbers(reader);
  reader.reads([&] {
    CHECK(reader.released_before_reads_done == 0);
    CHECK(reader.held_until_reads_done + 5 >= reader.numbers.size());
  });
  const auto src = s.source.stats();
  CHECK(src.sync_timeline);
  CHECK(src.release_waits > 0);
  check_releases(reader, src);
  CHECK(src.syncs_signalled >= 60);
}

TEST_CASE("explicit sync: an acquire point that never signals drops its frame after the timeout, the stream goes on",
          "[sync][vm]") {
  skip_without_explicit_sync();
  auto o = explicit_source(10);
  auto defect = testsrc::parse_defect("unsignalled-sync@20");
  REQUIRE(defect);
  o.defects.push_back(*defect);
  Setup s(o);
  SyncReader reader(s.source, 0ms);
  // Frame 20's point never comes; the others come 10 ms late, and a timeout of 500 ms (not the
  // default 100) keeps one of them delayed by the guest's load from counting as a second drop.
  StreamOptions options = s.stream_options();
  options.acquire_timeout = 500ms;
  auto stream = Stream::start(std::move(options), reader);
  REQUIRE(stream);
  REQUIRE(reader.wait(20s, [&] { return !reader.frames.empty() && reader.frames.back().sequence >= 45; }));
  const StreamStats st = (*stream)->stats();
  stream->reset();
  INFO(reader.history());
  CHECK(st.acquire_timeouts == 1);
  CHECK(st.defect(DefectKind::acquire_timeout) == 1);
  check_numbers(reader, 20);
  reader.locked([&] {
    // Frame 20 was dropped; its predecessor came, and the stream went on (waited for above). The
    // frames sent while capture waited the 500 ms may be lost in PipeWire's link.
    std::set<uint64_t> seqs;
    for (const auto& f : reader.frames)
      seqs.insert(f.sequence);
    CHECK(seqs.count(19) == 1);
    CHECK(seqs.count(20) == 0);
  });
  // The dropped buffer went back released all the same (the producer waited in vain only for
  // buffers lost in the link).
  const auto src = s.source.stats();
  check_releases(reader, src);
  CHECK(std::find(src.release_timeout_frames.begin(), src.release_timeout_frames.end(), 20) ==
        src.release_timeout_frames.end());
  CHECK(src.syncs_unsignalled == 1);
}

TEST_CASE("explicit sync is not asked for without dmabufs (shared memory has nothing to sync)", "[sync]") {
  // Runs anywhere: a shared-memory capture never opens a syncobj device.
  zc::test::PipeWireDaemon daemon;
  zc::log::init();
  testsrc::Options o;
  o.width = kWidth;
  o.height = kHeight;
  o.node_name = "zc-sync-shm";
  testsrc::TestSource source(o);
  REQUIRE(source.start());
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  Recorder rec;
  StreamOptions so;
  so.target = Target{node->serial, node->id, "zc-sync-shm"};
  auto stream = Stream::start(std::move(so), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(10s, [&] { return rec.frames.size() >= 5; }));
  const StreamStats st = (*stream)->stats();
  CHECK_FALSE(st.sync_offered);
  CHECK(st.acquire_waits == 0);
  CHECK(st.releases == 0);
}
