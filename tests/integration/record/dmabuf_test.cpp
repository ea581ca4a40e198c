// `zerocast record` reading real dmabufs on the CPU path (ZEROCAST_CPU_DMABUF=1): a separate
// `zerocast test-source --mode dmabuf` process allocates them through GBM or /dev/udmabuf, capture
// negotiates LINEAR, and the CPU importer maps each buffer itself and reads it between
// DMA_BUF_IOCTL_SYNC calls. Every frame number must come out of the file, in order, once.
// Skipped where no real dmabuf can be made (no DRM node GBM allocates on, no /dev/udmabuf): the
// vm tests' guest has both (tests/vm).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "capture/video/sync_timeline.hpp"
#include "drm/dmabuf_alloc.hpp"
#include "drm/gbm.hpp"
#include "drm/syncobj.hpp"
#include "drm/vgem_fence.hpp"
#include "record_support.hpp"
#include "support/paths.hpp"
#include "support/pw_daemon.hpp"
#include "support/skip.hpp"

#include <pipewire/pipewire.h>

using namespace std::chrono_literals;
using zc::test::decode_numbers;
using zc::test::errors_first;

namespace {

constexpr int kFrames = 45;
// Frames PipeWire 1.2+ may drop in the link when the capture, an async consumer there, is late
// (tests/vm/CMakeLists.txt says why; seen under TCG with the host loaded). What these tests prove
// is that every picture shows its own frame, none an older one: losses are PipeWire's, bounded.
constexpr size_t kLinkLosses = 9;

std::string gbm_unavailable() {
  auto device = zc::drm::gbm::open_first_device();
  return device ? std::string() : device.error().message;
}

bool have_udmabuf() {
  const zc::UniqueFd fd(::open(std::string(zc::drm::kUdmabufDevice).c_str(), O_RDWR | O_CLOEXEC));
  return static_cast<bool>(fd);
}

// Empty when every picture's number is readable and above the one before (no picture shows an
// older frame: nothing was read before its pixels were written) and the missing numbers are at
// most `max_missing`; else what is wrong first.
std::string increasing_problem(const std::vector<std::optional<uint32_t>>& numbers, size_t max_missing) {
  size_t missing = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (!numbers[i]) return "picture " + std::to_string(i) + " has no readable number";
    if (i == 0) continue;
    if (*numbers[i] <= *numbers[i - 1])
      return "picture " + std::to_string(i) + " shows frame " + std::to_string(*numbers[i]) + " after frame " +
             std::to_string(*numbers[i - 1]);
    missing += *numbers[i] - *numbers[i - 1] - 1;
  }
  if (missing > max_missing)
    return std::to_string(missing) + " frames missing, at most " + std::to_string(max_missing) + " explained";
  return {};
}

struct Recorded {
  zc::test::RunResult record;
  std::string source_output;
};

// A dmabuf test source (allocator `alloc`, more test-source arguments in `extra`) recorded by
// `zerocast record` with the CPU path offering LINEAR dmabufs, or only shared memory when
// `cpu_dmabuf` is false.
Recorded record_dmabuf_source(const std::string& alloc, const std::string& out, bool cpu_dmabuf = true,
                              const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"test-source",    "--size", "320x240", "--fps",           "30", "--mode", "dmabuf",
                                "--dmabuf-alloc", alloc,    "--name",  "zc-dmabuf-source"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto source = zc::test::start_zerocast(args);
  const auto serial = zc::test::wait_for_serial(source, 10s);
  INFO(source.output());
  REQUIRE(serial);
  zc::test::Process::Options env;
  env.env["ZEROCAST_CPU_DMABUF"] = cpu_dmabuf ? "1" : "0";
  env.env["ZEROCAST_ZEROCOPY"] = "0";
  Recorded r;
  r.record = zc::test::run({zc::test::zerocast_bin(), "record", "--source", "serial:" + std::to_string(*serial),
                            "--frames", std::to_string(kFrames), "-o", out},
                           60s, env);
  source.stop();
  r.source_output = source.output();
  return r;
}

// `unset_memory_tolerated`: see the shared-memory control below.
void check_every_frame(const Recorded& r, const std::string& out, bool unset_memory_tolerated = false) {
  INFO(r.record.output);
  INFO(r.source_output);
  REQUIRE(r.record.status == 0);
  const auto c = zc::test::summary_counts(r.record.output);
  REQUIRE(c);
  CHECK(c->import_failures == 0);
  if (unset_memory_tolerated && c->invalid_buffers > 0) {
    // PipeWire 0.3.65 now and then hands the consumer of this producer-allocated memfd set a
    // skeleton (no memory type on any buffer): capture counts 3 in a row, asks for a new set, up
    // to 3 times (src/capture/video/stream.cpp, recover_unfilled). Seen in CI: once with 3 buffers (ASan
    // build), once with 9 (three sets in a row, normal build); every later frame arrived both
    // times. Tolerated here only as that recovery, within its limit of 3 x 3.
    CHECK(c->invalid_buffers <= 9);
    CHECK(r.record.output.find("carry no memory (type unset); asking for new buffers") != std::string::npos);
  } else {
    CHECK(c->invalid_buffers == 0);
  }
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.numbers.size() == c->encoded);  // under load the encoder may fall behind: counted
  const std::string problem = increasing_problem(d.numbers, kLinkLosses + c->encoder_behind);
  INFO(problem);
  CHECK(problem.empty());
}

}  // namespace

TEST_CASE("record: GBM dmabufs read by the CPU path, each picture its own frame, in order", "[record][dmabuf]") {
  if (const std::string why = gbm_unavailable(); !why.empty()) ZC_SKIP("no real dmabufs here: " + why);
  zc::test::PipeWireDaemon pw;
  const auto out = zc::test::make_temp_dir("zc-dmabuf") + "/gbm.mkv";
  const Recorded r = record_dmabuf_source("gbm", out);
  check_every_frame(r, out);
  // LINEAR dmabufs were negotiated and the source made them through GBM, none from memfds.
  CHECK(r.record.output.find("dmabuf modifier 0x0") != std::string::npos);
  CHECK(r.record.output.find("LINEAR dmabufs offered (ZEROCAST_CPU_DMABUF=1)") != std::string::npos);
  CHECK(r.source_output.find("memfd_buffers=0") != std::string::npos);
  CHECK(r.source_output.find("gbm_buffers=0") == std::string::npos);
}

TEST_CASE("record: udmabufs read by the CPU path, each picture its own frame, in order", "[record][dmabuf]") {
  if (!have_udmabuf()) ZC_SKIP("no /dev/udmabuf here (modprobe udmabuf; Linux 5.x+ with CONFIG_UDMABUF)");
  zc::test::PipeWireDaemon pw;
  const auto out = zc::test::make_temp_dir("zc-dmabuf") + "/udmabuf.mkv";
  const Recorded r = record_dmabuf_source("udmabuf", out);
  check_every_frame(r, out);
  CHECK(r.record.output.find("dmabuf modifier 0x0") != std::string::npos);
  CHECK(r.source_output.find("udmabuf_buffers=") != std::string::npos);
}

TEST_CASE("record: without ZEROCAST_CPU_DMABUF the CPU path takes shared memory from a dmabuf source",
          "[record][dmabuf]") {
  // The control for the two above: the same source, and capture never sees a dmabuf.
  zc::test::PipeWireDaemon pw;
  const auto out = zc::test::make_temp_dir("zc-dmabuf") + "/shm.mkv";
  const Recorded r = record_dmabuf_source("memfd", out, false);
  check_every_frame(r, out, true);
  CHECK(r.record.output.find("dmabuf modifier") == std::string::npos);
  CHECK(r.record.output.find(", shared memory") != std::string::npos);
}

TEST_CASE("record: implicit fences: no frame read before its fence, one that never signals is dropped",
          "[record][dmabuf][fence]") {
  if (const std::string why = gbm_unavailable(); !why.empty()) ZC_SKIP("no real dmabufs here: " + why);
  if (auto vgem = zc::drm::VgemFencer::open(); !vgem) ZC_SKIP("no vgem fences here: " + vgem.error().message);
  zc::test::PipeWireDaemon pw;
  const auto out = zc::test::make_temp_dir("zc-dmabuf") + "/fenced.mkv";
  // Each buffer is queued with a pending vgem write fence; its pixels come 10 ms later, with the
  // signal. A reader that did not wait would find the frame its buffer held four frames before.
  // Frame 20's fence is not signalled (the source signals it when the buffer comes back).
  const Recorded r = record_dmabuf_source("gbm", out, true,
                                          {"--sync", "implicit", "--late-ms", "10", "--defect", "unsignalled-sync@20"});
  INFO(r.record.output);
  INFO(r.source_output);
  REQUIRE(r.record.status == 0);
  const auto c = zc::test::summary_counts(r.record.output);
  REQUIRE(c);
  CHECK(c->import_failures >= 1);
  CHECK(c->invalid_buffers == 0);
  CHECK(r.record.output.find("waited for a dmabuf's implicit write fence") != std::string::npos);
  CHECK(r.record.output.find("implicit write fence did not signal within 100 ms; frame dropped") != std::string::npos);
  CHECK(r.source_output.find("syncs_unsignalled=1") != std::string::npos);
  // Every picture carries its own number, never an older frame's (which a read before the fence
  // would show: the buffer's previous frame). Frame 20 is missing. Each dropped frame cost up to
  // three more: while capture waits its 100 ms, PipeWire 1.4's link keeps only the newest of the
  // frames the source sends at 30 fps (measured under TCG: 20 dropped, 21 and 22 lost, and frame 0
  // dropped once when the source's thread was starved past 100 ms while record started).
  const auto d = decode_numbers(out);
  REQUIRE(d.decode.ok);
  CHECK(d.numbers.size() == c->encoded);  // under load the encoder may fall behind: counted
  const std::string problem = increasing_problem(d.numbers, kLinkLosses + c->encoder_behind + 4 * c->import_failures);
  INFO(problem);
  CHECK(problem.empty());
  CHECK(std::find(d.numbers.begin(), d.numbers.end(), std::optional<uint32_t>(20)) == d.numbers.end());
  CHECK(std::find(d.numbers.begin(), d.numbers.end(), std::optional<uint32_t>(19)) != d.numbers.end());
}

TEST_CASE("record: explicit sync end to end, and a consumer killed mid-stream leaves no producer buffer stuck",
          "[record][dmabuf][sync]") {
  if (!zc::capture::library_has_sync_timeline())
    ZC_SKIP(std::string("libpipewire ") + pw_get_library_version() + " has no explicit sync (1.2+)");
  if (auto dev = zc::drm::SyncobjDevice::open(); !dev) ZC_SKIP("no timeline syncobjs here: " + dev.error().message);
  if (!have_udmabuf()) ZC_SKIP("no /dev/udmabuf here");
  zc::test::PipeWireDaemon pw;
  auto source =
      zc::test::start_zerocast({"test-source", "--size", "320x240", "--fps", "30", "--mode", "dmabuf", "--dmabuf-alloc",
                                "udmabuf", "--sync", "explicit", "--late-ms", "10", "--name", "zc-sync-source"});
  const auto serial = zc::test::wait_for_serial(source, 10s);
  INFO(source.output());
  REQUIRE(serial);
  zc::test::Process::Options env;
  env.env["ZEROCAST_CPU_DMABUF"] = "1";
  env.env["ZEROCAST_ZEROCOPY"] = "0";
  const std::string dir = zc::test::make_temp_dir("zc-sync");
  const std::vector<std::string> record{zc::test::zerocast_bin(), "record", "--source",
                                        "serial:" + std::to_string(*serial)};
  // A recording killed (SIGKILL: nothing of it signals anything) while frames flow and it holds
  // buffers whose release points it owes.
  {
    auto args = record;
    args.insert(args.end(), {"-o", dir + "/killed.mkv"});
    zc::test::Process killed(args, env);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (killed.output().find("capturing") == std::string::npos && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    INFO(killed.output());
    REQUIRE(killed.output().find("explicit sync offered") != std::string::npos);
    std::this_thread::sleep_for(1s);
    killed.signal(SIGKILL);
    REQUIRE(killed.wait(5s));
  }
  // The next one gets every frame: the source went on (no buffer waits for a release that never
  // comes), and each frame is read only after its acquire point.
  auto args = record;
  args.insert(args.end(), {"--frames", std::to_string(kFrames), "-o", dir + "/next.mkv"});
  const auto r = zc::test::run(args, 60s, env);
  source.stop();
  INFO(errors_first(r.output));
  INFO(source.output());
  REQUIRE(r.status == 0);
  CHECK(r.output.find("explicit sync offered") != std::string::npos);
  const auto c = zc::test::summary_counts(r.output);
  REQUIRE(c);
  CHECK(c->import_failures == 0);
  // Every picture shows its own frame (none read before its acquire point); frames may be missing
  // only where an acquire wait timed out (counted as invalid buffers; none expected, but a starved
  // source under TCG may be late) and PipeWire lost the frames sent meanwhile.
  const auto d = decode_numbers(dir + "/next.mkv");
  REQUIRE(d.decode.ok);
  CHECK(d.numbers.size() == c->encoded);  // under load the encoder may fall behind: counted
  const std::string problem = increasing_problem(d.numbers, kLinkLosses + c->encoder_behind + 4 * c->invalid_buffers);
  INFO(problem);
  CHECK(problem.empty());
  CHECK(source.output().find("release_waits=") != std::string::npos);
}
