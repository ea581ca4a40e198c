#include <catch2/catch.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
}

#include <stdlib.h>

#include <fstream>
#include <string>

#include "core/library_pages.hpp"
#include "ffmpeg/handles.hpp"

namespace {

// Resident kB of the mappings release_loader_pages() may drop, and of the others, by /proc/self/smaps.
struct Resident {
  size_t library_kb = 0;
  size_t other_kb = 0;
};

Resident resident() {
  Resident r;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool library = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("Rss:", 0) == 0) {
      (library ? r.library_kb : r.other_kb) += std::stoull(line.substr(4));
    } else if (line[0] < 'A' || line[0] > 'Z') {
      const size_t space = line.find(' ');
      library = space != std::string::npos && line.compare(space + 1, 4, "r-xp") == 0 &&
                line.find(".so") != std::string::npos;
    }
  }
  return r;
}

// Relocated at load time (a position-independent table of pointers: .data.rel.ro, read-only after
// relocation): dropping its pages would bring back the file's unrelocated bytes.
const char* const kRelocated[] = {"first", "second", "third"};

}  // namespace

// ctest runs each case in a process of its own: each starts with what the loader touched.
TEST_CASE("loader pages: library text the loader touched is released, and everything still runs", "[allocator]") {
  const Resident before = resident();
  const zc::LoaderPages released = zc::release_loader_pages();
  const Resident after = resident();
  INFO("library text " << before.library_kb << " -> " << after.library_kb << " kB; released " << released.bytes / 1024
                       << " kB in " << released.mappings << " mappings");
  // This binary links FFmpeg's tree like zerocast: well over a hundred libraries, each one run of
  // read-only segments or two.
  CHECK(released.mappings > 80);
  CHECK(released.bytes > 4u << 20);
  CHECK(after.library_kb * 4 < before.library_kb);
  // Relocated data and calls through every library's relocated tables still work: FFmpeg's
  // encoder list walks libavcodec's pointer tables, and each lookup calls into libavutil.
  CHECK(std::string(kRelocated[1]) == "second");
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  REQUIRE(codec);
  CHECK(std::string(codec->name) == "libx264");
  zc::ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  REQUIRE(ctx);
  ctx.reset();
  CHECK(std::string(av_get_media_type_string(AVMEDIA_TYPE_VIDEO)) == "video");
  // Only what was used came back.
  CHECK(resident().library_kb * 2 < before.library_kb);
}

TEST_CASE("loader pages: not enabled (ZEROCAST_TRIM_LIBRARIES=0) leaves them", "[allocator]") {
  const zc::LoaderPages released = zc::release_loader_pages(false);
  CHECK(released.mappings == 0);
  CHECK(released.bytes == 0);
}
