#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <spa/param/video/raw.h>

#include "capture/video/metas.hpp"
#include "fake_buffer.hpp"

using namespace zc;
using namespace zc::capture;
using zc::capture::test::FakeBuffer;

namespace {

FakeBuffer make_buffer() {
  return FakeBuffer(SPA_DATA_MemPtr, 16, 0, 16, 4);
}

spa_meta_region region(int32_t x, int32_t y, uint32_t w, uint32_t h) {
  spa_meta_region r{};
  r.region.position.x = x;
  r.region.position.y = y;
  r.region.size.width = w;
  r.region.size.height = h;
  return r;
}

}  // namespace

TEST_CASE("crop: clamped into the frame, invalid or outside ignored") {
  FakeBuffer b = make_buffer();
  spa_meta_region crop = region(10, 20, 100, 50);
  b.add_meta(SPA_META_VideoCrop, &crop, sizeof crop);
  CHECK(read_crop(b.buffer, {640, 480}) == Rect{10, 20, 100, 50});

  crop = region(600, -10, 100, 50);  // sticks out right and top
  CHECK(read_crop(b.buffer, {640, 480}) == Rect{600, 0, 40, 40});

  crop = region(0, 0, 0, 480);  // empty: no crop
  CHECK_FALSE(read_crop(b.buffer, {640, 480}));

  crop = region(700, 0, 10, 10);  // entirely outside
  CHECK_FALSE(read_crop(b.buffer, {640, 480}));

  FakeBuffer none = make_buffer();
  CHECK_FALSE(read_crop(none.buffer, {640, 480}));

  FakeBuffer tiny = make_buffer();  // a meta too small to hold a region is not read
  crop = region(1, 1, 1, 1);
  tiny.add_meta(SPA_META_VideoCrop, &crop, sizeof crop - 1);
  CHECK_FALSE(read_crop(tiny.buffer, {640, 480}));
}

TEST_CASE("damage: regions up to the terminator, clamped") {
  FakeBuffer b = make_buffer();
  std::vector<spa_meta_region> regions{region(0, 0, 10, 10), region(630, 470, 20, 20), region(0, 0, 0, 0),
                                       region(5, 5, 5, 5)};
  b.add_meta(SPA_META_VideoDamage, regions.data(), static_cast<uint32_t>(regions.size() * sizeof(spa_meta_region)));
  Frame frame;
  read_damage(b.buffer, {640, 480}, frame);
  CHECK(frame.damage_known);
  REQUIRE(frame.damage_count == 2);
  CHECK(frame.damage[0] == Rect{0, 0, 10, 10});
  CHECK(frame.damage[1] == Rect{630, 470, 10, 10});
}

TEST_CASE("damage: no meta, nothing valid, or too many regions means unknown") {
  Frame frame;
  FakeBuffer none = make_buffer();
  read_damage(none.buffer, {640, 480}, frame);
  CHECK_FALSE(frame.damage_known);

  FakeBuffer zeros = make_buffer();
  std::vector<spa_meta_region> empty(16);  // negotiated, never written
  zeros.add_meta(SPA_META_VideoDamage, empty.data(), static_cast<uint32_t>(empty.size() * sizeof(spa_meta_region)));
  read_damage(zeros.buffer, {640, 480}, frame);
  CHECK_FALSE(frame.damage_known);
  CHECK(frame.damage_count == 0);

  FakeBuffer many = make_buffer();
  std::vector<spa_meta_region> lots;
  for (int i = 0; i < 20; ++i)
    lots.push_back(region(i, i, 1, 1));
  many.add_meta(SPA_META_VideoDamage, lots.data(), static_cast<uint32_t>(lots.size() * sizeof(spa_meta_region)));
  read_damage(many.buffer, {640, 480}, frame);
  CHECK_FALSE(frame.damage_known);
  CHECK(frame.damage_count == 0);

  FakeBuffer exact = make_buffer();
  lots.resize(16);
  exact.add_meta(SPA_META_VideoDamage, lots.data(), static_cast<uint32_t>(lots.size() * sizeof(spa_meta_region)));
  read_damage(exact.buffer, {640, 480}, frame);
  CHECK(frame.damage_known);
  CHECK(frame.damage_count == 16);
}

namespace {

// A cursor meta as a producer lays it out: cursor, then bitmap header, then pixels.
struct CursorMeta {
  explicit CursorMeta(uint32_t w, uint32_t h, uint32_t extra_stride = 0) {
    stride = w * 4 + extra_stride;
    bytes.assign(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + stride * h, 0);
    cursor().id = 1;
    cursor().bitmap_offset = sizeof(spa_meta_cursor);
    bitmap().format = SPA_VIDEO_FORMAT_ARGB;
    bitmap().size.width = w;
    bitmap().size.height = h;
    bitmap().stride = static_cast<int32_t>(stride);
    bitmap().offset = sizeof(spa_meta_bitmap);
    for (uint32_t y = 0; y < h; ++y) {
      for (uint32_t x = 0; x < w * 4; ++x)
        pixels()[y * stride + x] = static_cast<uint8_t>(y * 31 + x);
    }
  }
  spa_meta_cursor& cursor() { return *reinterpret_cast<spa_meta_cursor*>(bytes.data()); }
  spa_meta_bitmap& bitmap() { return *reinterpret_cast<spa_meta_bitmap*>(bytes.data() + sizeof(spa_meta_cursor)); }
  uint8_t* pixels() { return bytes.data() + sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap); }
  uint32_t size() const { return static_cast<uint32_t>(bytes.size()); }
  std::vector<uint8_t> bytes;
  uint32_t stride = 0;
};

}  // namespace

TEST_CASE("cursor: bitmap copied (tightly packed), position minus hotspot, kept for later frames") {
  CursorCache cache;
  CursorMeta meta(8, 4, 12);
  meta.cursor().position = {100, 50};
  meta.cursor().hotspot = {3, 2};
  FakeBuffer b = make_buffer();
  b.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  Cursor out;
  REQUIRE(cache.update(b.buffer, out));
  CHECK(out.visible);
  CHECK(out.x == 97);
  CHECK(out.y == 48);
  REQUIRE(out.pixels != nullptr);
  CHECK(out.width == 8);
  CHECK(out.height == 4);
  CHECK(out.stride == 32);
  CHECK(out.format == PixelFormat::ARGB);
  for (uint32_t y = 0; y < 4; ++y) {
    CHECK(std::memcmp(out.pixels + y * 32, meta.pixels() + y * meta.stride, 32) == 0);
  }

  // Next frame: position only; the producer's memory no longer holds a bitmap.
  CursorMeta moved(8, 4);
  moved.cursor().bitmap_offset = 0;
  moved.cursor().position = {10, 10};
  moved.cursor().hotspot = {99, 99};  // stale garbage: only meaningful with a bitmap
  std::memset(moved.pixels(), 0, 8 * 4 * 4);
  FakeBuffer b2 = make_buffer();
  b2.add_meta(SPA_META_Cursor, moved.bytes.data(), moved.size());
  Cursor out2;
  REQUIRE(cache.update(b2.buffer, out2));
  CHECK(out2.visible);
  CHECK(out2.x == 7);
  CHECK(out2.y == 8);
  REQUIRE(out2.pixels != nullptr);
  CHECK(out2.pixels[1] == meta.pixels()[1]);  // the cached bitmap, not the zeroed memory
}

TEST_CASE("cursor: bitmap offset or size outside the meta is rejected and not read") {
  CursorCache cache;
  CursorMeta good(4, 4);
  FakeBuffer gb = make_buffer();
  gb.add_meta(SPA_META_Cursor, good.bytes.data(), good.size());
  Cursor out;
  REQUIRE(cache.update(gb.buffer, out));
  const uint8_t first = out.pixels[0];

  SECTION("pixel offset points past the meta") {
    CursorMeta bad(4, 4);
    bad.bitmap().offset = 1 << 20;
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  SECTION("bitmap header offset past the meta") {
    CursorMeta bad(4, 4);
    bad.cursor().bitmap_offset = bad.size() - 4;
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  SECTION("size larger than the meta holds") {
    CursorMeta bad(4, 4);
    bad.bitmap().size.height = 64;  // the meta has room for 4 rows only
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  SECTION("stride smaller than a row") {
    CursorMeta bad(4, 4);
    bad.bitmap().stride = 8;
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  SECTION("bitmap larger than 256x256") {
    CursorMeta bad(300, 1);
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  SECTION("a pixel format that is not packed RGB") {
    CursorMeta bad(4, 4);
    bad.bitmap().format = SPA_VIDEO_FORMAT_I420;
    FakeBuffer b = make_buffer();
    b.add_meta(SPA_META_Cursor, bad.bytes.data(), bad.size());
    CHECK_FALSE(cache.update(b.buffer, out));
  }
  // The earlier, good bitmap is still what frames carry.
  REQUIRE(out.pixels != nullptr);
  CHECK(out.width == 4);
  CHECK(out.pixels[0] == first);
}

TEST_CASE("cursor: id 0 hides it, an image-less bitmap clears it, no meta means none") {
  CursorCache cache;
  CursorMeta meta(4, 4);
  FakeBuffer b = make_buffer();
  b.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  Cursor out;
  REQUIRE(cache.update(b.buffer, out));
  CHECK(out.visible);

  meta.cursor().id = 0;
  REQUIRE(cache.update(b.buffer, out));
  CHECK_FALSE(out.visible);
  CHECK(cache.has_bitmap());

  meta.cursor().id = 1;
  meta.bitmap().offset = 0;
  REQUIRE(cache.update(b.buffer, out));
  CHECK(out.pixels == nullptr);
  CHECK_FALSE(cache.has_bitmap());

  FakeBuffer none = make_buffer();
  REQUIRE(cache.update(none.buffer, out));
  CHECK_FALSE(out.visible);
}

TEST_CASE("cursor-only: mutter's and KWin's shapes are taken, a picture or a buffer without the meta is not") {
  CursorMeta meta(4, 4);
  // mutter: chunk size 0 and SPA_CHUNK_FLAG_CORRUPTED (shared memory and dmabuf alike).
  for (const uint32_t type : {uint32_t{SPA_DATA_MemPtr}, uint32_t{SPA_DATA_DmaBuf}}) {
    FakeBuffer b(type, 16, 0, 0, 4);
    b.chunk.flags = SPA_CHUNK_FLAG_CORRUPTED;
    b.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
    CHECK(is_cursor_only(b.buffer));
  }
  // KWin: the flag alone, the chunk's size left from the buffer's last fill.
  FakeBuffer kwin = make_buffer();
  kwin.chunk.flags = SPA_CHUNK_FLAG_CORRUPTED;
  kwin.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  CHECK(is_cursor_only(kwin.buffer));
  // A shared-memory buffer sent empty without the flag has no picture either.
  FakeBuffer empty(SPA_DATA_MemPtr, 16, 0, 0, 4);
  empty.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  CHECK(is_cursor_only(empty.buffer));

  // A picture with the cursor meta; a dmabuf whose chunk size is 0 (some producers never set it);
  // an empty buffer with no cursor meta (a defect, not a pointer move).
  FakeBuffer picture = make_buffer();
  picture.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  CHECK_FALSE(is_cursor_only(picture.buffer));
  FakeBuffer dmabuf(SPA_DATA_DmaBuf, 16, 0, 0, 4);
  dmabuf.add_meta(SPA_META_Cursor, meta.bytes.data(), meta.size());
  CHECK_FALSE(is_cursor_only(dmabuf.buffer));
  FakeBuffer bare(SPA_DATA_MemPtr, 16, 0, 0, 4);
  bare.chunk.flags = SPA_CHUNK_FLAG_CORRUPTED;
  CHECK_FALSE(is_cursor_only(bare.buffer));
}
