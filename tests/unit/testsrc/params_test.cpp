// The SPA params the source announces, parsed back the way PipeWire and a consumer read them;
// defect specs and option validation; metas written into a real spa_buffer layout.
#include <catch2/catch.hpp>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/filter.h>

#include "testsrc/metas.hpp"
#include "testsrc/options.hpp"
#include "testsrc/params.hpp"

using zc::PixelFormat;
using zc::testsrc::FormatOffer;
using zc::testsrc::PodStorage;

TEST_CASE("every packed format maps to SPA and back") {
  for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA, PixelFormat::xRGB,
                        PixelFormat::xBGR, PixelFormat::ARGB, PixelFormat::ABGR}) {
    const uint32_t spa = zc::testsrc::to_spa_video_format(f);
    CHECK(spa != SPA_VIDEO_FORMAT_UNKNOWN);
    CHECK(zc::testsrc::from_spa_video_format(spa) == f);
  }
  CHECK(zc::testsrc::to_spa_video_format(PixelFormat::P010) == SPA_VIDEO_FORMAT_UNKNOWN);
  CHECK(zc::testsrc::to_spa_video_format(PixelFormat::YUY2) == SPA_VIDEO_FORMAT_YUY2);
  CHECK(zc::testsrc::to_spa_video_format(PixelFormat::BGRx) == SPA_VIDEO_FORMAT_BGRx);
  CHECK(zc::testsrc::to_spa_video_format(PixelFormat::xBGR) == SPA_VIDEO_FORMAT_xBGR);
}

TEST_CASE("shared-memory EnumFormat: fixed format and size, no modifier") {
  PodStorage storage;
  auto b = storage.builder();
  const spa_pod* pod = zc::testsrc::build_enum_format(b, FormatOffer{PixelFormat::RGBA, 1280, 720, 60}, {}, false);
  REQUIRE(pod);
  spa_video_info_raw info{};
  REQUIRE(spa_format_video_raw_parse(pod, &info) >= 0);
  CHECK(info.format == SPA_VIDEO_FORMAT_RGBA);
  CHECK(info.size.width == 1280);
  CHECK(info.size.height == 720);
  CHECK((info.flags & SPA_VIDEO_FLAG_MODIFIER) == 0);
  auto choice = zc::testsrc::parse_format(pod);
  REQUIRE(choice);
  CHECK_FALSE(choice->has_modifier);
  CHECK(choice->format == PixelFormat::RGBA);
}

TEST_CASE("modifier EnumFormat: a DONT_FIXATE list, then its fixed form") {
  const std::vector<uint64_t> mods{zc::kModifierLinear, zc::testsrc::kFakeTiledModifier};
  PodStorage storage;
  auto b = storage.builder();
  const FormatOffer offer{PixelFormat::BGRx, 320, 180, 30};
  const spa_pod* list = zc::testsrc::build_enum_format(b, offer, mods, false);
  REQUIRE(list);
  const spa_pod_prop* prop = spa_pod_find_prop(list, nullptr, SPA_FORMAT_VIDEO_modifier);
  REQUIRE(prop);
  CHECK((prop->flags & SPA_POD_PROP_FLAG_MANDATORY) != 0);
  CHECK((prop->flags & SPA_POD_PROP_FLAG_DONT_FIXATE) != 0);
  auto parsed = zc::testsrc::parse_format(list);
  REQUIRE(parsed);
  CHECK(parsed->has_modifier);
  CHECK(parsed->needs_fixation);
  CHECK(parsed->modifiers == mods);  // the repeated default is not a second entry

  const spa_pod* fixed = zc::testsrc::build_enum_format(b, offer, std::span<const uint64_t>(&mods[1], 1), true);
  auto fixed_parsed = zc::testsrc::parse_format(fixed);
  REQUIRE(fixed_parsed);
  CHECK(fixed_parsed->has_modifier);
  CHECK_FALSE(fixed_parsed->needs_fixation);
  CHECK(fixed_parsed->modifiers == std::vector<uint64_t>{zc::testsrc::kFakeTiledModifier});
}

TEST_CASE("a consumer's modifier list intersected with ours leaves a DONT_FIXATE choice of the common ones") {
  // What PipeWire's link does with the two EnumFormats (spa_pod_filter), then what we fixate.
  const std::vector<uint64_t> ours{zc::kModifierLinear, zc::testsrc::kFakeTiledModifier};
  const std::vector<uint64_t> theirs{zc::testsrc::kFakeTiledModifier, 0x0200000000000005ULL};
  PodStorage storage;
  auto b = storage.builder();
  const FormatOffer offer{PixelFormat::BGRx, 320, 180, 30};
  const spa_pod* a = zc::testsrc::build_enum_format(b, offer, ours, false);
  const spa_pod* c = zc::testsrc::build_enum_format(b, offer, theirs, false);
  PodStorage out;
  auto ob = out.builder();
  spa_pod* result = nullptr;
  REQUIRE(spa_pod_filter(&ob, &result, a, c) >= 0);
  auto parsed = zc::testsrc::parse_format(result);
  REQUIRE(parsed);
  CHECK(parsed->needs_fixation);
  CHECK(parsed->modifiers == std::vector<uint64_t>{zc::testsrc::kFakeTiledModifier});
  CHECK(zc::testsrc::choose_modifier(ours, parsed->modifiers) == zc::testsrc::kFakeTiledModifier);
  CHECK_FALSE(zc::testsrc::choose_modifier(ours, std::vector<uint64_t>{42}).has_value());
}

TEST_CASE("announcement order: fixated, list, shared memory") {
  const std::vector<uint64_t> mods{zc::kModifierLinear, zc::testsrc::kFakeTiledModifier};
  PodStorage storage;
  auto b = storage.builder();
  const FormatOffer offer{PixelFormat::BGRx, 1920, 1080, 60};
  auto none = zc::testsrc::build_enum_formats(b, offer, {}, std::nullopt);
  REQUIRE(none.size() == 1);
  auto params = zc::testsrc::build_enum_formats(b, offer, mods, zc::testsrc::kFakeTiledModifier);
  REQUIRE(params.size() == 3);
  auto first = zc::testsrc::parse_format(params[0]);
  auto second = zc::testsrc::parse_format(params[1]);
  auto third = zc::testsrc::parse_format(params[2]);
  REQUIRE((first && second && third));
  CHECK_FALSE(first->needs_fixation);
  CHECK(first->modifiers == std::vector<uint64_t>{zc::testsrc::kFakeTiledModifier});
  CHECK(second->needs_fixation);
  CHECK_FALSE(third->has_modifier);
}

TEST_CASE("buffer params carry size, stride, types and the metas asked for") {
  PodStorage storage;
  auto b = storage.builder();
  zc::testsrc::BufferOffer offer;
  offer.buffers = 5;
  offer.stride = zc::testsrc::stride_for(PixelFormat::BGRx, 1919, 64);
  offer.size = offer.stride * 1080;
  offer.data_types = 1u << SPA_DATA_DmaBuf;
  offer.crop = true;
  offer.cursor_size = 32;
  auto params = zc::testsrc::build_buffer_params(b, offer);
  REQUIRE(params.size() == 5);  // Buffers, Header, Damage, Crop, Cursor
  CHECK(offer.stride == 7680);
  // Each property's value, or the default of its choice.
  auto int_prop = [&](uint32_t key) {
    const spa_pod_prop* prop = spa_pod_find_prop(params[0], nullptr, key);
    REQUIRE(prop);
    uint32_t n = 0, choice = 0;
    const spa_pod* v = spa_pod_get_values(&prop->value, &n, &choice);
    REQUIRE(v->type == SPA_TYPE_Int);
    return *static_cast<const int32_t*>(SPA_POD_BODY_CONST(v));
  };
  const int32_t buffers = int_prop(SPA_PARAM_BUFFERS_buffers);
  const int32_t size = int_prop(SPA_PARAM_BUFFERS_size);
  const int32_t stride = int_prop(SPA_PARAM_BUFFERS_stride);
  const int32_t types = int_prop(SPA_PARAM_BUFFERS_dataType);
  CHECK(buffers == 5);
  CHECK(size == 7680 * 1080);
  CHECK(stride == 7680);
  CHECK(types == (1 << SPA_DATA_DmaBuf));
  uint32_t type = 0;
  int32_t meta_size = 0;
  REQUIRE(spa_pod_parse_object(params[4], SPA_TYPE_OBJECT_ParamMeta, nullptr, SPA_PARAM_META_type, SPA_POD_Id(&type),
                               SPA_PARAM_META_size, SPA_POD_Int(&meta_size)) >= 0);
  CHECK(type == SPA_META_Cursor);
  CHECK(meta_size == static_cast<int32_t>(zc::testsrc::cursor_meta_size(32)));
}

TEST_CASE("defect specs parse and apply at the announced frames") {
  auto once = zc::testsrc::parse_defect("zero-chunk@30");
  REQUIRE(once);
  CHECK(once->kind == zc::testsrc::DefectKind::ZeroChunk);
  CHECK(once->applies_to(30));
  CHECK_FALSE(once->applies_to(29));
  CHECK_FALSE(once->applies_to(60));
  auto every = zc::testsrc::parse_defect("corrupted-flag@10/7");
  REQUIRE(every);
  CHECK(every->applies_to(10));
  CHECK(every->applies_to(17));
  CHECK_FALSE(every->applies_to(18));
  CHECK_FALSE(every->applies_to(3));
  auto resize = zc::testsrc::parse_defect("resize@120:1280x720");
  REQUIRE(resize);
  CHECK(resize->width == 1280);
  CHECK(resize->height == 720);
  for (const char* bad : {"", "zero-chunk", "nope@1", "zero-chunk@x", "zero-chunk@1/0", "resize@5", "resize@5:12x",
                          "bad-stride@5:10x10"}) {
    INFO(bad);
    CHECK_FALSE(zc::testsrc::parse_defect(bad));
  }
  for (size_t k = 0; k < zc::testsrc::kDefectKindCount; ++k) {
    const auto kind = static_cast<zc::testsrc::DefectKind>(k);
    CHECK(zc::testsrc::defect_kind_from_string(zc::testsrc::to_string(kind)) == kind);
  }
}

TEST_CASE("options outside the supported ranges are refused") {
  zc::testsrc::Options o;
  CHECK(zc::testsrc::validate(o));
  o.width = 7680;
  o.height = 4320;
  o.fps = 240;
  CHECK(zc::testsrc::validate(o));
  auto bad = [](auto change) {
    zc::testsrc::Options x;
    change(x);
    return !zc::testsrc::validate(x);
  };
  CHECK(bad([](auto& x) { x.width = 7681; }));
  CHECK(bad([](auto& x) { x.height = 8; }));
  CHECK(bad([](auto& x) { x.fps = 0; }));
  CHECK(bad([](auto& x) { x.fps = 241; }));
  CHECK(bad([](auto& x) { x.format = PixelFormat::P010; }));
  CHECK(bad([](auto& x) { x.defects.push_back({zc::testsrc::DefectKind::CorruptJpeg, 3}); }));  // not MJPG
  CHECK(bad([](auto& x) {
    x.format = PixelFormat::MJPG;
    x.mode = zc::testsrc::BufferMode::DmaBuf;
  }));
  CHECK(bad([](auto& x) {
    x.format = PixelFormat::YUY2;
    x.mode = zc::testsrc::BufferMode::DmaBuf;
  }));
  CHECK(bad([](auto& x) { x.buffers = 1; }));
  CHECK(bad([](auto& x) { x.stride_align = 48; }));
  CHECK(bad([](auto& x) {
    x.mode = zc::testsrc::BufferMode::DmaBuf;
    x.modifiers.clear();
  }));
  CHECK(bad([](auto& x) { x.crop = zc::Rect{1800, 0, 200, 100}; }));
  CHECK(bad([](auto& x) { x.defects.push_back({zc::testsrc::DefectKind::Resize, 5, 0, 8000, 100}); }));
  // A stale buffer is one of shared memory without sync (its old fence or acquire point is spent).
  zc::testsrc::Options stale;
  stale.defects.push_back({zc::testsrc::DefectKind::Stale, 20});
  CHECK(zc::testsrc::validate(stale));
  CHECK(bad([](auto& x) {
    x.defects.push_back({zc::testsrc::DefectKind::Stale, 20});
    x.mode = zc::testsrc::BufferMode::DmaBuf;
  }));
  CHECK(bad([](auto& x) {
    x.defects.push_back({zc::testsrc::DefectKind::Stale, 20});
    x.sync = zc::testsrc::SyncMode::Explicit;
  }));
  // A cursor-only buffer carries the cursor meta; sync points would go out unwritten.
  zc::testsrc::Options cursor_only;
  cursor_only.cursor = true;
  cursor_only.defects.push_back({zc::testsrc::DefectKind::CursorOnly, 20, 4});
  CHECK(zc::testsrc::validate(cursor_only));
  CHECK(bad([](auto& x) { x.defects.push_back({zc::testsrc::DefectKind::CursorOnly, 20}); }));
  CHECK(bad([](auto& x) {
    x.cursor = true;
    x.defects.push_back({zc::testsrc::DefectKind::CursorOnly, 20});
    x.mode = zc::testsrc::BufferMode::DmaBuf;
    x.dmabuf_allocator = zc::testsrc::DmabufAllocator::Udmabuf;
    x.sync = zc::testsrc::SyncMode::Explicit;
  }));
}

TEST_CASE("metas are written where a consumer finds them") {
  // A spa_buffer with Header, VideoDamage (4 regions), VideoCrop and Cursor metas.
  spa_meta_header header{};
  std::array<spa_meta_region, 4> damage{};
  spa_meta_region crop{};
  std::vector<uint8_t> cursor(zc::testsrc::cursor_meta_size(zc::testsrc::kCursorSize));
  std::array<spa_meta, 4> metas{{
      {SPA_META_Header, sizeof header, &header},
      {SPA_META_VideoDamage, sizeof damage, damage.data()},
      {SPA_META_VideoCrop, sizeof crop, &crop},
      {SPA_META_Cursor, static_cast<uint32_t>(cursor.size()), cursor.data()},
  }};
  spa_buffer buffer{};
  buffer.n_metas = metas.size();
  buffer.metas = metas.data();

  zc::testsrc::write_header(&buffer, 42, 123456789, SPA_META_HEADER_FLAG_CORRUPTED);
  CHECK(header.seq == 42);
  CHECK(header.pts == 123456789);
  CHECK(header.flags == SPA_META_HEADER_FLAG_CORRUPTED);

  zc::testsrc::Damage d;
  d.rects[d.count++] = zc::Rect{0, 0, 320, 11};
  d.rects[d.count++] = zc::Rect{300, 16, 40, 11};  // sticks out on the right: clipped
  zc::testsrc::write_damage(&buffer, d, 320, 180);
  CHECK(damage[0].region.size.width == 320);
  CHECK(damage[1].region.position.x == 300);
  CHECK(damage[1].region.size.width == 20);
  CHECK_FALSE(spa_meta_region_is_valid(&damage[2]));  // terminator

  zc::testsrc::write_crop(&buffer, zc::Rect{10, 20, 100, 50});
  CHECK(crop.region.position.y == 20);
  CHECK(crop.region.size.width == 100);

  const auto bitmap = zc::testsrc::make_cursor_bitmap();
  zc::testsrc::write_cursor(&buffer, {100, 60}, bitmap);
  const auto* c = reinterpret_cast<const spa_meta_cursor*>(cursor.data());
  CHECK(c->id != 0);
  CHECK(c->position.x == 100);
  REQUIRE(c->bitmap_offset >= sizeof(spa_meta_cursor));
  const auto* bm = reinterpret_cast<const spa_meta_bitmap*>(cursor.data() + c->bitmap_offset);
  CHECK(bm->format == SPA_VIDEO_FORMAT_RGBA);
  CHECK(bm->size.width == zc::testsrc::kCursorSize);
  const uint8_t* px = reinterpret_cast<const uint8_t*>(bm) + bm->offset;
  CHECK(px[3] == 255);                                     // the arrow's tip is opaque
  CHECK(px[(zc::testsrc::kCursorSize - 1) * 4 + 3] == 0);  // top-right corner transparent

  // Positions circle inside the frame.
  for (uint64_t n = 0; n < 240; n += 13) {
    const auto p = zc::testsrc::cursor_position(n, 60, 1920, 1080);
    CHECK(p.x >= 0);
    CHECK(p.x < 1920);
    CHECK(p.y >= 0);
    CHECK(p.y < 1080);
  }
}
