#include "capture/video/params.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/param.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/iter.h>

#include "capture/video/colorimetry.hpp"
#include "capture/video/spa_format.hpp"
#include "capture/video/sync_timeline.hpp"
#include "core/frame.hpp"
#include "core/parse_number.hpp"

namespace zc::capture {
namespace {

constexpr uint32_t kInitialParamBytes = 4096;

// `format` nullopt: MJPEG (video/mjpg, which has no pixel format property).
uint32_t build_one_format(spa_pod_builder& b, const Offer& offer, std::optional<spa_video_format> format,
                          const std::vector<uint64_t>* modifiers) {
  const uint32_t start = b.state.offset;
  spa_pod_frame object{};
  spa_pod_builder_push_object(&b, &object, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), 0);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaSubtype, SPA_POD_Id(format ? SPA_MEDIA_SUBTYPE_raw : SPA_MEDIA_SUBTYPE_mjpg),
                      0);
  if (format) spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_format, SPA_POD_Id(*format), 0);
  if (modifiers) {
    // The producer picks the modifier (it allocates); DONT_FIXATE keeps PipeWire from picking the
    // default for it. An Enum choice's first value is its default, hence the repeat.
    spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
    spa_pod_frame choice{};
    spa_pod_builder_push_choice(&b, &choice, SPA_CHOICE_Enum, 0);
    spa_pod_builder_long(&b, static_cast<int64_t>(modifiers->front()));
    for (uint64_t m : *modifiers)
      spa_pod_builder_long(&b, static_cast<int64_t>(m));
    spa_pod_builder_pop(&b, &choice);
  }
  const spa_rectangle size_def{offer.size_default.width, offer.size_default.height};
  const spa_rectangle size_min{offer.size_min.width, offer.size_min.height};
  const spa_rectangle size_max{offer.size_max.width, offer.size_max.height};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&size_def, &size_min, &size_max), 0);
  const spa_fraction rate_def{offer.rate_default.num, offer.rate_default.denom};
  const spa_fraction rate_min{offer.rate_min.num, offer.rate_min.denom};
  const spa_fraction rate_max{offer.rate_max.num, offer.rate_max.denom};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&rate_def, &rate_min, &rate_max),
                      0);
  spa_pod_builder_pop(&b, &object);
  return start;
}

uint32_t meta_param(spa_pod_builder& b, spa_meta_type type, uint32_t size) {
  const uint32_t start = b.state.offset;
  spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type, SPA_POD_Id(type),
                             SPA_PARAM_META_size, SPA_POD_Int(static_cast<int32_t>(size)));
  return start;
}

uint32_t meta_param_range(spa_pod_builder& b, spa_meta_type type, uint32_t def, uint32_t min, uint32_t max) {
  const uint32_t start = b.state.offset;
  spa_pod_builder_add_object(
      &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type, SPA_POD_Id(type), SPA_PARAM_META_size,
      SPA_POD_CHOICE_RANGE_Int(static_cast<int32_t>(def), static_cast<int32_t>(min), static_cast<int32_t>(max)));
  return start;
}

// A Buffers param for `types`. With `max_buffers`, it asks for that many buffers at most. With
// `sync`, it carries the acquire and release syncobjs and is chosen only when both sides
// negotiated SPA_META_SyncTimeline (the metaType property, MANDATORY, as OBS and PipeWire's
// video-play-sync example ask for it).
uint32_t buffers_param(spa_pod_builder& b, int32_t types, uint32_t max_buffers, bool sync) {
  const uint32_t offset = b.state.offset;
  spa_pod_frame f{};
  spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers);
  if (max_buffers > 0) {
    // An Enum of max_buffers down to 1, not a Range: PipeWire intersects two ranges without
    // checking that the result is not empty (a producer needing 6..16 would get 4), while an Enum
    // keeps only the values inside the producer's range and fails when none is, so the uncapped
    // param after this one applies. The first value is the default; where the producer's default is
    // not among them, the first alternative (the highest) is taken.
    spa_pod_builder_prop(&b, SPA_PARAM_BUFFERS_buffers, 0);
    spa_pod_frame choice{};
    spa_pod_builder_push_choice(&b, &choice, SPA_CHOICE_Enum, 0);
    spa_pod_builder_int(&b, static_cast<int32_t>(max_buffers));
    for (auto n = static_cast<int32_t>(max_buffers); n >= 1; --n)
      spa_pod_builder_int(&b, n);
    spa_pod_builder_pop(&b, &choice);
  }
  spa_pod_builder_add(&b, SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(types), 0);
  if (sync) {
    spa_pod_builder_prop(&b, kSpaParamBuffersMetaType, SPA_POD_PROP_FLAG_MANDATORY);
    spa_pod_builder_int(&b, static_cast<int32_t>(1u << kSpaMetaSyncTimeline));
  }
  spa_pod_builder_pop(&b, &f);
  return offset;
}

}  // namespace

void ParamSet::build(const std::function<void(spa_pod_builder&, std::vector<uint32_t>&)>& write) {
  if (storage_.empty()) storage_.resize(kInitialParamBytes);
  std::vector<uint32_t> offsets;
  while (true) {
    spa_pod_builder b{};
    spa_pod_builder_init(&b, storage_.data(), static_cast<uint32_t>(storage_.size()));
    offsets.clear();
    write(b, offsets);
    if (b.state.offset <= storage_.size()) {
      pods_.clear();
      for (uint32_t off : offsets)
        pods_.push_back(spa_pod_builder_deref(&b, off));
      return;
    }
    // The builder kept counting past the end: now we know how much it needs.
    storage_.resize(std::max<size_t>(storage_.size() * 2, b.state.offset + 1024));
  }
}

uint32_t cursor_meta_size(uint32_t width, uint32_t height) {
  return static_cast<uint32_t>(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + width * height * 4);
}

void build_enum_formats(const Offer& offer, ParamSet& out) {
  out.build([&](spa_pod_builder& b, std::vector<uint32_t>& offsets) {
    for (const auto& fo : offer.formats) {
      const auto spa = to_spa(fo.format);
      if (!spa || fo.modifiers.empty()) continue;
      offsets.push_back(build_one_format(b, offer, *spa, &fo.modifiers));
    }
    // Always offer shared memory too: a producer with only tiled modifiers and an importer with
    // only LINEAR would otherwise find nothing in common (black screen).
    for (const auto& fo : offer.formats) {
      const auto spa = to_spa(fo.format);
      if (!spa && fo.format != PixelFormat::MJPG) continue;
      offsets.push_back(build_one_format(b, offer, spa, nullptr));
    }
  });
}

namespace {

// An Id the raw parser stored in one of spa_video_info_raw's enum fields. It writes the pod's
// value through a uint32_t pointer, whatever it is, and a value outside the enum's range may not
// be read as the enum (undefined behaviour: a producer's unknown format id, found by fuzzing).
template <typename Enum>
uint32_t id_of(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(uint32_t));
  uint32_t id = 0;
  std::memcpy(&id, &field, sizeof id);
  return id;
}

Result<void> check_size(const spa_rectangle& size) {
  if (size.width == 0 || size.height == 0) return fail(Errc::pipewire, "capture", "format has no size");
  if (size.width > kMaxFormatDimension || size.height > kMaxFormatDimension) {
    return fail(Errc::unsupported, "capture",
                "format size " + std::to_string(size.width) + "x" + std::to_string(size.height) + " is larger than " +
                    std::to_string(kMaxFormatDimension) + " on a side");
  }
  return {};
}

}  // namespace

bool values_fit(const spa_pod* pod) {
  if (!pod || !spa_pod_is_object(pod)) return false;
  auto* object = reinterpret_cast<spa_pod_object*>(const_cast<spa_pod*>(pod));
  spa_pod_prop* prop = nullptr;
  SPA_POD_OBJECT_FOREACH(object, prop) {
    const spa_pod* value = &prop->value;
    if (value->type != SPA_TYPE_Choice) continue;
    if (!spa_pod_is_choice(value) ||
        SPA_POD_CHOICE_VALUE_SIZE(value) > SPA_POD_BODY_SIZE(value) - sizeof(spa_pod_choice_body)) {
      return false;
    }
  }
  return true;
}

Result<VideoFormat> parse_format(const spa_pod* format) {
  if (!format || !spa_pod_is_object_type(format, SPA_TYPE_OBJECT_Format)) {
    return fail(Errc::pipewire, "capture", "format is not a Format object");
  }
  if (!values_fit(format)) return fail(Errc::pipewire, "capture", "malformed format (a value outside its property)");
  uint32_t media_type = 0;
  uint32_t media_subtype = 0;
  if (spa_format_parse(format, &media_type, &media_subtype) < 0 || media_type != SPA_MEDIA_TYPE_video ||
      (media_subtype != SPA_MEDIA_SUBTYPE_raw && media_subtype != SPA_MEDIA_SUBTYPE_mjpg)) {
    return fail(Errc::unsupported, "capture", "format is neither raw video nor MJPEG");
  }
  if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg) {
    spa_video_info_mjpg mjpg{};
    if (spa_format_video_mjpg_parse(format, &mjpg) < 0) return fail(Errc::pipewire, "capture", "cannot parse MJPEG");
    if (auto ok = check_size(mjpg.size); !ok) return tl::unexpected(ok.error());
    VideoFormat out;
    out.format = PixelFormat::MJPG;
    out.size = {mjpg.size.width, mjpg.size.height};
    out.framerate = {mjpg.framerate.num, mjpg.framerate.denom};
    out.max_framerate = {mjpg.max_framerate.num, mjpg.max_framerate.denom};
    return out;
  }
  spa_video_info_raw raw{};
  if (spa_format_video_raw_parse(format, &raw) < 0) return fail(Errc::pipewire, "capture", "cannot parse video format");
  const uint32_t spa_format = id_of(raw.format);
  const auto pixel = from_spa(spa_format);
  if (!pixel) {
    return fail(Errc::unsupported, "capture", "unsupported pixel format (SPA id " + std::to_string(spa_format) + ")");
  }
  if (auto ok = check_size(raw.size); !ok) return tl::unexpected(ok.error());

  VideoFormat out;
  out.format = *pixel;
  out.size = {raw.size.width, raw.size.height};
  out.framerate = {raw.framerate.num, raw.framerate.denom};
  out.max_framerate = {raw.max_framerate.num, raw.max_framerate.denom};
  out.colour = announced_colour(id_of(raw.color_range), id_of(raw.color_matrix), id_of(raw.transfer_function),
                                id_of(raw.color_primaries), out.colour_warnings);
  // The raw parser skips a modifier that is still a choice, so read the property ourselves.
  if (const spa_pod_prop* prop = spa_pod_find_prop(format, nullptr, SPA_FORMAT_VIDEO_modifier)) {
    out.dmabuf = true;
    uint32_t n_values = 0;
    uint32_t choice = SPA_CHOICE_None;
    const spa_pod* values = spa_pod_get_values(&prop->value, &n_values, &choice);
    if (!spa_pod_is_long(values) || n_values == 0) return fail(Errc::pipewire, "capture", "malformed modifier");
    out.modifier = static_cast<uint64_t>(*static_cast<const int64_t*>(SPA_POD_BODY_CONST(values)));
    out.modifier_fixed = choice == SPA_CHOICE_None || (prop->flags & SPA_POD_PROP_FLAG_DONT_FIXATE) == 0;
  }
  return out;
}

Result<uint32_t> parse_max_buffers(std::string_view text) {
  if (text.empty()) return kMaxBuffersAsked;
  const auto n = parse_number<uint32_t>(text);
  if (!n || *n == 1 || *n > 16) {
    return fail(Errc::invalid_argument, "capture",
                "ZEROCAST_CAPTURE_BUFFERS must be 0 (the producer's count) or 2..16 (got '" + std::string(text) + "')");
  }
  return *n;
}

void build_buffer_params(const VideoFormat& format, ParamSet& out, bool sync_timeline, uint32_t max_buffers) {
  const bool sync = sync_timeline && format.dmabuf;
  out.build([&](spa_pod_builder& b, std::vector<uint32_t>& offsets) {
    const int32_t types = format.dmabuf ? (1 << SPA_DATA_DmaBuf) : ((1 << SPA_DATA_MemFd) | (1 << SPA_DATA_MemPtr));
    // PipeWire takes the first Buffers param (in our order) that the producer's accepts: capped
    // before uncapped, so a producer whose range starts above the cap still links.
    for (const bool with_sync : {true, false}) {
      if (with_sync && !sync) continue;
      if (max_buffers > 0) offsets.push_back(buffers_param(b, types, max_buffers, with_sync));
      offsets.push_back(buffers_param(b, types, 0, with_sync));
    }
    offsets.push_back(meta_param(b, SPA_META_Header, sizeof(spa_meta_header)));
    offsets.push_back(meta_param(b, SPA_META_VideoCrop, sizeof(spa_meta_region)));
    offsets.push_back(meta_param_range(b, SPA_META_Cursor, cursor_meta_size(64, 64), cursor_meta_size(1, 1),
                                       cursor_meta_size(kMaxCursorSize, kMaxCursorSize)));
    const uint32_t region = sizeof(spa_meta_region);
    const uint32_t max_rects = static_cast<uint32_t>(kMaxDamageRects);
    offsets.push_back(meta_param_range(b, SPA_META_VideoDamage, region * max_rects, region, region * max_rects));
    if (sync) {
      offsets.push_back(meta_param(b, static_cast<spa_meta_type>(kSpaMetaSyncTimeline), sizeof(SpaMetaSyncTimeline)));
    }
  });
}

}  // namespace zc::capture
