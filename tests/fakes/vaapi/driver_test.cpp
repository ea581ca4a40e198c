// The fake VA driver (backend.c) held to what the VA-API tests rely on: through FFmpeg's
// h264_vaapi, every variant's stream decodes (libavcodec, errors explode) to exactly the uploaded
// samples; rate-control modes are accepted; injected failures fail the encode. Through libva on
// the same display: imports a real driver would refuse are refused with the reason in the stats,
// an accepted import is read without a single surface map and its inode reported, and video
// processing gives byte for byte what zerocast's CPU converter gives. It needs a DRM render node
// for libva to open (ZC_VA_TEST_DEVICE, else the first /dev/dri/renderD*); without one it skips.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <drm_fourcc.h>
#include <libavcodec/avcodec.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <libavutil/opt.h>
#include <va/va.h>
#include <va/va_drmcommon.h>
#include <va/va_vpp.h>
}

#include "core/colour.hpp"
#include "support/render_node.hpp"
#include "support/skip.hpp"
#include "zerocopy/cpu/rgb8.hpp"

namespace {

constexpr int kW = 328, kH = 200;  // not whole macroblocks: the cropping and edge repeat count

using Env = std::map<std::string, std::string>;

// A VA-API device on the fake driver, with the given ZC_FAKE_VA_* settings (read by the driver
// when libva initialises it).
struct Device {
  AVBufferRef* ref = nullptr;
  VADisplay display = nullptr;

  explicit Device(const Env& env = {}) {
    const std::string node = zc::test::va_test_node();
    if (node.empty()) ZC_SKIP("no DRM render node (set ZC_VA_TEST_DEVICE)");
    setenv("LIBVA_DRIVERS_PATH", ZC_FAKE_VA_DRIVER_DIR, 1);
    setenv("LIBVA_DRIVER_NAME", "zc_fake", 1);
    for (const char* k : {"ZC_FAKE_VA_VARIANT", "ZC_FAKE_VA_MODIFIERS", "ZC_FAKE_VA_FAIL_AFTER", "ZC_FAKE_VA_STATS"})
      unsetenv(k);
    for (const auto& [k, v] : env)
      setenv(k.c_str(), v.c_str(), 1);
    const int err = av_hwdevice_ctx_create(&ref, AV_HWDEVICE_TYPE_VAAPI, node.c_str(), nullptr, 0);
    INFO("render node " << node);
    REQUIRE(err == 0);
    display = reinterpret_cast<AVVAAPIDeviceContext*>(reinterpret_cast<AVHWDeviceContext*>(ref->data)->hwctx)->display;
    REQUIRE(std::string(vaQueryVendorString(display)) == "zerocast fake VA driver");
  }
  ~Device() { av_buffer_unref(&ref); }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
};

// The driver's stats (zc_fake_va_stats_text: it is loaded into this process, globally).
std::map<std::string, std::string> stats() {
  using Fn = const char* (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "zc_fake_va_stats_text"));
  REQUIRE(fn != nullptr);
  std::map<std::string, std::string> out;
  std::istringstream in(fn());
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

long stat_number(const std::string& key) {
  const auto s = stats();
  const auto it = s.find(key);
  REQUIRE(it != s.end());
  return std::strtol(it->second.c_str(), nullptr, 0);
}

// Picture n: NV12 gradients that differ from picture to picture and from sample to sample.
uint8_t luma_at(int n, int x, int y) {
  return static_cast<uint8_t>(x + 3 * y + 17 * n);
}
uint8_t cb_at(int n, int x, int y) {
  return static_cast<uint8_t>(5 * x + n + y);
}
uint8_t cr_at(int n, int x, int y) {
  return static_cast<uint8_t>(7 * y + 2 * n + x);
}

struct EncodeOptions {
  std::string profile = "constrained_baseline";
  std::string coder = "cavlc";
  int gop = 1;
  std::string rc_mode;
  int64_t bitrate = 0;
  int slices = 1;
  bool low_power = false;
  int frames = 8;
};

struct Encoded {
  bool opened = false;
  int failed_at = -1;  // the frame whose send or receive failed
  std::vector<std::vector<uint8_t>> packets;
  std::vector<uint8_t> extradata;
};

Encoded encode(Device& dev, const EncodeOptions& o) {
  Encoded out;
  AVBufferRef* frames_ref = av_hwframe_ctx_alloc(dev.ref);
  REQUIRE(frames_ref);
  auto* frames = reinterpret_cast<AVHWFramesContext*>(frames_ref->data);
  frames->format = AV_PIX_FMT_VAAPI;
  frames->sw_format = AV_PIX_FMT_NV12;
  frames->width = kW;
  frames->height = kH;
  frames->initial_pool_size = 8;
  REQUIRE(av_hwframe_ctx_init(frames_ref) == 0);

  const AVCodec* codec = avcodec_find_encoder_by_name("h264_vaapi");
  REQUIRE(codec);
  AVCodecContext* enc = avcodec_alloc_context3(codec);
  enc->width = kW;
  enc->height = kH;
  enc->time_base = AVRational{1, 30};
  enc->framerate = AVRational{30, 1};
  enc->pix_fmt = AV_PIX_FMT_VAAPI;
  enc->hw_frames_ctx = av_buffer_ref(frames_ref);
  enc->gop_size = o.gop;
  enc->max_b_frames = 0;
  enc->slices = o.slices;
  enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // as a muxer asks: the extradata shows what FFmpeg made
  if (o.bitrate) enc->bit_rate = o.bitrate;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "profile", o.profile.c_str(), 0);
  av_dict_set(&opts, "coder", o.coder.c_str(), 0);
  if (!o.rc_mode.empty()) av_dict_set(&opts, "rc_mode", o.rc_mode.c_str(), 0);
  if (o.low_power) av_dict_set(&opts, "low_power", "1", 0);
  out.opened = avcodec_open2(enc, codec, &opts) == 0;
  av_dict_free(&opts);
  if (out.opened) {
    if (enc->extradata_size > 0) out.extradata.assign(enc->extradata, enc->extradata + enc->extradata_size);
    AVFrame* sw = av_frame_alloc();
    AVPacket* pkt = av_packet_alloc();
    auto drain = [&]() {
      for (;;) {
        const int r = avcodec_receive_packet(enc, pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return true;
        if (r < 0) return false;
        out.packets.emplace_back(pkt->data, pkt->data + pkt->size);
        av_packet_unref(pkt);
      }
    };
    for (int n = 0; n <= o.frames && out.failed_at < 0; ++n) {
      AVFrame* hw = nullptr;
      if (n < o.frames) {
        sw->format = AV_PIX_FMT_NV12;
        sw->width = kW;
        sw->height = kH;
        REQUIRE(av_frame_get_buffer(sw, 0) == 0);
        for (int y = 0; y < kH; ++y)
          for (int x = 0; x < kW; ++x)
            sw->data[0][y * sw->linesize[0] + x] = luma_at(n, x, y);
        for (int y = 0; y < kH / 2; ++y)
          for (int x = 0; x < kW / 2; ++x) {
            sw->data[1][y * sw->linesize[1] + 2 * x] = cb_at(n, x, y);
            sw->data[1][y * sw->linesize[1] + 2 * x + 1] = cr_at(n, x, y);
          }
        hw = av_frame_alloc();
        REQUIRE(av_hwframe_get_buffer(frames_ref, hw, 0) == 0);
        REQUIRE(av_hwframe_transfer_data(hw, sw, 0) == 0);
        hw->pts = n;
        av_frame_unref(sw);
      }
      if (avcodec_send_frame(enc, hw) < 0 || !drain()) out.failed_at = n;
      av_frame_free(&hw);
    }
    av_packet_free(&pkt);
    av_frame_free(&sw);
  }
  avcodec_free_context(&enc);
  av_buffer_unref(&frames_ref);
  return out;
}

struct Decoded {
  int frames = 0;
  int wrong_samples = 0;
  int errors = 0;  // packets refused, frames flagged
};

// Decodes with libavcodec's h264, any damage an error, and compares every sample with picture n.
Decoded decode(const Encoded& e) {
  Decoded d;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  AVCodecContext* dec = avcodec_alloc_context3(codec);
  dec->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK | AV_EF_BITSTREAM;
  if (!e.extradata.empty()) {
    dec->extradata = static_cast<uint8_t*>(av_mallocz(e.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    std::memcpy(dec->extradata, e.extradata.data(), e.extradata.size());
    dec->extradata_size = static_cast<int>(e.extradata.size());
  }
  REQUIRE(avcodec_open2(dec, codec, nullptr) == 0);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* f = av_frame_alloc();
  auto receive = [&]() {
    while (avcodec_receive_frame(dec, f) == 0) {
      const int n = d.frames++;
      if (f->decode_error_flags) ++d.errors;
      if (f->width != kW || f->height != kH || f->format != AV_PIX_FMT_YUV420P) {
        ++d.errors;
      } else {
        for (int y = 0; y < kH; ++y)
          for (int x = 0; x < kW; ++x)
            d.wrong_samples += f->data[0][y * f->linesize[0] + x] != luma_at(n, x, y);
        for (int y = 0; y < kH / 2; ++y)
          for (int x = 0; x < kW / 2; ++x) {
            d.wrong_samples += f->data[1][y * f->linesize[1] + x] != cb_at(n, x, y);
            d.wrong_samples += f->data[2][y * f->linesize[2] + x] != cr_at(n, x, y);
          }
      }
      av_frame_unref(f);
    }
  };
  for (const auto& p : e.packets) {
    REQUIRE(av_new_packet(pkt, static_cast<int>(p.size())) == 0);
    std::memcpy(pkt->data, p.data(), p.size());
    if (avcodec_send_packet(dec, pkt) < 0) ++d.errors;
    av_packet_unref(pkt);
    receive();
  }
  avcodec_send_packet(dec, nullptr);
  receive();
  av_frame_free(&f);
  av_packet_free(&pkt);
  avcodec_free_context(&dec);
  return d;
}

void check_exact(const Encoded& e, const EncodeOptions& o) {
  REQUIRE(e.opened);
  REQUIRE(e.failed_at < 0);
  REQUIRE(e.packets.size() == static_cast<size_t>(o.frames));
  const Decoded d = decode(e);
  CHECK(d.errors == 0);
  CHECK(d.frames == o.frames);
  CHECK(d.wrong_samples == 0);
}

}  // namespace

TEST_CASE("fake VA driver: every variant's CAVLC I and P pictures decode to exactly their samples", "[vaapi]") {
  for (const std::string variant : {"full", "sequence", "lowpower"}) {
    for (const int gop : {1, 4}) {
      INFO("variant " << variant << ", gop " << gop);
      Device dev(Env{{"ZC_FAKE_VA_VARIANT", variant}});
      EncodeOptions o;
      o.gop = gop;
      o.low_power = variant == "lowpower";
      o.profile = gop == 1 ? "constrained_baseline" : "main";
      o.slices = gop == 1 ? 1 : 3;
      const Encoded e = encode(dev, o);
      check_exact(e, o);
      CHECK(!e.extradata.empty());  // a packed sequence header: FFmpeg has its SPS and PPS
      CHECK(stat_number("pictures_encoded") == o.frames);
      CHECK(stat_number("p_slices") == (gop == 1 ? 0 : (o.frames - 2) * o.slices));
      const auto s = stats();
      CHECK(s.at("entrypoint") == (variant == "lowpower" ? "EncSliceLP" : "EncSlice"));
      if (variant == "sequence") {
        CHECK(stat_number("packed_slice_headers") == 0);
        CHECK(stat_number("own_slice_headers") == o.frames * o.slices);
      } else {
        CHECK(stat_number("packed_slice_headers") == o.frames * o.slices);
        CHECK(stat_number("own_slice_headers") == 0);
      }
      CHECK(stat_number("own_parameter_sets") == 0);
    }
  }
}

TEST_CASE("fake VA driver: CABAC I and P pictures decode to exactly their samples", "[vaapi]") {
  for (const int gop : {1, 4}) {
    INFO("gop " << gop);
    Device dev(Env{{"ZC_FAKE_VA_VARIANT", "full"}});
    EncodeOptions o;
    o.profile = "high";
    o.coder = "cabac";
    o.gop = gop;
    const Encoded e = encode(dev, o);
    check_exact(e, o);
    CHECK(stat_number("cabac_slices") == o.frames);
  }
}

TEST_CASE("fake VA driver: without packed headers the driver writes SPS and PPS and slice headers", "[vaapi]") {
  Device dev(Env{{"ZC_FAKE_VA_VARIANT", "none"}});
  EncodeOptions o;
  o.gop = 4;
  o.profile = "main";
  const Encoded e = encode(dev, o);
  REQUIRE(e.opened);
  CHECK(e.extradata.empty());  // what FFmpeg 5.1 gives without packed headers
  CHECK(stat_number("packed_headers_enabled") == 0);
  CHECK(stat_number("own_parameter_sets") == 2);  // pictures 0 and 4 are IDR
  CHECK(stat_number("own_slice_headers") == o.frames);
  check_exact(e, o);
}

TEST_CASE("fake VA driver: CQP and CBR and VBR are accepted", "[vaapi]") {
  for (const std::string mode : {"CQP", "CBR", "VBR"}) {
    INFO(mode);
    Device dev;
    EncodeOptions o;
    o.rc_mode = mode;
    if (mode != "CQP") o.bitrate = 2'000'000;
    o.frames = 3;
    const Encoded e = encode(dev, o);
    check_exact(e, o);
    CHECK(stats().at("rc_mode") == mode);
  }
}

TEST_CASE("fake VA driver: ZC_FAKE_VA_FAIL_AFTER fails every picture after the N-th", "[vaapi]") {
  Device dev(Env{{"ZC_FAKE_VA_FAIL_AFTER", "3"}});
  EncodeOptions o;
  o.frames = 6;
  const Encoded e = encode(dev, o);
  REQUIRE(e.opened);
  CHECK(e.failed_at >= 3);
  CHECK(e.failed_at < o.frames);
  CHECK(stat_number("pictures_encoded") == 3);
  CHECK(stat_number("failures_injected") >= 1);
}

namespace {

// A dmabuf of `size` bytes: a memfd made one by udmabuf where the kernel has it, else the memfd
// itself (the driver maps either; only a dmabuf has the sync ioctl, which it then skips).
struct Dmabuf {
  int memfd = -1, fd = -1;
  size_t size = 0;
  uint8_t* map = nullptr;

  explicit Dmabuf(size_t bytes) {
    size = (bytes + 4095) & ~size_t{4095};
    memfd = memfd_create("zc-fake-va-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    REQUIRE(memfd >= 0);
    REQUIRE(ftruncate(memfd, static_cast<off_t>(size)) == 0);
    REQUIRE(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
    map = static_cast<uint8_t*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0));
    REQUIRE(map != MAP_FAILED);
    const int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
    if (dev >= 0) {
      udmabuf_create create{};
      create.memfd = static_cast<uint32_t>(memfd);
      create.flags = UDMABUF_FLAGS_CLOEXEC;
      create.size = size;
      fd = ioctl(dev, UDMABUF_CREATE, &create);
      close(dev);
    }
    if (fd < 0) fd = dup(memfd);
    REQUIRE(fd >= 0);
  }
  ~Dmabuf() {
    munmap(map, size);
    close(fd);
    close(memfd);
  }
  unsigned long ino() const {
    struct stat st {};
    fstat(fd, &st);
    return static_cast<unsigned long>(st.st_ino);
  }
};

VADRMPRIMESurfaceDescriptor rgb_descriptor(const Dmabuf& buf, uint32_t drm_format, uint32_t pitch, uint64_t modifier) {
  VADRMPRIMESurfaceDescriptor d{};
  d.fourcc = drm_format == DRM_FORMAT_XBGR8888 ? VA_FOURCC_RGBX : VA_FOURCC_BGRX;
  d.width = kW;
  d.height = kH;
  d.num_objects = 1;
  d.objects[0].fd = buf.fd;
  d.objects[0].size = static_cast<uint32_t>(buf.size);
  d.objects[0].drm_format_modifier = modifier;
  d.num_layers = 1;
  d.layers[0].drm_format = drm_format;
  d.layers[0].num_planes = 1;
  d.layers[0].pitch[0] = pitch;
  return d;
}

VAStatus import(VADisplay display, VADRMPRIMESurfaceDescriptor& d, VASurfaceID* surface) {
  VASurfaceAttrib attribs[2]{};
  attribs[0].type = VASurfaceAttribMemoryType;
  attribs[0].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[0].value.type = VAGenericValueTypeInteger;
  attribs[0].value.value.i = VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2;
  attribs[1].type = VASurfaceAttribExternalBufferDescriptor;
  attribs[1].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[1].value.type = VAGenericValueTypePointer;
  attribs[1].value.value.p = &d;
  return vaCreateSurfaces(display, VA_RT_FORMAT_RGB32, d.width, d.height, surface, 1, attribs, 2);
}

// RGB test pattern: every channel varies, with saturated and grey areas.
void fill_rgb(uint8_t* base, uint32_t pitch, int w, int h) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = base + size_t(y) * pitch + size_t(x) * 4;
      p[0] = static_cast<uint8_t>(x * 7 + y);
      p[1] = static_cast<uint8_t>(y * 5 + (x >> 2));
      p[2] = static_cast<uint8_t>((x ^ y) * 3);
      p[3] = 0xff;
      if (x < 16) p[0] = p[1] = p[2] = static_cast<uint8_t>(y * 255 / (h - 1));  // greys, black to white
    }
}

// Runs one VPP picture: `input` into a new NV12 surface, then reads the target back (after
// the caller has looked at the surface-map count) into `nv12` (kW x kH, pitch kW).
struct Vpp {
  VADisplay display;
  VAConfigID config = VA_INVALID_ID;
  VAContextID context = VA_INVALID_ID;
  VASurfaceID target = VA_INVALID_SURFACE;

  explicit Vpp(VADisplay d) : display(d) {
    REQUIRE(vaCreateConfig(display, VAProfileNone, VAEntrypointVideoProc, nullptr, 0, &config) == VA_STATUS_SUCCESS);
    REQUIRE(vaCreateSurfaces(display, VA_RT_FORMAT_YUV420, kW, kH, &target, 1, nullptr, 0) == VA_STATUS_SUCCESS);
    REQUIRE(vaCreateContext(display, config, kW, kH, VA_PROGRESSIVE, &target, 1, &context) == VA_STATUS_SUCCESS);
  }
  ~Vpp() {
    vaDestroyContext(display, context);
    vaDestroySurfaces(display, &target, 1);
    vaDestroyConfig(display, config);
  }
  VAStatus run(VASurfaceID input, VAProcColorStandardType standard, uint8_t range, const VARectangle* crop) {
    VAProcPipelineParameterBuffer p{};
    p.surface = input;
    p.surface_region = crop;
    p.surface_color_standard = VAProcColorStandardSRGB;
    p.output_color_standard = standard;
    p.output_color_properties.color_range = range;
    VABufferID buf = VA_INVALID_ID;
    REQUIRE(vaCreateBuffer(display, context, VAProcPipelineParameterBufferType, sizeof p, 1, &p, &buf) ==
            VA_STATUS_SUCCESS);
    VAStatus st = vaBeginPicture(display, context, target);
    if (st == VA_STATUS_SUCCESS) st = vaRenderPicture(display, context, &buf, 1);
    if (st == VA_STATUS_SUCCESS) st = vaEndPicture(display, context);
    vaDestroyBuffer(display, buf);
    return st;
  }
  std::vector<uint8_t> read() {
    VAImage image{};
    REQUIRE(vaDeriveImage(display, target, &image) == VA_STATUS_SUCCESS);
    void* data = nullptr;
    REQUIRE(vaMapBuffer(display, image.buf, &data) == VA_STATUS_SUCCESS);
    std::vector<uint8_t> nv12(size_t{kW} * kH * 3 / 2);
    const auto* base = static_cast<const uint8_t*>(data);
    for (int y = 0; y < kH; ++y)
      std::memcpy(&nv12[size_t(y) * kW], base + image.offsets[0] + size_t(y) * image.pitches[0], kW);
    for (int y = 0; y < kH / 2; ++y)
      std::memcpy(&nv12[size_t{kW} * kH + size_t(y) * kW], base + image.offsets[1] + size_t(y) * image.pitches[1], kW);
    vaUnmapBuffer(display, image.buf);
    vaDestroyImage(display, image.image_id);
    return nv12;
  }
};

// zerocast's CPU path on the same pixels (its portable rows and, where the CPU has them, AVX2).
std::vector<uint8_t> cpu_nv12(const uint8_t* rgb, uint32_t pitch, zc::PixelFormat format, zc::ColourMatrix matrix,
                              zc::ColourRange range, zc::zerocopy::Rgb8Rows rows) {
  std::vector<uint8_t> nv12(size_t{kW} * kH * 3 / 2);
  zc::zerocopy::PlanarView dst;
  dst.format = zc::PixelFormat::NV12;
  dst.width = kW;
  dst.height = kH;
  dst.y = nv12.data();
  dst.u = nv12.data() + size_t{kW} * kH;
  dst.y_pitch = dst.u_pitch = kW;
  const zc::YuvFactors f = zc::yuv_factors_8bit(zc::Colour{matrix, range});
  REQUIRE(zc::zerocopy::rgb8_to_yuv(format, rgb, pitch, kW, kH, dst, f, rows));
  return nv12;
}

size_t differences(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t n = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    n += a[i] != b[i];
  return n + (a.size() > b.size() ? a.size() - b.size() : b.size() - a.size());
}

}  // namespace

TEST_CASE("fake VA driver: an import with an unknown modifier is refused and the stats say why", "[vaapi]") {
  Device dev;
  Dmabuf buf(size_t{kW} * 4 * kH);
  auto d = rgb_descriptor(buf, DRM_FORMAT_XRGB8888, kW * 4, I915_FORMAT_MOD_X_TILED);
  VASurfaceID s = VA_INVALID_SURFACE;
  CHECK(import(dev.display, d, &s) != VA_STATUS_SUCCESS);
  CHECK(stat_number("imports_refused") == 1);
  CHECK(stat_number("imports") == 0);
  CHECK(stats().at("import_refused_reason").find("modifier") != std::string::npos);
}

TEST_CASE("fake VA driver: ZC_FAKE_VA_MODIFIERS makes a modifier acceptable", "[vaapi]") {
  Device dev(Env{{"ZC_FAKE_VA_MODIFIERS", "0x0,0x100000000000001"}});  // linear, I915 X-tiled
  Dmabuf buf(size_t{kW} * 4 * kH);
  auto d = rgb_descriptor(buf, DRM_FORMAT_XRGB8888, kW * 4, I915_FORMAT_MOD_X_TILED);
  VASurfaceID s = VA_INVALID_SURFACE;
  REQUIRE(import(dev.display, d, &s) == VA_STATUS_SUCCESS);
  vaDestroySurfaces(dev.display, &s, 1);
  CHECK(stat_number("imports") == 1);
}

TEST_CASE("fake VA driver: an import of a buffer too short for its planes is refused", "[vaapi]") {
  Device dev;
  Dmabuf buf(size_t{kW} * 4 * (kH / 2));
  auto d = rgb_descriptor(buf, DRM_FORMAT_XRGB8888, kW * 4, DRM_FORMAT_MOD_LINEAR);
  VASurfaceID s = VA_INVALID_SURFACE;
  CHECK(import(dev.display, d, &s) != VA_STATUS_SUCCESS);
  CHECK(stat_number("imports_refused") == 1);
  CHECK(stats().at("import_refused_reason").find("too short") != std::string::npos);
}

TEST_CASE("fake VA driver: an import of a layer format it does not know is refused", "[vaapi]") {
  Device dev;
  Dmabuf buf(size_t{kW} * 4 * kH);
  auto d = rgb_descriptor(buf, DRM_FORMAT_XRGB2101010, kW * 4, DRM_FORMAT_MOD_LINEAR);
  VASurfaceID s = VA_INVALID_SURFACE;
  CHECK(import(dev.display, d, &s) != VA_STATUS_SUCCESS);
  CHECK(stats().at("import_refused_reason").find("format") != std::string::npos);
}

TEST_CASE("fake VA driver: an imported dmabuf is converted without a surface map and its inode reported", "[vaapi]") {
  Device dev;
  const uint32_t pitch = kW * 4 + 64;  // a pitch that is not the width's
  Dmabuf buf(size_t{pitch} * kH);
  fill_rgb(buf.map, pitch, kW, kH);
  auto d = rgb_descriptor(buf, DRM_FORMAT_XRGB8888, pitch, DRM_FORMAT_MOD_LINEAR);
  VASurfaceID s = VA_INVALID_SURFACE;
  REQUIRE(import(dev.display, d, &s) == VA_STATUS_SUCCESS);
  CHECK(stat_number("imports") == 1);
  CHECK(static_cast<unsigned long>(stat_number("last_import_ino")) == buf.ino());
  {
    Vpp vpp(dev.display);
    REQUIRE(vpp.run(s, VAProcColorStandardBT709, VA_SOURCE_RANGE_REDUCED, nullptr) == VA_STATUS_SUCCESS);
    CHECK(stat_number("surface_maps") == 0);
    CHECK(stat_number("vpp_runs") == 1);
    CHECK(static_cast<unsigned long>(stat_number("last_vpp_read_ino")) == buf.ino());
    const auto got = vpp.read();
    CHECK(differences(got, cpu_nv12(buf.map, pitch, zc::PixelFormat::BGRx, zc::ColourMatrix::BT709,
                                    zc::ColourRange::Limited, zc::zerocopy::Rgb8Rows::portable)) == 0);
  }
  vaDestroySurfaces(dev.display, &s, 1);
}

TEST_CASE("fake VA driver: video processing is zerocast's CPU conversion byte for byte", "[vaapi]") {
  Device dev;
  const uint32_t pitch = kW * 4;
  Dmabuf buf(size_t{pitch} * kH);
  fill_rgb(buf.map, pitch, kW, kH);
  Vpp vpp(dev.display);
  const struct {
    uint32_t drm;
    zc::PixelFormat format;
  } formats[] = {{DRM_FORMAT_XRGB8888, zc::PixelFormat::BGRx}, {DRM_FORMAT_XBGR8888, zc::PixelFormat::RGBx}};
  const struct {
    VAProcColorStandardType va;
    zc::ColourMatrix zc;
  } matrices[] = {{VAProcColorStandardBT601, zc::ColourMatrix::BT601},
                  {VAProcColorStandardBT709, zc::ColourMatrix::BT709},
                  {VAProcColorStandardBT2020, zc::ColourMatrix::BT2020}};
  for (const auto& fmt : formats) {
    auto d = rgb_descriptor(buf, fmt.drm, pitch, DRM_FORMAT_MOD_LINEAR);
    VASurfaceID s = VA_INVALID_SURFACE;
    REQUIRE(import(dev.display, d, &s) == VA_STATUS_SUCCESS);
    for (const auto& m : matrices) {
      for (const bool full : {false, true}) {
        INFO("format " << static_cast<int>(fmt.format) << ", matrix " << zc::to_string(m.zc) << ", full " << full);
        REQUIRE(vpp.run(s, m.va, full ? VA_SOURCE_RANGE_FULL : VA_SOURCE_RANGE_REDUCED, nullptr) == VA_STATUS_SUCCESS);
        const auto got = vpp.read();
        const auto range = full ? zc::ColourRange::Full : zc::ColourRange::Limited;
        CHECK(differences(got, cpu_nv12(buf.map, pitch, fmt.format, m.zc, range, zc::zerocopy::Rgb8Rows::portable)) ==
              0);
        CHECK(differences(got, cpu_nv12(buf.map, pitch, fmt.format, m.zc, range, zc::zerocopy::Rgb8Rows::best)) == 0);
      }
    }
    vaDestroySurfaces(dev.display, &s, 1);
  }

  // A crop (surface_region) to the output's size: the CPU path given the same window.
  Dmabuf big(size_t{pitch + 64} * (kH + 30));
  fill_rgb(big.map, pitch + 64, kW + 16, kH + 30);
  auto d = rgb_descriptor(big, DRM_FORMAT_XRGB8888, pitch + 64, DRM_FORMAT_MOD_LINEAR);
  d.width = kW + 16;
  d.height = kH + 30;
  VASurfaceID s = VA_INVALID_SURFACE;
  REQUIRE(import(dev.display, d, &s) == VA_STATUS_SUCCESS);
  const VARectangle crop{10, 14, kW, kH};
  REQUIRE(vpp.run(s, VAProcColorStandardBT709, VA_SOURCE_RANGE_REDUCED, &crop) == VA_STATUS_SUCCESS);
  const uint8_t* window = big.map + size_t{14} * (pitch + 64) + 10 * 4;
  CHECK(differences(vpp.read(), cpu_nv12(window, pitch + 64, zc::PixelFormat::BGRx, zc::ColourMatrix::BT709,
                                         zc::ColourRange::Limited, zc::zerocopy::Rgb8Rows::portable)) == 0);
  vaDestroySurfaces(dev.display, &s, 1);
}
