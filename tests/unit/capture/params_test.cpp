// The EnumFormat / Buffers / Meta pods are parsed back with SPA's own parsers: what a producer
// would read is what is checked.
#include <catch2/catch.hpp>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/pod/filter.h>
#include <spa/pod/iter.h>

#include <algorithm>
#include <vector>

#include "capture/video/colorimetry.hpp"
#include "capture/video/params.hpp"
#include "capture/video/spa_format.hpp"
#include "capture/video/sync_timeline.hpp"

using namespace zc;
using namespace zc::capture;

namespace {

struct ParsedFormat {
  uint32_t spa_format = 0;
  bool has_modifier = false;
  uint32_t modifier_flags = 0;
  uint32_t modifier_choice = 0;
  std::vector<uint64_t> modifier_values;  // raw choice values, default first
};

ParsedFormat parse(const spa_pod* pod) {
  ParsedFormat out;
  uint32_t type = 0, subtype = 0;
  REQUIRE(spa_format_parse(pod, &type, &subtype) >= 0);
  REQUIRE(type == SPA_MEDIA_TYPE_video);
  REQUIRE(subtype == SPA_MEDIA_SUBTYPE_raw);
  spa_video_info_raw raw{};
  REQUIRE(spa_format_video_raw_parse(pod, &raw) >= 0);
  out.spa_format = raw.format;
  if (const spa_pod_prop* prop = spa_pod_find_prop(pod, nullptr, SPA_FORMAT_VIDEO_modifier)) {
    out.has_modifier = true;
    out.modifier_flags = prop->flags;
    uint32_t n = 0, choice = 0;
    const spa_pod* values = spa_pod_get_values(&prop->value, &n, &choice);
    out.modifier_choice = choice;
    REQUIRE(spa_pod_is_long(values));
    const auto* v = static_cast<const int64_t*>(SPA_POD_BODY_CONST(values));
    for (uint32_t i = 0; i < n; ++i)
      out.modifier_values.push_back(static_cast<uint64_t>(v[i]));
  }
  return out;
}

template <class T>
std::vector<T> choice_values(const spa_pod* object, uint32_t key, uint32_t expected_choice) {
  const spa_pod_prop* prop = spa_pod_find_prop(object, nullptr, key);
  REQUIRE(prop != nullptr);
  uint32_t n = 0, choice = 0;
  const spa_pod* values = spa_pod_get_values(&prop->value, &n, &choice);
  REQUIRE(choice == expected_choice);
  const auto* v = static_cast<const T*>(SPA_POD_BODY_CONST(values));
  return std::vector<T>(v, v + n);
}

}  // namespace

TEST_CASE("enum formats: modifier params first, then shared memory for every format") {
  Offer offer;
  offer.formats = {{PixelFormat::BGRx, {0x0100000000000001ULL, kModifierLinear}},
                   {PixelFormat::BGRA, {}},
                   {PixelFormat::RGBx, {kModifierLinear}}};
  ParamSet set;
  build_enum_formats(offer, set);
  REQUIRE(set.size() == 5);

  const auto p0 = parse(set[0]);
  CHECK(p0.spa_format == SPA_VIDEO_FORMAT_BGRx);
  REQUIRE(p0.has_modifier);
  CHECK(p0.modifier_flags == (SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE));
  CHECK(p0.modifier_choice == SPA_CHOICE_Enum);
  // Enum: default first, then every alternative (so the default appears twice).
  CHECK(p0.modifier_values == std::vector<uint64_t>{0x0100000000000001ULL, 0x0100000000000001ULL, kModifierLinear});

  const auto p1 = parse(set[1]);
  CHECK(p1.spa_format == SPA_VIDEO_FORMAT_RGBx);
  REQUIRE(p1.has_modifier);
  CHECK(p1.modifier_values == std::vector<uint64_t>{kModifierLinear, kModifierLinear});

  const std::vector<uint32_t> shm_order{SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_BGRA, SPA_VIDEO_FORMAT_RGBx};
  for (size_t i = 0; i < shm_order.size(); ++i) {
    const auto p = parse(set[2 + i]);
    CHECK(p.spa_format == shm_order[i]);
    CHECK_FALSE(p.has_modifier);
  }
}

TEST_CASE("enum formats: size and framerate ranges come from the offer") {
  Offer offer;
  offer.formats = {{PixelFormat::xBGR, {}}};
  offer.size_default = {1280, 720};
  offer.size_min = {16, 8};
  offer.size_max = {7680, 4320};
  offer.rate_default = {30, 1};
  offer.rate_min = {0, 1};
  offer.rate_max = {240, 1};
  ParamSet set;
  build_enum_formats(offer, set);
  REQUIRE(set.size() == 1);
  const auto sizes = choice_values<spa_rectangle>(set[0], SPA_FORMAT_VIDEO_size, SPA_CHOICE_Range);
  REQUIRE(sizes.size() == 3);
  CHECK(sizes[0].width == 1280);
  CHECK(sizes[0].height == 720);
  CHECK(sizes[1].width == 16);
  CHECK(sizes[1].height == 8);
  CHECK(sizes[2].width == 7680);
  CHECK(sizes[2].height == 4320);
  const auto rates = choice_values<spa_fraction>(set[0], SPA_FORMAT_VIDEO_framerate, SPA_CHOICE_Range);
  REQUIRE(rates.size() == 3);
  CHECK(rates[0].num == 30);
  CHECK(rates[1].num == 0);
  CHECK(rates[2].num == 240);
}

TEST_CASE("enum formats: every default format maps to SPA and a large offer grows the storage") {
  Offer offer;
  std::vector<PixelFormat> raw;  // every default format but MJPEG (a media subtype, no modifiers)
  for (PixelFormat f : default_formats()) {
    if (f == PixelFormat::MJPG) continue;
    raw.push_back(f);
    FormatOffer fo{f, {}};
    for (uint64_t m = 0; m < 200; ++m)
      fo.modifiers.push_back(m);
    offer.formats.push_back(fo);
  }
  offer.formats.push_back({PixelFormat::MJPG, {1, 2}});  // modifiers on MJPEG are ignored
  ParamSet set;
  build_enum_formats(offer, set);
  REQUIRE(set.size() == 2 * raw.size() + 1);
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto with = parse(set[i]);
    CHECK(with.spa_format == *to_spa(raw[i]));
    CHECK(with.modifier_values.size() == 201);
    CHECK(with.modifier_values.back() == 199);
    const auto without = parse(set[raw.size() + i]);
    CHECK(without.spa_format == *to_spa(raw[i]));
    CHECK_FALSE(without.has_modifier);
  }
  // MJPEG last: video/mjpg with size and rate ranges, no pixel format, no modifier.
  const spa_pod* mjpg = set[2 * raw.size()];
  uint32_t type = 0, subtype = 0;
  REQUIRE(spa_format_parse(mjpg, &type, &subtype) >= 0);
  CHECK(subtype == SPA_MEDIA_SUBTYPE_mjpg);
  CHECK(spa_pod_find_prop(mjpg, nullptr, SPA_FORMAT_VIDEO_format) == nullptr);
  CHECK(spa_pod_find_prop(mjpg, nullptr, SPA_FORMAT_VIDEO_modifier) == nullptr);
  CHECK(choice_values<spa_rectangle>(mjpg, SPA_FORMAT_VIDEO_size, SPA_CHOICE_Range).size() == 3);
}

TEST_CASE("parse_format: a fixed MJPEG format") {
  std::vector<uint8_t> mem(1024);
  spa_pod_builder b{};
  spa_pod_builder_init(&b, mem.data(), static_cast<uint32_t>(mem.size()));
  spa_video_info_mjpg info{};
  info.size = {1920, 1080};
  info.framerate = {30, 1};
  const spa_pod* pod = spa_format_video_mjpg_build(&b, SPA_PARAM_Format, &info);
  REQUIRE(pod);
  auto parsed = parse_format(pod);
  REQUIRE(parsed);
  CHECK(parsed->format == PixelFormat::MJPG);
  CHECK(parsed->size == Size{1920, 1080});
  CHECK(parsed->framerate == Fraction{30, 1});
  CHECK_FALSE(parsed->dmabuf);
}

TEST_CASE("enum formats: an offer without modifiers is shared memory only") {
  Offer offer;
  offer.formats = {{PixelFormat::BGRx, {}}, {PixelFormat::RGBA, {}}};
  ParamSet set;
  build_enum_formats(offer, set);
  REQUIRE(set.size() == 2);
  CHECK_FALSE(parse(set[0]).has_modifier);
  CHECK_FALSE(parse(set[1]).has_modifier);
  CHECK(parse(set[1]).spa_format == SPA_VIDEO_FORMAT_RGBA);
}

namespace {

// A Format pod as PipeWire hands it to param_changed.
const spa_pod* make_format(spa_pod_builder& b, uint32_t format, uint32_t w, uint32_t h, int modifier_mode,
                           uint64_t modifier = 0) {
  spa_pod_frame f{};
  spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_Format);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
                      SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format, SPA_POD_Id(format), 0);
  const spa_rectangle size{w, h};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size), 0);
  const spa_fraction rate{0, 1};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&rate), 0);
  if (modifier_mode == 1) {  // fixed
    spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY);
    spa_pod_builder_long(&b, static_cast<int64_t>(modifier));
  } else if (modifier_mode == 2) {  // still a choice, waiting for the producer to fixate
    spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
    spa_pod_frame c{};
    spa_pod_builder_push_choice(&b, &c, SPA_CHOICE_Enum, 0);
    spa_pod_builder_long(&b, static_cast<int64_t>(modifier));
    spa_pod_builder_long(&b, static_cast<int64_t>(modifier));
    spa_pod_builder_long(&b, 7);
    spa_pod_builder_pop(&b, &c);
  }
  return static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &f));
}

}  // namespace

TEST_CASE("parse_format: dmabuf iff the format carries the modifier") {
  std::vector<uint8_t> mem(2048);
  spa_pod_builder b{};
  spa_pod_builder_init(&b, mem.data(), static_cast<uint32_t>(mem.size()));

  auto shm = parse_format(make_format(b, SPA_VIDEO_FORMAT_BGRx, 640, 480, 0));
  REQUIRE(shm);
  CHECK_FALSE(shm->dmabuf);
  CHECK(shm->format == PixelFormat::BGRx);
  CHECK(shm->size == Size{640, 480});
  CHECK(shm->framerate == Fraction{0, 1});

  auto dma = parse_format(make_format(b, SPA_VIDEO_FORMAT_RGBA, 320, 200, 1, 0x0300000000000014ULL));
  REQUIRE(dma);
  CHECK(dma->dmabuf);
  CHECK(dma->modifier_fixed);
  CHECK(dma->modifier == 0x0300000000000014ULL);
  CHECK(dma->format == PixelFormat::RGBA);

  auto open = parse_format(make_format(b, SPA_VIDEO_FORMAT_BGRx, 320, 200, 2, 5));
  REQUIRE(open);
  CHECK(open->dmabuf);
  CHECK_FALSE(open->modifier_fixed);
  CHECK(open->modifier == 5);
}

TEST_CASE("parse_format: a choice whose values lie past it is refused") {
  // libspa's parser reads a choice's first value where the choice's child says it ends: a child
  // claiming more than the choice holds was read past the pod (found by fuzzing).
  std::vector<uint8_t> mem(2048);
  spa_pod_builder b{};
  spa_pod_builder_init(&b, mem.data(), static_cast<uint32_t>(mem.size()));
  const spa_pod* pod = make_format(b, SPA_VIDEO_FORMAT_BGRA, 320, 200, 2, 5);
  REQUIRE(values_fit(pod));
  REQUIRE(parse_format(pod));
  auto* prop = const_cast<spa_pod_prop*>(spa_pod_find_prop(pod, nullptr, SPA_FORMAT_VIDEO_modifier));
  REQUIRE(prop);
  auto* choice = reinterpret_cast<spa_pod_choice*>(&prop->value);
  choice->body.child.size = 0x800000;
  CHECK_FALSE(values_fit(pod));
  auto parsed = parse_format(pod);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == Errc::pipewire);
  choice->pod.size = 4;  // no room for the choice's own header
  CHECK_FALSE(values_fit(pod));
}

TEST_CASE("parse_format: every raw format capture offers comes back as itself") {
  std::vector<uint8_t> mem(2048);
  for (const auto& [format, spa] : kSpaFormats) {
    spa_pod_builder b{};
    spa_pod_builder_init(&b, mem.data(), static_cast<uint32_t>(mem.size()));
    auto parsed = parse_format(make_format(b, spa, 1366, 767, 0));
    REQUIRE(parsed);
    CHECK(parsed->format == format);
    CHECK(parsed->size == Size{1366, 767});
  }
}

TEST_CASE("default formats: 32-bit RGB first (screens keep what they sent), then every other format") {
  const auto& formats = default_formats();
  REQUIRE(formats.size() == kSpaFormats.size() + 1);
  CHECK(formats.back() == PixelFormat::MJPG);  // decoding costs most: last
  for (size_t i = 0; i < 8; ++i)
    CHECK(is_packed_rgb(formats[i]));
  CHECK(formats.front() == PixelFormat::BGRx);
  for (const auto& [format, spa] : kSpaFormats)
    CHECK(std::find(formats.begin(), formats.end(), format) != formats.end());
}

TEST_CASE("parse_format: rejects formats capture cannot handle") {
  std::vector<uint8_t> mem(2048);
  spa_pod_builder b{};
  spa_pod_builder_init(&b, mem.data(), static_cast<uint32_t>(mem.size()));
  auto y444 = parse_format(make_format(b, SPA_VIDEO_FORMAT_Y444, 640, 480, 0));
  REQUIRE_FALSE(y444);
  CHECK(y444.error().code == Errc::unsupported);
  auto no_size = parse_format(make_format(b, SPA_VIDEO_FORMAT_BGRx, 0, 0, 0));
  REQUIRE_FALSE(no_size);
  // A width whose row bytes wrap 32 bits (4 * 0x40000001 = 4): found by fuzzing buffer validation.
  auto wraps = parse_format(make_format(b, SPA_VIDEO_FORMAT_BGRx, 0x40000001, 2, 0));
  REQUIRE_FALSE(wraps);
  CHECK(wraps.error().code == Errc::unsupported);
  CHECK(parse_format(make_format(b, SPA_VIDEO_FORMAT_NV12, kMaxFormatDimension, kMaxFormatDimension, 0)));
  CHECK_FALSE(parse_format(make_format(b, SPA_VIDEO_FORMAT_NV12, 64, kMaxFormatDimension + 1, 0)));
  CHECK_FALSE(parse_format(nullptr));

  spa_pod_frame f{};
  spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_Format);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_audio), SPA_FORMAT_mediaSubtype,
                      SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), 0);
  auto audio = parse_format(static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &f)));
  REQUIRE_FALSE(audio);
  CHECK(audio.error().code == Errc::unsupported);
}

namespace {

uint32_t meta_type(const spa_pod* pod) {
  uint32_t type = 0;
  REQUIRE(spa_pod_parse_object(pod, SPA_TYPE_OBJECT_ParamMeta, nullptr, SPA_PARAM_META_type, SPA_POD_Id(&type)) >= 0);
  return type;
}

}  // namespace

// The buffer counts a Buffers param takes: its Enum (default first), {} when it names none.
std::vector<int32_t> buffer_count(const spa_pod* pod) {
  if (!spa_pod_find_prop(pod, nullptr, SPA_PARAM_BUFFERS_buffers)) return {};
  return choice_values<int32_t>(pod, SPA_PARAM_BUFFERS_buffers, SPA_CHOICE_Enum);
}

TEST_CASE("buffer params: data types follow the negotiated memory, metas are requested") {
  VideoFormat shm;
  shm.size = {1920, 1080};
  ParamSet set;
  build_buffer_params(shm, set);
  REQUIRE(set.size() == 6);
  // [0] at most kMaxBuffersAsked buffers, [1] the same without a count, for a producer that needs more.
  for (size_t i : {0, 1}) {
    auto types = choice_values<int32_t>(set[i], SPA_PARAM_BUFFERS_dataType, SPA_CHOICE_Flags);
    REQUIRE_FALSE(types.empty());
    CHECK(types[0] == ((1 << SPA_DATA_MemFd) | (1 << SPA_DATA_MemPtr)));
  }
  CHECK(buffer_count(set[0]) == std::vector<int32_t>{4, 4, 3, 2, 1});
  CHECK(buffer_count(set[1]).empty());

  CHECK(meta_type(set[2]) == SPA_META_Header);
  CHECK(meta_type(set[3]) == SPA_META_VideoCrop);
  CHECK(meta_type(set[4]) == SPA_META_Cursor);
  const auto cursor = choice_values<int32_t>(set[4], SPA_PARAM_META_size, SPA_CHOICE_Range);
  REQUIRE(cursor.size() == 3);
  CHECK(cursor[1] == static_cast<int32_t>(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + 4));
  CHECK(cursor[2] == static_cast<int32_t>(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + 256 * 256 * 4));
  CHECK(meta_type(set[5]) == SPA_META_VideoDamage);
  const auto damage = choice_values<int32_t>(set[5], SPA_PARAM_META_size, SPA_CHOICE_Range);
  REQUIRE(damage.size() == 3);
  CHECK(damage[2] == static_cast<int32_t>(16 * sizeof(spa_meta_region)));

  VideoFormat dma = shm;
  dma.dmabuf = true;
  dma.modifier = kModifierLinear;
  build_buffer_params(dma, set);
  for (size_t i : {0, 1}) {
    const auto types = choice_values<int32_t>(set[i], SPA_PARAM_BUFFERS_dataType, SPA_CHOICE_Flags);
    CHECK(types[0] == (1 << SPA_DATA_DmaBuf));
  }
  CHECK(buffer_count(set[0]) == std::vector<int32_t>{4, 4, 3, 2, 1});
}

TEST_CASE("ten_bit_first moves the 10-bit formats ahead and keeps the rest in order") {
  const auto formats = ten_bit_first(default_formats());
  REQUIRE(formats.size() == default_formats().size());
  for (size_t i = 0; i < 8; ++i)
    CHECK(bit_depth(formats[i]) == 10);
  CHECK(formats[8] == PixelFormat::BGRx);
  CHECK(formats.back() == PixelFormat::MJPG);
}

namespace {

// What PipeWire's link negotiation (pw_buffers_negotiate) makes of our Buffers params against a
// producer's: the first of ours, in order, that intersects the producer's, fixated; its buffer
// count, 0 when none intersects. PipeWire filters one side's param by the other's, either way
// round (the side filtered gives the default): `ours_first` filters ours by the producer's.
int32_t negotiated_buffers(const ParamSet& ours, const spa_pod* producer, bool ours_first) {
  for (size_t i = 0; i < ours.size(); ++i) {
    if (!spa_pod_is_object_id(ours[i], SPA_PARAM_Buffers)) continue;
    uint8_t storage[1024];
    spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof storage);
    spa_pod* result = nullptr;
    const int res =
        ours_first ? spa_pod_filter(&b, &result, ours[i], producer) : spa_pod_filter(&b, &result, producer, ours[i]);
    if (res < 0) continue;
    spa_pod_fixate(result);
    int32_t buffers = 0;
    REQUIRE(spa_pod_parse_object(result, SPA_TYPE_OBJECT_ParamBuffers, nullptr, SPA_PARAM_BUFFERS_buffers,
                                 SPA_POD_Int(&buffers)) >= 0);
    return buffers;
  }
  return 0;
}

}  // namespace

TEST_CASE("buffer params: a producer's count is capped at four, a producer that needs more keeps its own") {
  VideoFormat shm;
  shm.size = {3840, 2160};
  ParamSet ours;
  build_buffer_params(shm, ours);
  const auto producer = [](spa_pod_builder& b, int32_t def, int32_t min, int32_t max) {
    return static_cast<const spa_pod*>(
        spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
                                   SPA_POD_CHOICE_RANGE_Int(def, min, max), SPA_PARAM_BUFFERS_dataType,
                                   SPA_POD_CHOICE_FLAGS_Int((1 << SPA_DATA_MemFd) | (1 << SPA_DATA_MemPtr))));
  };
  uint8_t storage[2048];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof storage);
  const spa_pod* mutter = producer(b, 16, 2, 16);
  const spa_pod* three = producer(b, 3, 2, 16);
  const spa_pod* needs_six = producer(b, 8, 6, 16);
  const spa_pod* fixed_eight = static_cast<const spa_pod*>(spa_pod_builder_add_object(
      &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers, SPA_POD_Int(8),
      SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(1 << SPA_DATA_MemFd)));
  const spa_pod* fixed_two = static_cast<const spa_pod*>(spa_pod_builder_add_object(
      &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers, SPA_POD_Int(2),
      SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(1 << SPA_DATA_MemFd)));
  for (const bool ours_first : {false, true}) {
    INFO("ours filtered first: " << ours_first);
    CHECK(negotiated_buffers(ours, mutter, ours_first) == 4);
    // A producer that needs more than four keeps its own count (a Range here would have given 4).
    CHECK(negotiated_buffers(ours, needs_six, ours_first) == 8);
    CHECK(negotiated_buffers(ours, fixed_eight, ours_first) == 8);
    CHECK(negotiated_buffers(ours, fixed_two, ours_first) == 2);
  }
  // Within the cap, whichever side gives the default: the producer's 3, or our 4.
  CHECK(negotiated_buffers(ours, three, false) == 3);
  CHECK(negotiated_buffers(ours, three, true) == 4);
}

TEST_CASE("buffer params: ZEROCAST_CAPTURE_BUFFERS sets the cap, 0 leaves the count to the producer") {
  CHECK(parse_max_buffers("") == kMaxBuffersAsked);
  CHECK(parse_max_buffers("0") == 0u);
  CHECK(parse_max_buffers("2") == 2u);
  CHECK(parse_max_buffers("16") == 16u);
  for (const char* bad : {"1", "17", "-1", "four", "4 ", " 4"}) {
    INFO(bad);
    const auto r = parse_max_buffers(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK(r.error().describe().find("ZEROCAST_CAPTURE_BUFFERS") != std::string::npos);
  }
  VideoFormat shm;
  shm.size = {1920, 1080};
  ParamSet set;
  build_buffer_params(shm, set, false, 0);
  REQUIRE(set.size() == 5);  // one Buffers param, without a count, and the four metas
  CHECK(buffer_count(set[0]).empty());
  build_buffer_params(shm, set, false, 8);
  CHECK(buffer_count(set[0]) == std::vector<int32_t>{8, 8, 7, 6, 5, 4, 3, 2, 1});
}

TEST_CASE("explicit sync: with dmabufs Buffers params valid only with the SyncTimeline meta come first") {
  VideoFormat dma;
  dma.size = {1920, 1080};
  dma.dmabuf = true;
  dma.modifier = kModifierLinear;
  ParamSet set;
  build_buffer_params(dma, set, true);
  REQUIRE(set.size() == 9);
  // [0], [1]: dmabufs carrying the acquire and release syncobjs, only if SPA_META_SyncTimeline (9
  // in PipeWire 1.2+; 0.3.65's headers lack it) is negotiated: metaType, MANDATORY; capped first.
  for (size_t i : {0, 1}) {
    const auto types = choice_values<int32_t>(set[i], SPA_PARAM_BUFFERS_dataType, SPA_CHOICE_Flags);
    REQUIRE_FALSE(types.empty());
    CHECK(types[0] == (1 << SPA_DATA_DmaBuf));
    const spa_pod_prop* meta = spa_pod_find_prop(set[i], nullptr, kSpaParamBuffersMetaType);
    REQUIRE(meta);
    CHECK((meta->flags & SPA_POD_PROP_FLAG_MANDATORY) != 0);
    int32_t mask = 0;
    REQUIRE(spa_pod_get_int(&meta->value, &mask) == 0);
    CHECK(mask == (1 << 9));
  }
  CHECK(buffer_count(set[0]) == std::vector<int32_t>{4, 4, 3, 2, 1});
  CHECK(buffer_count(set[1]).empty());
  // [2], [3]: the plain dmabuf params for a producer without explicit sync, then the metas as before.
  CHECK(spa_pod_find_prop(set[2], nullptr, kSpaParamBuffersMetaType) == nullptr);
  CHECK(spa_pod_find_prop(set[3], nullptr, kSpaParamBuffersMetaType) == nullptr);
  CHECK(buffer_count(set[2]) == std::vector<int32_t>{4, 4, 3, 2, 1});
  CHECK(meta_type(set[4]) == SPA_META_Header);
  // Last: the SyncTimeline meta, struct spa_meta_sync_timeline (24 bytes).
  CHECK(meta_type(set[8]) == 9);
  int32_t size = 0;
  REQUIRE(spa_pod_parse_object(set[8], SPA_TYPE_OBJECT_ParamMeta, nullptr, SPA_PARAM_META_size, SPA_POD_Int(&size)) >=
          0);
  CHECK(size == 24);

  // Shared memory has nothing to sync: unchanged.
  VideoFormat shm = dma;
  shm.dmabuf = false;
  build_buffer_params(shm, set, true);
  CHECK(set.size() == 6);
  CHECK(spa_pod_find_prop(set[0], nullptr, kSpaParamBuffersMetaType) == nullptr);
}

TEST_CASE("parse_format: the producer's colorimetry, and a value with no tag named and taken as the nearest",
          "[colour]") {
  auto with_colour = [](spa_pod_builder& b, uint32_t range, uint32_t matrix, uint32_t transfer, uint32_t primaries) {
    spa_pod_frame f{};
    spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_Format);
    spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
                        SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format, SPA_POD_Id(SPA_VIDEO_FORMAT_NV12),
                        0);
    const spa_rectangle size{1280, 720};
    spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size), 0);
    spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_colorRange, SPA_POD_Id(range), SPA_FORMAT_VIDEO_colorMatrix,
                        SPA_POD_Id(matrix), SPA_FORMAT_VIDEO_transferFunction, SPA_POD_Id(transfer),
                        SPA_FORMAT_VIDEO_colorPrimaries, SPA_POD_Id(primaries), 0);
    return static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &f));
  };
  uint8_t buffer[1024];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
  // None announced: nothing assumed here (the session decides by the source's kind).
  auto none = parse_format(make_format(b, SPA_VIDEO_FORMAT_NV12, 1280, 720, 0));
  REQUIRE(none);
  CHECK(none->colour == zc::AnnouncedColour{});
  CHECK(none->colour_warnings.empty());
  b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
  auto hd = parse_format(with_colour(b, SPA_VIDEO_COLOR_RANGE_0_255, SPA_VIDEO_COLOR_MATRIX_BT709,
                                     SPA_VIDEO_TRANSFER_BT709, SPA_VIDEO_COLOR_PRIMARIES_BT709));
  REQUIRE(hd);
  CHECK(hd->colour.range == zc::ColourRange::Full);
  CHECK(hd->colour.matrix == zc::ColourMatrix::BT709);
  CHECK(hd->colour.transfer == zc::ColourTransfer::BT709);
  CHECK(hd->colour.primaries == zc::ColourPrimaries::BT709);
  CHECK(hd->colour_warnings.empty());
  // HDR: upstream's transfer values (PipeWire 1.6), BT.2020.
  b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
  auto pq = parse_format(with_colour(b, SPA_VIDEO_COLOR_RANGE_16_235, SPA_VIDEO_COLOR_MATRIX_BT2020,
                                     zc::capture::kSpaTransferSmpte2084, SPA_VIDEO_COLOR_PRIMARIES_BT2020));
  REQUIRE(pq);
  CHECK(pq->colour.transfer == zc::ColourTransfer::PQ);
  CHECK(pq->colour.matrix == zc::ColourMatrix::BT2020);
  CHECK(pq->colour.primaries == zc::ColourPrimaries::BT2020);
  b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
  auto hlg = parse_format(with_colour(b, SPA_VIDEO_COLOR_RANGE_16_235, SPA_VIDEO_COLOR_MATRIX_BT2020,
                                      zc::capture::kSpaTransferAribStdB67, SPA_VIDEO_COLOR_PRIMARIES_BT2020));
  REQUIRE(hlg);
  CHECK(hlg->colour.transfer == zc::ColourTransfer::HLG);
  // What we cannot tag: named, the nearest taken, the stream not refused.
  b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
  auto odd = parse_format(with_colour(b, SPA_VIDEO_COLOR_RANGE_16_235, SPA_VIDEO_COLOR_MATRIX_FCC,
                                      SPA_VIDEO_TRANSFER_GAMMA28, SPA_VIDEO_COLOR_PRIMARIES_FILM));
  REQUIRE(odd);
  CHECK(odd->colour.matrix == zc::ColourMatrix::BT601);
  CHECK(odd->colour.transfer == zc::ColourTransfer::BT709);
  CHECK(odd->colour.primaries == zc::ColourPrimaries::BT709);
  REQUIRE(odd->colour_warnings.size() == 3);
  CHECK(odd->colour_warnings[0] == "colour matrix FCC has no tag here: taken as bt601");
}
