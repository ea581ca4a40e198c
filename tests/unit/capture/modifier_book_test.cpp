#include <catch2/catch.hpp>

#include <spa/param/format-utils.h>
#include <spa/param/video/format-utils.h>

#include "capture/video/offer.hpp"
#include "capture/video/params.hpp"

using namespace zc;
using namespace zc::capture;

namespace {

class FixedSource : public ModifierSource {
 public:
  std::vector<uint64_t> modifiers(PixelFormat format) override {
    ++calls;
    if (format == PixelFormat::BGRx) return {1, 2, 3};
    if (format == PixelFormat::RGBA) return {2};
    return {};
  }
  int calls = 0;
};

}  // namespace

TEST_CASE("make_offer asks the source once per format") {
  FixedSource source;
  const auto offer = make_offer({PixelFormat::BGRx, PixelFormat::RGBA, PixelFormat::xRGB}, &source);
  CHECK(source.calls == 3);
  REQUIRE(offer.formats.size() == 3);
  CHECK(offer.formats[0].modifiers == std::vector<uint64_t>{1, 2, 3});
  CHECK(offer.formats[1].modifiers == std::vector<uint64_t>{2});
  CHECK(offer.formats[2].modifiers.empty());
  const auto none = make_offer({PixelFormat::BGRx}, nullptr);
  CHECK(none.formats[0].modifiers.empty());
}

TEST_CASE("modifier book removes exactly the failed (format, modifier) pairs") {
  FixedSource source;
  ModifierBook book;
  CHECK(book.record_failed(PixelFormat::BGRx, 2));
  CHECK_FALSE(book.record_failed(PixelFormat::BGRx, 2));  // already known
  CHECK(book.failed(PixelFormat::BGRx, 2));
  CHECK_FALSE(book.failed(PixelFormat::RGBA, 2));  // same modifier, other format: still fine
  CHECK(book.failed_count() == 1);

  const auto offer = book.filter(make_offer({PixelFormat::BGRx, PixelFormat::RGBA}, &source));
  CHECK(offer.formats[0].modifiers == std::vector<uint64_t>{1, 3});
  CHECK(offer.formats[1].modifiers == std::vector<uint64_t>{2});
}

TEST_CASE("modifier book: a format whose modifiers all failed falls back to shared memory only") {
  FixedSource source;
  ModifierBook book;
  book.record_failed(PixelFormat::RGBA, 2);
  const auto offer = book.filter(make_offer({PixelFormat::BGRx, PixelFormat::RGBA}, &source));
  ParamSet set;
  build_enum_formats(offer, set);
  // BGRx with modifiers, then shm BGRx and shm RGBA: no RGBA dmabuf pod any more.
  REQUIRE(set.size() == 3);
  spa_video_info_raw raw{};
  REQUIRE(spa_format_video_raw_parse(set[0], &raw) >= 0);
  CHECK(raw.format == SPA_VIDEO_FORMAT_BGRx);
  CHECK(spa_pod_find_prop(set[0], nullptr, SPA_FORMAT_VIDEO_modifier) != nullptr);
  for (uint32_t i = 1; i < 3; ++i)
    CHECK(spa_pod_find_prop(set[i], nullptr, SPA_FORMAT_VIDEO_modifier) == nullptr);
  raw = {};
  REQUIRE(spa_format_video_raw_parse(set[2], &raw) >= 0);
  CHECK(raw.format == SPA_VIDEO_FORMAT_RGBA);
}
