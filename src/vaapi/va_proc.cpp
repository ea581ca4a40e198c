#include "vaapi/va_proc.hpp"

#include <drm_fourcc.h>
#include <va/va.h>
#include <va/va_drmcommon.h>
#include <va/va_vpp.h>

#include <string>

#include <fmt/format.h>

namespace zc::vaapi {
namespace {

constexpr std::string_view kStage = "vaapi";

std::string status_text(VAStatus s) {
  return fmt::format("{} ({})", vaErrorStr(s), s);
}

VAProcColorStandardType standard_of(ColourMatrix m) {
  switch (m) {
    case ColourMatrix::BT601:
      return VAProcColorStandardBT601;
    case ColourMatrix::BT709:
      return VAProcColorStandardBT709;
    case ColourMatrix::BT2020:
      return VAProcColorStandardBT2020;
  }
  return VAProcColorStandardBT709;
}

// ISO/IEC 23091-2 matrix codes, for drivers that read the explicit properties.
uint8_t matrix_code(ColourMatrix m) {
  switch (m) {
    case ColourMatrix::BT601:
      return 6;
    case ColourMatrix::BT709:
      return 1;
    case ColourMatrix::BT2020:
      return 9;
  }
  return 1;
}

}  // namespace

uint32_t va_fourcc(PixelFormat format) {
  switch (format) {
    case PixelFormat::BGRx:
      return VA_FOURCC_BGRX;
    case PixelFormat::BGRA:
      return VA_FOURCC_BGRA;
    case PixelFormat::RGBx:
      return VA_FOURCC_RGBX;
    case PixelFormat::RGBA:
      return VA_FOURCC_RGBA;
    default:
      return 0;
  }
}

Surface& Surface::operator=(Surface&& o) noexcept {
  if (this != &o) {
    reset();
    display_ = o.display_;
    id_ = o.id_;
    o.display_ = nullptr;
  }
  return *this;
}

void Surface::reset() {
  if (display_) {
    VASurfaceID id = id_;
    vaDestroySurfaces(display_, &id, 1);
  }
  display_ = nullptr;
}

Result<Surface> import_dmabuf(VADisplay display, const Frame& frame) {
  const uint32_t fourcc = va_fourcc(frame.format);
  if (frame.memory != MemoryKind::DmaBuf || frame.plane_count != 1 || fourcc == 0) {
    return fail(Errc::invalid_argument, std::string(kStage),
                fmt::format("the VA import takes single-plane 32-bit RGB dmabufs, not {} in {} planes",
                            to_string(frame.format), frame.plane_count));
  }
  const DmaBufPlane& plane = frame.planes[0];
  VADRMPRIMESurfaceDescriptor desc{};
  desc.fourcc = fourcc;
  desc.width = frame.width;
  desc.height = frame.height;
  desc.num_objects = 1;
  desc.objects[0].fd = plane.fd;
  desc.objects[0].size = static_cast<uint32_t>(plane.size);
  desc.objects[0].drm_format_modifier = frame.modifier;
  desc.num_layers = 1;
  desc.layers[0].drm_format = drm_fourcc(frame.format);
  desc.layers[0].num_planes = 1;
  desc.layers[0].object_index[0] = 0;
  desc.layers[0].offset[0] = plane.offset;
  desc.layers[0].pitch[0] = plane.stride;

  VASurfaceAttrib attribs[2]{};
  attribs[0].type = VASurfaceAttribMemoryType;
  attribs[0].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[0].value.type = VAGenericValueTypeInteger;
  attribs[0].value.value.i = VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2;
  attribs[1].type = VASurfaceAttribExternalBufferDescriptor;
  attribs[1].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[1].value.type = VAGenericValueTypePointer;
  attribs[1].value.value.p = &desc;
  VASurfaceID id = VA_INVALID_SURFACE;
  const VAStatus s = vaCreateSurfaces(display, VA_RT_FORMAT_RGB32, frame.width, frame.height, &id, 1, attribs, 2);
  if (s != VA_STATUS_SUCCESS) {
    return fail(Errc::rejected, std::string(kStage),
                fmt::format("the driver refused a {} dmabuf {}x{} with modifier {:#x}: {}", to_string(frame.format),
                            frame.width, frame.height, frame.modifier, status_text(s)));
  }
  return Surface(display, id);
}

Result<std::unique_ptr<VideoProc>> VideoProc::create(VADisplay display, uint32_t width, uint32_t height) {
  std::unique_ptr<VideoProc> p(new VideoProc(display));
  VAConfigID config = VA_INVALID_ID;
  if (VAStatus s = vaCreateConfig(display, VAProfileNone, VAEntrypointVideoProc, nullptr, 0, &config);
      s != VA_STATUS_SUCCESS) {
    return fail(Errc::unsupported, std::string(kStage), "the driver has no video processing: " + status_text(s));
  }
  p->config_ = config;
  VAContextID context = VA_INVALID_ID;
  if (VAStatus s =
          vaCreateContext(display, config, static_cast<int>(width), static_cast<int>(height), 0, nullptr, 0, &context);
      s != VA_STATUS_SUCCESS) {
    return fail(Errc::gpu, std::string(kStage), "vaCreateContext (video processing): " + status_text(s));
  }
  p->context_ = context;
  return p;
}

VideoProc::~VideoProc() {
  if (context_ != VA_INVALID_ID) vaDestroyContext(display_, context_);
  if (config_ != VA_INVALID_ID) vaDestroyConfig(display_, config_);
}

Result<void> VideoProc::run(uint32_t in, const Rect& crop, uint32_t out, uint32_t out_width, uint32_t out_height,
                            const Colour& colour) {
  const VARectangle source{static_cast<int16_t>(crop.x), static_cast<int16_t>(crop.y),
                           static_cast<uint16_t>(crop.width), static_cast<uint16_t>(crop.height)};
  const VARectangle target{0, 0, static_cast<uint16_t>(out_width), static_cast<uint16_t>(out_height)};
  VAProcPipelineParameterBuffer params{};
  params.surface = in;
  params.surface_region = &source;
  params.output_region = &target;
  params.output_background_color = 0xff000000;
  params.surface_color_standard = VAProcColorStandardSRGB;
  params.input_color_properties.color_range = VA_SOURCE_RANGE_FULL;
  params.output_color_standard = standard_of(colour.matrix);
  params.output_color_properties.color_range =
      colour.range == ColourRange::Full ? VA_SOURCE_RANGE_FULL : VA_SOURCE_RANGE_REDUCED;
  params.output_color_properties.matrix_coefficients = matrix_code(colour.matrix);
  params.filter_flags = VA_FILTER_SCALING_DEFAULT;

  VABufferID buffer = VA_INVALID_ID;
  if (VAStatus s =
          vaCreateBuffer(display_, context_, VAProcPipelineParameterBufferType, sizeof(params), 1, &params, &buffer);
      s != VA_STATUS_SUCCESS) {
    return fail(Errc::gpu, std::string(kStage), "vaCreateBuffer (pipeline parameters): " + status_text(s));
  }
  VAStatus s = vaBeginPicture(display_, context_, out);
  if (s == VA_STATUS_SUCCESS) {
    s = vaRenderPicture(display_, context_, &buffer, 1);
    // EndPicture after a successful Begin even when Render failed: the context stays usable.
    const VAStatus ended = vaEndPicture(display_, context_);
    if (s == VA_STATUS_SUCCESS) s = ended;
  }
  vaDestroyBuffer(display_, buffer);
  if (s == VA_STATUS_SUCCESS) s = vaSyncSurface(display_, out);
  if (s != VA_STATUS_SUCCESS) return fail(Errc::gpu, std::string(kStage), "video processing: " + status_text(s));
  return {};
}

}  // namespace zc::vaapi
