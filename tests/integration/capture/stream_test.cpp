// Capture against a real, private PipeWire daemon (with WirePlumber linking the streams) and real
// producers: GStreamer's pipewiresink and PipeWire's own example sources.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "capture/graph/source.hpp"
#include "capture/video/stream.hpp"
#include "fixate_producer.hpp"
#include "recorder.hpp"
#include "support/proc_status.hpp"
#include "support/process.hpp"
#include "support/pw_daemon.hpp"
#include "support/pw_link_loss.hpp"
#include "support/skip.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::FixateProducer;
using zc::capture::test::options_for;
using zc::capture::test::Recorder;
using zc::capture::test::wait_for_node;
using zc::test::PipeWireDaemon;
using zc::test::Process;

namespace {

const std::string kExamples = "/usr/libexec/installed-tests/pipewire-0.3/examples/";

void require_program(const std::string& program) {
  if (!zc::test::have_program(program)) ZC_SKIP(program + " is not installed");
}

class ModifierList : public ModifierSource {
 public:
  ModifierList(PixelFormat f, std::vector<uint64_t> m) : format_(f), modifiers_(std::move(m)) {}
  std::vector<uint64_t> modifiers(PixelFormat f) override {
    return f == format_ ? modifiers_ : std::vector<uint64_t>{};
  }

 private:
  PixelFormat format_;
  std::vector<uint64_t> modifiers_;
};

}  // namespace

namespace {

// GStreamer's videotestsrc through pipewiresink in `mode` (provide: the producer drives, as
// compositors do; default: a follower, driven by the graph).
void capture_from_gstreamer(const std::string& mode) {
  require_program("gst-launch-1.0");
  PipeWireDaemon daemon;
  constexpr size_t kBuffers = 60;
  Process gst({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=" + std::to_string(kBuffers), "!",
               "video/x-raw,format=BGRx,width=320,height=240,framerate=60/1", "!", "pipewiresink", "mode=" + mode,
               "stream-properties=props,node.name=(string)zc-gst,node.latency=(string)800/"
               "48000,node.autoconnect=(string)false"});
  const auto node = wait_for_node("zc-gst", 5s);
  REQUIRE(node);
  Recorder rec;
  auto stream = Stream::start(options_for(*node), rec);
  REQUIRE(stream);
  const bool ended = rec.wait(
      10s, [&] { return rec.frames.size() >= kBuffers || !rec.states.empty() && is_final(rec.states.back().first); });
  INFO(rec.history());
  CHECK(ended);
  rec.locked([&] {
    REQUIRE_FALSE(rec.formats.empty());
    CHECK(rec.formats[0].format == PixelFormat::BGRx);
    CHECK(rec.formats[0].size == Size{320, 240});
    CHECK_FALSE(rec.formats[0].dmabuf);
    REQUIRE_FALSE(rec.frames.empty());
    INFO("frames " << rec.frames.size() << " of " << kBuffers);
    CHECK(rec.frames.size() <= kBuffers);
    // pipewiresink numbers its buffers (SPA_META_Header seq): every number capture never got is
    // counted as missed before the next frame, exactly.
    uint64_t skipped = 0;
    uint64_t missed = 0;
    for (size_t i = 0; i < rec.frames.size(); ++i) {
      missed += rec.frames[i].missed_before;
      if (i == 0) continue;
      // With the buffers' ids (PipeWire 1.4 once handed on number 29 after 36, CI of 2026-11-25):
      // the same buffer again is a resend, another one an older buffer queued late.
      INFO("frame " << i << ": sequence " << rec.frames[i - 1].sequence << " (buffer " << rec.frames[i - 1].buffer_id
                    << ") then " << rec.frames[i].sequence << " (buffer " << rec.frames[i].buffer_id << ")");
      REQUIRE(rec.frames[i].sequence > rec.frames[i - 1].sequence);
      skipped += rec.frames[i].sequence - rec.frames[i - 1].sequence - 1;
    }
    INFO("numbers skipped " << skipped << ", counted missed " << missed << ", first " << rec.frames.front().sequence
                            << ", last " << rec.frames.back().sequence);
    CHECK(missed == skipped);
    if (mode == "default" && zc::test::pipewire_loses_in_link()) {
      // PipeWire 1.4's pipewiresink, an async follower (PW_STREAM_FLAG_ASYNC), leaves at its end
      // of stream before the graph pulled its last buffers: in six guest runs the numbers 0-51
      // (or 0-52) arrived, none missing in between, and the last 7-8 never did (42 of 60 in an
      // earlier loaded run). Nothing a consumer can pull.
      CHECK(rec.frames.size() >= kBuffers * 2 / 3);
    } else if (mode == "default") {
      // A follower is pulled by the graph. Unloaded, every buffer arrives (60 of 60 in every run
      // here); with 4 PipeWire tests at once on a loaded 2-core machine, about one run in ten
      // lost 1-4 buffers mid-stream before they reached us (a scrolling test pattern showed the
      // gaps; capture counts every buffer it is handed), so allow 10%.
      CHECK(rec.frames.size() >= kBuffers * 9 / 10);
    } else {
      // A driving pipewiresink drops a buffer whenever the consumer has not handed the last one
      // back yet (loaded machine): most, not all, arrive.
      CHECK(rec.frames.size() >= kBuffers * 3 / 4);
    }
    for (size_t i = 0; i < rec.frames.size(); ++i) {
      const auto& f = rec.frames[i];
      CHECK(f.width == 320);
      CHECK(f.height == 240);
      CHECK(f.has_data);
      CHECK(f.stride >= 320 * 4);
      if (i > 0) CHECK(f.pts_ns > rec.frames[i - 1].pts_ns);
    }
    if (mode == "default" && zc::test::pipewire_loses_in_link()) {
      // PipeWire 1.4 also hands on older buffers late (numbers 24-31 after 32, vm guest in CI of
      // 2026-11-26): skipped as stale, their picture would go back; each a number counted missed.
      uint64_t stale = 0;
      for (const auto& d : rec.defects) {
        CHECK(d.kind == DefectKind::stale_buffer);
        ++stale;
      }
      CHECK(stale <= missed);
    } else {
      CHECK(rec.defects.empty());
    }
  });
  // gst-launch exits after its last buffer: its node goes, and we say so.
  CHECK(rec.wait_state(5s, StreamState::producer_gone));
  CHECK((*stream)->stats().frames == rec.locked([&] { return rec.frames.size(); }));
}

}  // namespace

TEST_CASE("gstreamer pipewiresink (provide mode): frames arrive with the right format, size and count") {
  capture_from_gstreamer("provide");
}

TEST_CASE("gstreamer pipewiresink (default mode): frames arrive with the right format, size and count") {
  capture_from_gstreamer("default");
}

namespace {

// What this process has mlocked (VmLck), in bytes; negative when /proc does not say.
long long locked_bytes() {
  return 1024LL * zc::test::proc_status_kb(static_cast<int>(getpid()), "VmLck");
}

}  // namespace

TEST_CASE("shared memory: the producer's frames are mapped, not pinned (no mlock of video buffers)") {
  require_program("gst-launch-1.0");
  PipeWireDaemon daemon;
  constexpr long long kFrameBytes = 640LL * 480 * 4;
  Process gst({"gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "num-buffers=300", "!",
               "video/x-raw,format=BGRx,width=640,height=480,framerate=30/1", "!", "pipewiresink",
               "stream-properties=props,node.name=(string)zc-gst-lock,node.autoconnect=(string)false"});
  const auto node = wait_for_node("zc-gst-lock", 5s);
  REQUIRE(node);
  const long long before = locked_bytes();
  REQUIRE(before >= 0);
  Recorder rec;
  auto stream = Stream::start(options_for(*node), rec);
  REQUIRE(stream);
  const bool streaming = rec.wait(10s, [&] { return rec.frames.size() >= 10; });
  INFO(rec.history());  // what the stream went through, as it stands now
  REQUIRE(streaming);
  // PipeWire's default (mem.allow-mlock) locks every buffer it maps for a client: all of them as
  // root or under a large RLIMIT_MEMLOCK, as many as fit in the limit (8 MiB on Debian) otherwise.
  // Here several 1.2 MB buffers are mapped and read; none of them may be locked. (PipeWire itself
  // locks a few KiB of its own per connection, hence half a frame as the bound.)
  const long long during = locked_bytes();
  INFO("VmLck before " << before << " bytes, while streaming " << during);
  CHECK(during - before < kFrameBytes / 2);
  rec.locked([&] { CHECK(rec.frames.back().width == 640); });
}

namespace {

constexpr uint64_t kTiled = 0x0100000000000002ULL;  // I915_FORMAT_MOD_Y_TILED, as a stand-in

FixateProducer::Options producer(std::vector<uint64_t> modifiers) {
  FixateProducer::Options o;
  o.modifiers = std::move(modifiers);
  return o;
}

bool frames_at_least(Recorder& rec, size_t n) {
  return rec.frames.size() >= n;
}

}  // namespace

TEST_CASE("dmabuf: an offer with the producer's modifier gets dmabuf frames (DONT_FIXATE)") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({kTiled, kModifierLinear}));
  ModifierList modifiers(PixelFormat::BGRx, {kModifierLinear});
  auto options = src.stream_options();
  options.modifiers = &modifiers;
  Recorder rec;
  // What an importer does with a LINEAR dmabuf: map the plane's fd and read the pixels.
  std::atomic<int> readable{0};
  std::atomic<int> unreadable{0};
  rec.on_frame_hook = [&](const Frame& frame) {
    if (frame.plane_count == 0) return;
    const DmaBufPlane& p = frame.planes[0];
    void* mem = mmap(nullptr, p.size, PROT_READ, MAP_SHARED, p.fd, 0);
    if (mem == MAP_FAILED) {
      ++unreadable;
      return;
    }
    const uint8_t first = static_cast<const uint8_t*>(mem)[p.offset];
    munmap(mem, p.size);
    ++(first == (frame.sequence & 0xff) ? readable : unreadable);
  };
  auto stream = Stream::start(std::move(options), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 10); }));
  INFO(rec.history());
  CHECK(src.dmabuf_negotiated());
  CHECK(readable.load() >= 10);
  CHECK(unreadable.load() == 0);
  rec.locked([&] {
    REQUIRE(rec.formats.size() == 1);
    CHECK(rec.formats[0].dmabuf);
    CHECK(rec.formats[0].modifier == kModifierLinear);  // the only one both sides have
    CHECK(rec.formats[0].format == PixelFormat::BGRx);
    for (const auto& f : rec.frames) {
      CHECK(f.memory == MemoryKind::DmaBuf);
      CHECK(f.plane_fd >= 0);
      CHECK(f.modifier == kModifierLinear);
      CHECK_FALSE(f.has_data);  // PipeWire does not map dmabufs: the importer does
    }
    CHECK(rec.defects.empty());
  });
}

TEST_CASE("dmabuf: without modifiers in the offer the same producer negotiates shared memory") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({kTiled, kModifierLinear}));
  Recorder rec;
  auto stream = Stream::start(src.stream_options(), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 10); }));
  INFO(rec.history());
  CHECK_FALSE(src.dmabuf_negotiated());
  rec.locked([&] {
    REQUIRE(rec.formats.size() == 1);
    CHECK_FALSE(rec.formats[0].dmabuf);
    for (const auto& f : rec.frames) {
      CHECK(f.memory == MemoryKind::Cpu);
      CHECK(f.has_data);
      CHECK(f.first_byte == (f.sequence & 0xff));
    }
  });
}

TEST_CASE("dmabuf: report_import_rejected renegotiates without the modifier") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({kModifierLinear}));
  ModifierList modifiers(PixelFormat::BGRx, {kModifierLinear});
  auto options = src.stream_options();
  options.modifiers = &modifiers;
  Recorder rec;
  std::atomic<Stream*> live{nullptr};
  // The importer's part: it cannot import this dmabuf, and says so from inside on_frame.
  rec.on_frame_hook = [&](const Frame& frame) {
    if (frame.memory == MemoryKind::DmaBuf && live.load())
      live.load()->report_import_rejected(frame.format, frame.modifier);
  };
  auto stream = Stream::start(std::move(options), rec);
  REQUIRE(stream);
  live = stream->get();
  // Generous: a renegotiation that wedges on PipeWire 0.3.65 is kicked after 1.5 s and negotiated
  // again (stall_test.cpp), which under ASan on a loaded machine came close to the 5 s this had.
  const bool renegotiated = rec.wait(20s, [&] {
    return rec.formats.size() >= 2 && !rec.frames.empty() && rec.frames.back().memory == MemoryKind::Cpu;
  });
  live = nullptr;
  INFO(rec.history());
  REQUIRE(renegotiated);
  rec.locked([&] {
    CHECK(rec.formats[0].dmabuf);
    CHECK_FALSE(rec.formats[1].dmabuf);
    CHECK(rec.formats[1].size == rec.formats[0].size);
    // The dmabuf buffers were dropped (the importer must forget them).
    CHECK(!rec.removed.empty());
    CHECK(rec.frames.front().memory == MemoryKind::DmaBuf);
  });
  const auto stats = (*stream)->stats();
  CHECK(stats.renegotiations == 1);
  CHECK(stats.format_changes == 1);
  CHECK(stats.buffers_removed >= 1);
}

TEST_CASE("metas: crop, damage and cursor travel through a real negotiation") {
  PipeWireDaemon daemon;
  FixateProducer::Options o;
  o.metas = true;
  FixateProducer src(o);
  Recorder rec;
  auto stream = Stream::start(src.stream_options(), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 25); }));
  INFO(rec.history());
  rec.locked([&] {
    size_t with_bitmap = 0;
    bool bitmap_seen = false;
    for (const auto& f : rec.frames) {
      CHECK(f.crop == Rect{10, 10, 300, 220});
      CHECK(f.damage_known);
      CHECK(f.damage_count == 1);
      CHECK(f.first_damage == Rect{8, 4, 32, 16});
      CHECK(f.cursor.visible);
      // The bitmap comes on every 10th frame only; once seen, every later frame carries it from
      // the cache.
      CHECK((f.cursor.pixels != nullptr || !bitmap_seen));
      if (f.cursor.pixels) {
        bitmap_seen = true;
        ++with_bitmap;
        CHECK(f.cursor.x == 48);  // position minus the bitmap's hotspot
        CHECK(f.cursor.y == 57);
        CHECK(f.cursor.width == 16);
        CHECK(f.cursor.format == PixelFormat::ARGB);
        CHECK(f.cursor_first_byte == 0xC5);
      }
    }
    CHECK(with_bitmap >= rec.frames.size() / 2);
    CHECK(rec.defects.empty());
  });
}

TEST_CASE("fd: a stream over a connected socket (what the portal hands out) captures too") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({}));
  const auto node = wait_for_node("zc-fixate", 5s);
  REQUIRE(node);
  auto connect_socket = [&] {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = daemon.runtime_dir() + "/pipewire-0";
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
  };
  auto nodes = list_nodes(2s, UniqueFd(connect_socket()));
  REQUIRE(nodes);
  CHECK(std::any_of(nodes->begin(), nodes->end(), [&](const NodeInfo& n) { return n.serial == node->serial; }));
  // Nothing in the environment may be used: only the fd leads to the daemon.
  setenv("XDG_RUNTIME_DIR", "/nonexistent", 1);
  auto options = options_for(*node);
  options.fd = UniqueFd(connect_socket());
  Recorder rec;
  auto stream = Stream::start(std::move(options), rec);
  setenv("XDG_RUNTIME_DIR", daemon.runtime_dir().c_str(), 1);
  REQUIRE(stream);
  INFO(rec.history());
  CHECK(rec.wait(5s, [&] { return frames_at_least(rec, 5); }));
}

TEST_CASE("format change mid-stream: a producer resize is reported and frames follow it") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({}));
  Recorder rec;
  auto stream = Stream::start(src.stream_options(), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 5); }));
  src.resize(640, 360);
  const bool resized = rec.wait(5s, [&] { return !rec.frames.empty() && rec.frames.back().width == 640; });
  INFO(rec.history());
  REQUIRE(resized);
  rec.locked([&] {
    REQUIRE(rec.formats.size() == 2);
    CHECK(rec.formats[0].size == Size{320, 240});
    CHECK(rec.formats[1].size == Size{640, 360});
    CHECK(rec.frames.back().height == 360);
    CHECK(!rec.removed.empty());
    // Frames are never interpreted with the wrong size: each matches a format seen before it.
    for (const auto& f : rec.frames)
      CHECK(((f.width == 320 && f.height == 240) || (f.width == 640 && f.height == 360)));
    CHECK(rec.defects.empty());
  });
  CHECK((*stream)->stats().format_changes == 1);
}

TEST_CASE("producer gone: a producer that exits ends the stream with a clear message") {
  PipeWireDaemon daemon;
  auto src = std::make_unique<FixateProducer>(producer({}));
  Recorder rec;
  auto stream = Stream::start(src->stream_options(), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 3); }));
  src.reset();
  INFO(rec.history());
  REQUIRE(rec.wait_state(5s, StreamState::producer_gone));
  CHECK(rec.state_message(StreamState::producer_gone).find("zc-fixate") != std::string::npos);
  CHECK_FALSE(rec.has_state(StreamState::error));  // one final state, not a cascade
}

TEST_CASE("target missing: a serial nobody has is a clear error, and resolution lists the sources") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({}));
  REQUIRE(wait_for_node("zc-fixate", 5s));
  auto missing = resolve_source(SourceSpec{SourceSpec::Kind::node, 4242});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("node 4242 not found") != std::string::npos);
  CHECK(missing.error().message.find("zc-fixate") != std::string::npos);

  Recorder rec;
  StreamOptions options;
  options.target = Target{987654, 0, ""};
  auto stream = Stream::start(std::move(options), rec);
  REQUIRE(stream);
  INFO(rec.history());
  REQUIRE(rec.wait_state(6s, StreamState::error));
  CHECK(rec.state_message(StreamState::error).find("serial 987654 does not exist") != std::string::npos);
  CHECK(rec.locked([&] { return rec.frames.empty(); }));
}

TEST_CASE("resolution: serial and gamescope find their node") {
  PipeWireDaemon daemon;
  FixateProducer::Options o;
  o.name = "gamescope";
  auto none = resolve_source(SourceSpec{SourceSpec::Kind::gamescope, 0});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
  FixateProducer src(o);
  const auto node = wait_for_node("gamescope", 5s);
  REQUIRE(node);
  auto found = resolve_source(SourceSpec{SourceSpec::Kind::gamescope, 0});
  REQUIRE(found);
  CHECK(found->serial == node->serial);
  CHECK(found->node_id == node->id);
  auto by_serial = resolve_source(SourceSpec{SourceSpec::Kind::serial, node->serial});
  REQUIRE(by_serial);
  CHECK(by_serial->name == "gamescope");
  auto sources = list_video_sources();
  REQUIRE(sources);
  CHECK(sources->size() == 1);
}

TEST_CASE("PipeWire's video-src (24-bit RGB only) streams: its frames arrive as RGB") {
  // Before issue 12 capture took 32-bit RGB only and this producer ended in "no common format".
  const std::string producer_bin = kExamples + "video-src";
  require_program(producer_bin);
  PipeWireDaemon daemon;
  Process src({producer_bin});
  const auto node = wait_for_node("video-src", 5s);
  REQUIRE(node);
  Recorder rec;
  auto stream = Stream::start(options_for(*node), rec);
  REQUIRE(stream);
  INFO(rec.history());
  REQUIRE(rec.wait(5s, [&] { return rec.frames.size() >= 5; }));
  const auto [formats, first] = rec.locked([&] { return std::pair{rec.formats, rec.frames.front()}; });
  REQUIRE_FALSE(formats.empty());
  CHECK(formats.front().format == PixelFormat::RGB);
  CHECK(first.format == PixelFormat::RGB);
  CHECK(first.stride >= first.width * 3);
  const auto stats = (*stream)->stats();
  for (size_t k = 0; k < kDefectKinds; ++k)
    CHECK(stats.defects[k] == 0);
}

TEST_CASE("unusable producer: GStreamer sending Y444 only ends in an error naming what capture takes, not a hang") {
  if (!zc::test::have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 is not installed");
  PipeWireDaemon daemon;
  Process gst({"gst-launch-1.0", "-q", "videotestsrc", "!", "video/x-raw,format=Y444,width=320,height=240", "!",
               "pipewiresink", "stream-properties=props,node.name=(string)zc-y444,node.autoconnect=(boolean)false"});
  const auto node = wait_for_node("zc-y444", 10s);
  REQUIRE(node);
  Recorder rec;
  auto options = options_for(*node);
  options.negotiation_timeout = 2s;
  auto stream = Stream::start(std::move(options), rec);
  REQUIRE(stream);
  INFO(rec.history());
  REQUIRE(rec.wait_state(4s, StreamState::error));
  CHECK(rec.state_message(StreamState::error).find("no common format") != std::string::npos);
  CHECK(rec.state_message(StreamState::error).find("YUY2") != std::string::npos);
  CHECK(rec.locked([&] { return rec.frames.empty() && rec.formats.empty(); }));
}

TEST_CASE("daemon gone: killing PipeWire is reported as a disconnect") {
  PipeWireDaemon daemon;
  FixateProducer src(producer({}));
  Recorder rec;
  auto stream = Stream::start(src.stream_options(), rec);
  REQUIRE(stream);
  REQUIRE(rec.wait(5s, [&] { return frames_at_least(rec, 3); }));
  daemon.kill_pipewire();
  INFO(rec.history());
  REQUIRE(rec.wait_state(5s, StreamState::disconnected));
}

TEST_CASE("no daemon: start fails with a PipeWire error instead of waiting") {
  const std::string dir = zc::test::make_temp_dir("zc-nopw");
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved_value = saved ? saved : "";
  setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  unsetenv("PIPEWIRE_REMOTE");
  Recorder rec;
  StreamOptions options;
  options.target = Target{42, 0, ""};
  auto stream = Stream::start(std::move(options), rec);
  auto nodes = list_nodes(1s);
  if (saved)
    setenv("XDG_RUNTIME_DIR", saved_value.c_str(), 1);
  else
    unsetenv("XDG_RUNTIME_DIR");
  rmdir(dir.c_str());
  REQUIRE_FALSE(stream);
  CHECK(stream.error().code == Errc::pipewire);
  REQUIRE_FALSE(nodes);
  CHECK(nodes.error().code == Errc::pipewire);
}
