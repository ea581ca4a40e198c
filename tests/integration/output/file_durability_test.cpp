// What is left on disk when the writer dies or the disk fills: every file stays playable up to
// (near) the last packet written, and disk errors come back as values.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <catch2/catch.hpp>

#include "output/format_sink.hpp"
#include "output/open_sink.hpp"
#include "output_test_util.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

// A child writes `stop_after` packets of a 60-frame stream (keyframes at 0 and 30), says so, and
// waits to be SIGKILLed. Returns how many frames of the file decode, checking their order.
size_t killed_writer(const std::string& ext, output::Flush flush, int stop_after) {
  const EncodedStream stream = encode_or_skip({.frames = 60, .gop = 30});
  const std::string path = make_temp_dir("zc-output") + "/killed." + ext;
  auto last = run_child(
      [&](const auto& send) {
        output::FormatSink sink(*output::parse_target(path), {.flush = flush});
        ChildReport r;
        if (!sink.begin({stream.info})) return;
        for (int i = 0; i < stop_after; ++i) {
          if (!sink.write(stream.packets[static_cast<size_t>(i)])) return;
          r.written = i + 1;
          send(r);
        }
        for (;;)
          ::pause();  // killed here, mid-stream, with no trailer written
      },
      [&](const ChildReport& r) { return r.written < stop_after; }, 20s);
  REQUIRE(last);
  REQUIRE(last->written == stop_after);

  const Decoded d = decode_numbers(path);
  INFO(path << ": " << d.result.error);
  REQUIRE(d.result.ok);
  CHECK(consecutive(d.numbers, 0));
  return d.result.frames.size();
}

}  // namespace

TEST_CASE("mkv written by a SIGKILLed process decodes up to the last packet", "[output][durability]") {
  CHECK(killed_writer("mkv", output::Flush::packet, 45) == 45);
}
TEST_CASE("ts written by a SIGKILLed process decodes up to the last packet", "[output][durability]") {
  CHECK(killed_writer("ts", output::Flush::packet, 45) == 45);
}
TEST_CASE("fragmented mp4 written by a SIGKILLed process decodes up to the packet before the last",
          "[output][durability]") {
  // A fragment is completed when the next packet arrives (its duration is known only then).
  const size_t frames = killed_writer("mp4", output::Flush::packet, 45);
  CHECK(frames >= 44);
  CHECK(frames <= 45);
}
TEST_CASE("with keyframe flushing a SIGKILLed mkv keeps every finished GOP", "[output][durability]") {
  const size_t frames = killed_writer("mkv", output::Flush::keyframe, 45);
  CHECK(frames >= 30);
  CHECK(frames < 45);
}

TEST_CASE("a full disk at the header is a named error, not a crash", "[output][durability]") {
  if (!std::filesystem::exists("/dev/full")) ZC_SKIP("no /dev/full");
  const EncodedStream stream = encode_or_skip({.frames = 5, .gop = 5});
  const std::string dir = make_temp_dir("zc-output");
  for (const char* ext : {"mkv", "mp4", "ts"}) {
    SECTION(ext) {
      const std::string path = dir + "/full." + ext;
      std::filesystem::create_symlink("/dev/full", path);
      auto sink = output::open_sink(path, AV_CODEC_ID_H264);
      REQUIRE(sink);
      REQUIRE((*sink)->begin({stream.info}));
      auto r = (*sink)->write(stream.packets[0]);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Errc::io);
      CHECK(r.error().stage == "output:file");
      CHECK_THAT(r.error().message, Catch::Contains("No space left on device"));
      CHECK_THAT(r.error().message, Catch::Contains(path));
      REQUIRE((*sink)->failure());
      CHECK((*sink)->failure()->message == r.error().message);
      CHECK((*sink)->stats().errors == 1);
      CHECK((*sink)->stats().packets == 0);
      // Later calls keep reporting the failure; nothing crashes, close() is quick.
      CHECK_FALSE((*sink)->write(stream.packets[1]));
      CHECK_FALSE((*sink)->close());
      CHECK((*sink)->close());  // idempotent
    }
  }
}

namespace {

// The child fills a disk (or a size limit) mid-stream, then decodes what it left, since a
// private tmpfs is visible only to it.
ChildReport fill_disk(const std::string& dir, const std::string& ext, const std::function<bool()>& limit) {
  const EncodedStream stream = encode_or_skip({.width = 320, .height = 192, .frames = 90, .gop = 30});
  auto last = run_child(
      [&](const auto& send) {
        ChildReport r;
        if (!limit()) {
          r.error_code = -2;
          send(r);
          return;
        }
        const std::string path = dir + "/filled." + ext;
        output::FormatSink sink(*output::parse_target(path));
        Result<void> result = sink.begin({stream.info});
        for (const auto& p : stream.packets) {
          if (!(result = sink.write(p))) break;
          ++r.written;
        }
        if (!result) {
          r.error_code = static_cast<int>(result.error().code);
          std::snprintf(r.message, sizeof r.message, "%s", result.error().message.c_str());
          (void)sink.close();
        }
        const Decoded d = decode_numbers(path);
        r.decoded = d.result.ok ? static_cast<int>(d.result.frames.size()) : -1;
        // Every frame but possibly the one cut short must be intact and in order.
        std::vector<int> intact(d.numbers.begin(), d.numbers.begin() + std::min<size_t>(d.numbers.size(), r.written));
        r.numbers_ok = consecutive(intact, 0) ? 1 : 0;
        send(r);
      },
      [](const ChildReport&) { return true; }, 60s);
  REQUIRE(last);
  return *last;
}

void check_filled(const ChildReport& r, const char* errno_text) {
  INFO(r.message);
  REQUIRE(r.error_code == static_cast<int>(Errc::io));
  CHECK_THAT(std::string(r.message), Catch::Contains(errno_text));
  CHECK(r.written > 5);   // the limit is well past the header
  CHECK(r.written < 90);  // and well before the end
  CHECK(r.decoded >= r.written - 1);
  CHECK(r.decoded <= r.written + 1);
  CHECK(r.numbers_ok == 1);
}

}  // namespace

TEST_CASE("hitting the file size limit mid-stream returns an error and leaves a playable file",
          "[output][durability]") {
  const std::string dir = make_temp_dir("zc-output");
  for (const char* ext : {"mkv", "ts", "mp4"}) {
    SECTION(ext) {
      const ChildReport r = fill_disk(dir, ext, [] {
        ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
        const rlimit lim{24 * 1024, 24 * 1024};
        return ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
      });
      check_filled(r, "File too large");
    }
  }
}

TEST_CASE("a tmpfs filling up mid-stream returns ENOSPC and leaves a playable file", "[output][durability]") {
  const std::string dir = make_temp_dir("zc-output");
  for (const char* ext : {"mkv", "ts"}) {
    SECTION(ext) {
      const ChildReport r = fill_disk(dir, ext, [&] {
        // A private mount namespace: the tiny tmpfs never shows on the host.
        return ::unshare(CLONE_NEWNS) == 0 && ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
               ::mount("zc-test", dir.c_str(), "tmpfs", 0, "size=24k") == 0;
      });
      if (r.error_code == -2) ZC_SKIP("cannot mount a private tmpfs here (needs root / CAP_SYS_ADMIN)");
      check_filled(r, "No space left on device");
    }
  }
}

// Not run by ctest ([.] hides it): `integration_output_file "[.bench]" -s` prints the cost of
// each flush policy per packet and in file size.
TEST_CASE("flush policy cost", "[.][bench]") {
  const EncodedStream stream = encode_or_skip({.width = 1280, .height = 720, .frames = 300, .fps = 60, .gop = 120});
  const std::string dir = make_temp_dir("zc-output");
  for (const char* ext : {"mkv", "ts", "mp4"}) {
    for (auto flush : {output::Flush::none, output::Flush::keyframe, output::Flush::packet}) {
      const char* name = flush == output::Flush::none       ? "none"
                         : flush == output::Flush::keyframe ? "keyframe"
                                                            : "packet";
      const std::string path = dir + "/bench-" + name + "." + ext;
      output::FormatSink sink(*output::parse_target(path), {.flush = flush});
      REQUIRE(sink.begin({stream.info}));
      REQUIRE(sink.write(stream.packets[0]));  // opening is not what we measure
      const auto t0 = std::chrono::steady_clock::now();
      for (size_t i = 1; i < stream.packets.size(); ++i)
        REQUIRE(sink.write(stream.packets[i]));
      const auto t1 = std::chrono::steady_clock::now();
      REQUIRE(sink.close());
      const double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / (stream.packets.size() - 1);
      std::printf("%-4s flush=%-8s %7.1f us/packet  file %8ju bytes (payload %ju)\n", ext, name, us,
                  static_cast<uintmax_t>(std::filesystem::file_size(path)),
                  static_cast<uintmax_t>(total_bytes(stream)));
    }
  }
}
