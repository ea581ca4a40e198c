#include "testsrc/params.hpp"

#include <algorithm>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/param.h>
#include <spa/param/video/format.h>
#include <spa/pod/iter.h>

#include "capture/video/params.hpp"
#include "capture/video/spa_format.hpp"
#include "capture/video/sync_timeline.hpp"
#include "core/image_layout.hpp"
#include "testsrc/jpeg.hpp"

namespace zc::testsrc {
namespace {

const spa_pod* build_meta(spa_pod_builder& b, uint32_t type, uint32_t size) {
  return static_cast<const spa_pod*>(spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                                                                SPA_PARAM_META_type, SPA_POD_Id(type),
                                                                SPA_PARAM_META_size, SPA_POD_Int(size)));
}

// Buffers with the image and the acquire and release syncobjs, as PipeWire's video-src-sync
// example announces them: chosen only when SPA_META_SyncTimeline is negotiated (metaType).
const spa_pod* build_sync_timeline_buffers(spa_pod_builder& b, const BufferOffer& offer) {
  spa_pod_frame f{};
  spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers);
  spa_pod_builder_add(&b, SPA_PARAM_BUFFERS_buffers,
                      SPA_POD_CHOICE_RANGE_Int(static_cast<int>(offer.buffers), static_cast<int>(offer.buffers_min),
                                               static_cast<int>(offer.buffers)),
                      SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(3), SPA_PARAM_BUFFERS_size,
                      SPA_POD_Int(static_cast<int>(offer.size)), SPA_PARAM_BUFFERS_stride,
                      SPA_POD_Int(static_cast<int>(offer.stride)), SPA_PARAM_BUFFERS_dataType,
                      SPA_POD_CHOICE_FLAGS_Int(static_cast<int>(offer.data_types)), 0);
  spa_pod_builder_prop(&b, capture::kSpaParamBuffersMetaType, SPA_POD_PROP_FLAG_MANDATORY);
  spa_pod_builder_int(&b, static_cast<int32_t>(1u << capture::kSpaMetaSyncTimeline));
  return static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &f));
}

}  // namespace

uint32_t to_spa_video_format(PixelFormat f) {
  return capture::to_spa(f).value_or(SPA_VIDEO_FORMAT_UNKNOWN);
}

// MJPEG is the media subtype video/mjpg, with no pixel format property.

std::optional<PixelFormat> from_spa_video_format(uint32_t f) {
  return capture::from_spa(f);
}

const spa_pod* build_enum_format(spa_pod_builder& b, const FormatOffer& offer, std::span<const uint64_t> modifiers,
                                 bool fixed) {
  spa_pod_frame object{};
  spa_pod_builder_push_object(&b, &object, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), 0);
  const bool mjpg = offer.format == PixelFormat::MJPG;
  spa_pod_builder_add(&b, SPA_FORMAT_mediaSubtype, SPA_POD_Id(mjpg ? SPA_MEDIA_SUBTYPE_mjpg : SPA_MEDIA_SUBTYPE_raw),
                      0);
  if (!mjpg) spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_format, SPA_POD_Id(to_spa_video_format(offer.format)), 0);
  const FormatKind kind = format_info(offer.format).kind;
  if (kind == FormatKind::yuv420 || kind == FormatKind::yuv422) {
    // What pack.cpp makes (libyuv): BT.601 at limited range, said as a camera or player says it.
    spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_colorMatrix, SPA_POD_Id(SPA_VIDEO_COLOR_MATRIX_BT601),
                        SPA_FORMAT_VIDEO_colorRange, SPA_POD_Id(SPA_VIDEO_COLOR_RANGE_16_235), 0);
  }
  if (kind == FormatKind::rgb10 && offer.hdr_transfer != 0) {
    // What a compositor in HDR mode says of its 10-bit R'G'B' (the pixels are the same pattern).
    spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_transferFunction, SPA_POD_Id(offer.hdr_transfer),
                        SPA_FORMAT_VIDEO_colorPrimaries, SPA_POD_Id(SPA_VIDEO_COLOR_PRIMARIES_BT2020), 0);
  }
  if (!modifiers.empty()) {
    if (fixed) {
      spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY);
      spa_pod_builder_long(&b, static_cast<int64_t>(modifiers[0]));
    } else {
      spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
      spa_pod_frame choice{};
      spa_pod_builder_push_choice(&b, &choice, SPA_CHOICE_Enum, 0);
      spa_pod_builder_long(&b, static_cast<int64_t>(modifiers[0]));  // the default
      for (uint64_t m : modifiers)
        spa_pod_builder_long(&b, static_cast<int64_t>(m));
      spa_pod_builder_pop(&b, &choice);
    }
  }
  const spa_rectangle size{offer.width, offer.height};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size), 0);
  const spa_fraction variable{0, 1};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&variable), 0);
  const spa_fraction max_rate{offer.fps, 1};
  const spa_fraction min_rate{1, 1};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_maxFramerate, SPA_POD_CHOICE_RANGE_Fraction(&max_rate, &min_rate, &max_rate),
                      0);
  return static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &object));
}

std::vector<const spa_pod*> build_enum_formats(spa_pod_builder& b, const FormatOffer& offer,
                                               std::span<const uint64_t> modifiers, std::optional<uint64_t> fixated) {
  std::vector<const spa_pod*> params;
  if (fixated) params.push_back(build_enum_format(b, offer, std::span<const uint64_t>(&*fixated, 1), true));
  if (!modifiers.empty()) params.push_back(build_enum_format(b, offer, modifiers, false));
  params.push_back(build_enum_format(b, offer, {}, false));
  // The builder returns nullptr for everything once its storage overflows.
  if (std::find(params.begin(), params.end(), nullptr) != params.end()) params.clear();
  return params;
}

uint32_t cursor_meta_size(uint32_t size) {
  return static_cast<uint32_t>(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap)) + size * size * 4;
}

std::vector<const spa_pod*> build_buffer_params(spa_pod_builder& b, const BufferOffer& offer) {
  std::vector<const spa_pod*> params;
  const int data_type = static_cast<int>(offer.data_types);
  if (offer.sync_timeline) params.push_back(build_sync_timeline_buffers(b, offer));
  params.push_back(static_cast<const spa_pod*>(spa_pod_builder_add_object(
      &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
      SPA_POD_CHOICE_RANGE_Int(static_cast<int>(offer.buffers), static_cast<int>(offer.buffers_min),
                               static_cast<int>(offer.buffers)),
      SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1), SPA_PARAM_BUFFERS_size, SPA_POD_Int(static_cast<int>(offer.size)),
      SPA_PARAM_BUFFERS_stride, SPA_POD_Int(static_cast<int>(offer.stride)), SPA_PARAM_BUFFERS_dataType,
      SPA_POD_CHOICE_FLAGS_Int(data_type))));
  params.push_back(build_meta(b, SPA_META_Header, sizeof(spa_meta_header)));
  if (offer.damage) {
    params.push_back(build_meta(b, SPA_META_VideoDamage, sizeof(spa_meta_region) * kMaxDamageRegions));
  }
  if (offer.crop) params.push_back(build_meta(b, SPA_META_VideoCrop, sizeof(spa_meta_region)));
  if (offer.cursor_size > 0) params.push_back(build_meta(b, SPA_META_Cursor, cursor_meta_size(offer.cursor_size)));
  if (offer.sync_timeline) {
    params.push_back(build_meta(b, capture::kSpaMetaSyncTimeline, sizeof(capture::SpaMetaSyncTimeline)));
  }
  if (std::find(params.begin(), params.end(), nullptr) != params.end()) params.clear();
  return params;
}

Result<FormatChoice> parse_format(const spa_pod* format) {
  uint32_t media_type = 0;
  uint32_t media_subtype = 0;
  if (!format || !capture::values_fit(format)) return fail(Errc::pipewire, "test-source", "malformed format");
  if (spa_format_parse(format, &media_type, &media_subtype) < 0 || media_type != SPA_MEDIA_TYPE_video ||
      (media_subtype != SPA_MEDIA_SUBTYPE_raw && media_subtype != SPA_MEDIA_SUBTYPE_mjpg)) {
    return fail(Errc::pipewire, "test-source", "format is neither raw video nor MJPEG");
  }
  spa_rectangle size{};
  if (media_subtype == SPA_MEDIA_SUBTYPE_mjpg) {
    if (spa_pod_parse_object(format, SPA_TYPE_OBJECT_Format, nullptr, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size)) <
        0) {
      return fail(Errc::pipewire, "test-source", "MJPEG format without a fixed size");
    }
    FormatChoice choice;
    choice.format = PixelFormat::MJPG;
    choice.width = size.width;
    choice.height = size.height;
    return choice;
  }
  uint32_t spa_format = 0;
  if (spa_pod_parse_object(format, SPA_TYPE_OBJECT_Format, nullptr, SPA_FORMAT_VIDEO_format, SPA_POD_Id(&spa_format),
                           SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size)) < 0) {
    return fail(Errc::pipewire, "test-source", "format without a fixed pixel format and size");
  }
  const auto pixel = from_spa_video_format(spa_format);
  if (!pixel) return fail(Errc::pipewire, "test-source", "unexpected video format " + std::to_string(spa_format));
  FormatChoice choice;
  choice.format = *pixel;
  choice.width = size.width;
  choice.height = size.height;
  const spa_pod_prop* prop = spa_pod_find_prop(format, nullptr, SPA_FORMAT_VIDEO_modifier);
  if (!prop) return choice;
  choice.has_modifier = true;
  // The values are read 8 bytes apart: shorter ones would be read past the pod.
  uint32_t n_values = 0;
  uint32_t choice_type = 0;
  const spa_pod* values = spa_pod_get_values(&prop->value, &n_values, &choice_type);
  if (values->type != SPA_TYPE_Long || values->size != sizeof(int64_t) || n_values == 0) {
    return fail(Errc::pipewire, "test-source", "modifier property is not a list of longs");
  }
  const auto* longs = static_cast<const int64_t*>(SPA_POD_BODY_CONST(values));
  for (uint32_t i = 0; i < n_values; ++i) {
    const auto m = static_cast<uint64_t>(longs[i]);
    if (std::find(choice.modifiers.begin(), choice.modifiers.end(), m) == choice.modifiers.end()) {
      choice.modifiers.push_back(m);
    }
  }
  choice.needs_fixation = (prop->flags & SPA_POD_PROP_FLAG_DONT_FIXATE) != 0 && choice_type != SPA_CHOICE_None;
  return choice;
}

std::optional<uint64_t> choose_modifier(std::span<const uint64_t> preferred, std::span<const uint64_t> offered) {
  for (uint64_t m : preferred) {
    if (std::find(offered.begin(), offered.end(), m) != offered.end()) return m;
  }
  return std::nullopt;
}

uint32_t stride_for(PixelFormat format, uint32_t width, uint32_t align) {
  return aligned_stride(format, width, align);
}

uint32_t buffer_bytes(PixelFormat format, uint32_t width, uint32_t height, uint32_t stride) {
  if (format == PixelFormat::MJPG) return static_cast<uint32_t>(jpeg_capacity(width, height));
  const auto layout = single_block_layout(format, width, height, stride);
  return layout ? static_cast<uint32_t>(layout->bytes()) : 0;
}

}  // namespace zc::testsrc
