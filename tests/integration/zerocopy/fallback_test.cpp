// The zero-copy path's negotiation and fallback through a real pipeline on a private PipeWire:
// the built-in test source in its memfd-backed "dmabuf" mode with a modifier list, a fake GPU
// importer behind the Importer interface, libx264, a real file decoded and its frame numbers read.
#include <catch2/catch.hpp>

#include "cli/status.hpp"
#include "fake_importer.hpp"
#include "record_support.hpp"
#include "session/pipeline.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/options.hpp"

using namespace std::chrono_literals;
using namespace zc;
using zc::session::Counter;
using zc::test::FakeGpuImporter;
using zc::test::FakeImportLog;

namespace {

struct Run {
  session::Snapshot snap;
  session::Outcome outcome;
  test::NumberedDecode decoded;
};

constexpr uint64_t kFrames = 40;

Run record(FakeGpuImporter::Behaviour b, std::vector<uint64_t> source_modifiers,
           const std::shared_ptr<FakeImportLog>& log) {
  test::PipeWireDaemon pw;
  session::RecordOptions o;
  o.source = *capture::parse_source("test");
  o.test.size = {320, 240};
  o.test.fps = 30;
  o.max_frames = kFrames;
  const std::string path = test::make_temp_dir("zc-zerocopy") + "/out.mkv";
  o.outputs = {path};
  o.encoder = "libx264";
  session::PipelineHooks hooks;
  hooks.make_importer = [b, log]() -> std::unique_ptr<zerocopy::Importer> {
    return std::make_unique<FakeGpuImporter>(b, log);
  };
  hooks.adjust_test_source = [source_modifiers](testsrc::Options& so) {
    so.mode = testsrc::BufferMode::DmaBuf;
    // The fake importer reads the bytes as linear whatever the modifier says: never real tiling.
    so.dmabuf_allocator = testsrc::DmabufAllocator::MemFd;
    so.modifiers = source_modifiers;
  };
  auto p = session::Pipeline::create(o, std::move(hooks));
  INFO((p ? std::string() : p.error().describe()));
  REQUIRE(p);
  auto started = (*p)->start();
  INFO((started ? std::string() : started.error().describe()));
  REQUIRE(started);
  auto outcome = (*p)->wait(20s);
  REQUIRE(outcome);
  Run r{(*p)->snapshot(), *outcome, {}};
  INFO((r.outcome.error ? r.outcome.error->describe() : r.outcome.reason));
  REQUIRE_FALSE(r.outcome.error);
  r.decoded = test::decode_numbers(path);
  REQUIRE(r.decoded.decode.ok);
  return r;
}

}  // namespace

TEST_CASE("zero-copy: an importer that accepts gets every frame through the dmabuf path") {
  auto log = std::make_shared<FakeImportLog>();
  const auto r = record({{kModifierLinear}, {}, 0, 250'000}, {kModifierLinear, testsrc::kFakeTiledModifier}, log);
  CHECK(r.decoded.decode.frames.size() == kFrames);
  // The importer's GPU time reaches the snapshot (metrics, status) per frame.
  CHECK(r.snap.capture_gpu_ms_per_frame == Approx(0.25));
  CHECK(cli::summary(r.snap, r.outcome).find("gpu       0.250 ms/frame") != std::string::npos);
  CHECK(test::consecutive_problem(r.decoded.numbers).empty());
  std::lock_guard lock(log->mutex);
  CHECK(log->imported >= kFrames);  // every encoded frame came through the fake (the last may not be encoded)
  CHECK(log->rejected == 0);
  CHECK(std::all_of(log->modifiers.begin(), log->modifiers.end(), [](uint64_t m) { return m == kModifierLinear; }));
  CHECK(r.snap.import_path == "fake-gpu");
  // The counts add up: frames after the end are not counted as captured.
  CHECK(r.snap.counters[Counter::frames_captured] ==
        r.snap.counters[Counter::frames_encoded] - r.snap.counters[Counter::frames_repeated] +
            r.snap.counters[Counter::dropped_queue] + r.snap.counters[Counter::dropped_import]);
}

TEST_CASE("zero-copy: a rejected modifier renegotiates to the next one") {
  auto log = std::make_shared<FakeImportLog>();
  const uint64_t tiled = testsrc::kFakeTiledModifier;
  // The source prefers the tiled modifier; the importer offers both and refuses tiled.
  const auto r = record({{tiled, kModifierLinear}, {tiled}, 0}, {tiled, kModifierLinear}, log);
  {
    std::lock_guard lock(log->mutex);
    REQUIRE_FALSE(log->modifiers.empty());
    CHECK(log->modifiers.front() == tiled);
    CHECK(log->modifiers.back() == kModifierLinear);
    // Tiled never comes back once LINEAR was negotiated, and LINEAR frames are imported.
    const auto first_linear = std::find(log->modifiers.begin(), log->modifiers.end(), kModifierLinear);
    CHECK(std::find(first_linear, log->modifiers.end(), tiled) == log->modifiers.end());
    CHECK(log->rejected < zerocopy::ImportChain::kDisableAfter);
    CHECK(log->imported > kFrames / 2);
  }
  CHECK(r.snap.import_path == "fake-gpu");
  CHECK(r.decoded.decode.frames.size() >= kFrames / 2);
}

TEST_CASE("zero-copy: the last modifier rejected renegotiates to shared memory") {
  auto log = std::make_shared<FakeImportLog>();
  const auto r = record({{kModifierLinear}, {kModifierLinear}, 0}, {kModifierLinear}, log);
  {
    std::lock_guard lock(log->mutex);
    CHECK(log->rejected >= 1);
    CHECK(log->imported == 0);
  }
  // A rejected LINEAR frame is still read by the CPU path, and the rest come in shared memory:
  // nothing lost.
  CHECK(r.snap.import_path == "cpu (the producer sends shared memory)");
  CHECK(r.snap.capture_gpu_ms_per_frame < 0);  // nothing went through the GPU: no GPU time
  CHECK(r.snap.counters[Counter::dropped_import] == 0);
  CHECK(r.decoded.decode.frames.size() == kFrames);
  // PipeWire 0.3.65 now and then hands over the first buffers of the new shared-memory set with no
  // memory in them (CI saw 1-3 skipped after 0). Capture counts each as a defect and skips it
  // (Stream::Impl::recover_unfilled): those may be missing from the file, nothing else.
  const uint64_t skipped = test::skipped_numbers(r.decoded.numbers);
  CHECK(skipped <= r.snap.counters[Counter::dropped_defect]);
  CHECK(r.snap.counters[Counter::dropped_defect] <= 9);  // three renegotiations of three unfilled buffers each, at most
  INFO(test::consecutive_problem(r.decoded.numbers, skipped));
  CHECK(test::consecutive_problem(r.decoded.numbers, skipped).empty());
}

TEST_CASE(
    "zero-copy: an importer failing mid-stream falls back to the CPU path and loses only what the renegotiation "
    "drops") {
  auto log = std::make_shared<FakeImportLog>();
  const auto r = record({{kModifierLinear}, {}, 10}, {kModifierLinear}, log);
  {
    std::lock_guard lock(log->mutex);
    CHECK(log->imported == 9);
    CHECK(log->failed == zerocopy::ImportChain::kDisableAfter);
  }
  CHECK(r.snap.counters[Counter::dropped_import] == 0);
  CHECK(r.decoded.decode.frames.size() == kFrames);
  // The frames the importer failed on went the CPU way: the first ones (9 imported, then the
  // failures) are all in the file, in order.
  const auto& numbers = r.decoded.numbers;
  const size_t before_switch = 9 + zerocopy::ImportChain::kDisableAfter;
  REQUIRE(numbers.size() >= before_switch);
  REQUIRE(numbers[0]);
  for (size_t i = 1; i < before_switch; ++i) {
    INFO("picture " << i);
    CHECK(numbers[i] == std::optional<uint32_t>(*numbers[0] + i));
  }
  // Giving the importer up renegotiates to shared memory, and the frames the source had queued in
  // its old buffers go with them (PipeWire clears its queues): missed, and counted. A quiet machine
  // loses none; CI under ctest -j2 lost 3 once ("gap after 11: next is 15"), while capture was out
  // of the graph for the renegotiation. At most the source's 4 buffers. Shared memory's first
  // buffers may come unfilled on 0.3.65 (skipped as defects, as in the test above). Nothing else
  // may be missing, repeated or out of order.
  const uint64_t skipped = test::skipped_numbers(numbers);
  CHECK(r.snap.counters[Counter::frames_missed] <= 4);
  CHECK(skipped <= r.snap.counters[Counter::frames_missed] + r.snap.counters[Counter::dropped_defect]);
  INFO(test::consecutive_problem(numbers, skipped));
  CHECK(test::consecutive_problem(numbers, skipped).empty());
  CHECK(r.snap.import_path.find("fake-gpu disabled") != std::string::npos);
}

TEST_CASE("zero-copy: an importer that leaves its reads in flight gets each buffer back after them, no frame lost") {
  auto log = std::make_shared<FakeImportLog>();
  FakeGpuImporter::Behaviour b{{kModifierLinear}, {}, 0};
  // Long enough that capture still finds the read in flight when its thread runs late on a busy
  // machine (at 2 ms, 6 of 40 were over before capture asked, once in CI), short of the 33 ms
  // between frames.
  b.read_time = std::chrono::milliseconds(10);
  const auto r = record(b, {kModifierLinear}, log);
  CHECK(r.snap.import_path == "fake-gpu");
  CHECK(r.snap.counters[Counter::dropped_import] == 0);
  CHECK(r.decoded.decode.frames.size() == kFrames);
  INFO(test::consecutive_problem(r.decoded.numbers));
  CHECK(test::consecutive_problem(r.decoded.numbers).empty());
  std::lock_guard lock(log->mutex);
  CHECK(log->imported >= kFrames);
  // Capture kept the buffers (the test source has 4) while their reads were in flight, gave each
  // back once they were over, and never handed one over again, or dropped it, before that. Most
  // reads are still in flight when capture asks (a late capture thread may find a few done).
  CHECK(log->kept + log->imported / 5 >= log->imported);
  CHECK(log->given_back == log->imported);
  CHECK(log->imported_while_reading == 0);
  CHECK(log->forgotten_while_reading == 0);
}
