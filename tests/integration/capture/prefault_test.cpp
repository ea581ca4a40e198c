// The producer's shared memory is in our page tables before its first frame is read (prefault in
// Stream's add_buffer), whichever way the producer shares it: PipeWire-allocated memory
// (SPA_DATA_MemPtr, the test source's default) or the producer's memfds (SPA_DATA_MemFd). Without
// it the first frame read from each buffer pays a fault per page inside the conversion: on the 2-core
// machine at 4K30 the first four conversions took 32-49 ms against 2 ms later (record_bench's
// whole-run p99; bench/HISTORY.md).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "capture/video/stream.hpp"
#include "core/log.hpp"
#include "core/unique_fd.hpp"
#include "recorder.hpp"
#include "support/pw_daemon.hpp"
#include "testsrc/test_source.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::capture::test::Recorder;

namespace {

// Pages of [begin, end) that this process has no page-table entry for (/proc/self/pagemap's
// "present" bit, readable without privileges); -1 when pagemap cannot be read.
long absent_pages(const uint8_t* begin, const uint8_t* end) {
  const long page = sysconf(_SC_PAGESIZE);
  const UniqueFd fd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!fd) return -1;
  long absent = 0;
  for (auto at = reinterpret_cast<uintptr_t>(begin) / page; at * page < reinterpret_cast<uintptr_t>(end); ++at) {
    uint64_t entry = 0;
    if (::pread(fd.get(), &entry, sizeof entry, static_cast<off_t>(at * sizeof entry)) != sizeof entry) return -1;
    if ((entry >> 63 & 1) == 0) ++absent;
  }
  return absent;
}

// Before anything reads a buffer's first frame (Recorder reads its first row): how many of its
// pages past that row were not mapped yet, per buffer.
class FirstReads : public Recorder {
 public:
  void on_frame(const Frame& frame) override {
    if (frame.data) {
      const long page = sysconf(_SC_PAGESIZE);
      const auto first_row_end = reinterpret_cast<uintptr_t>(frame.data) + frame.stride;
      const auto* from = reinterpret_cast<const uint8_t*>((first_row_end + page - 1) / page * page);
      const uint8_t* to = frame.data + size_t{frame.stride} * frame.height;
      std::lock_guard lock(m_);
      if (!absent_.count(frame.buffer_id)) absent_[frame.buffer_id] = absent_pages(from, to);
    }
    Recorder::on_frame(frame);
  }
  std::map<uint64_t, long> absent() {
    std::lock_guard lock(m_);
    return absent_;
  }

 private:
  std::mutex m_;
  std::map<uint64_t, long> absent_;
};

void check_prefaulted(testsrc::BufferMode mode) {
  zc::log::init();
  zc::test::PipeWireDaemon daemon;
  testsrc::Options o;
  o.width = 640;
  o.height = 480;  // 1.2 MB a frame, 300 pages
  o.fps = 60;
  o.buffers = 3;
  o.mode = mode;
  o.node_name = "zc-prefault";
  testsrc::TestSource source(o);
  auto started = source.start();
  INFO((started ? std::string() : started.error().describe()));
  REQUIRE(started);
  auto node = source.wait_for_node(5s);
  REQUIRE(node);
  StreamOptions so;
  so.target = Target{node->serial, node->id, "zc-prefault"};
  FirstReads rec;
  auto stream = Stream::start(std::move(so), rec);
  REQUIRE(stream);
  const bool streaming = rec.wait(10s, [&] { return rec.frames.size() >= 12; });
  INFO(rec.history());
  REQUIRE(streaming);
  const auto absent = rec.absent();
  // Every buffer of the three has had its first frame by now (the source cycles through them).
  CHECK(absent.size() == 3);
  for (const auto& [id, pages] : absent) {
    INFO("buffer " << id << ": " << pages << " pages not mapped at its first frame (-1: pagemap unreadable)");
    CHECK(pages == 0);
  }
}

}  // namespace

TEST_CASE("prefault: PipeWire-allocated buffers (MemPtr) are mapped in full before their first frame") {
  check_prefaulted(testsrc::BufferMode::Shm);
}

TEST_CASE("prefault: the producer's memfds (MemFd) are mapped in full before their first frame") {
  check_prefaulted(testsrc::BufferMode::MemFd);
}
