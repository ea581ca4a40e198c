// Issue 12 item 7: the CPU importer per source format at 1080p and 4K, as a ratio to one memcpy
// of that source frame (its own bytes: 4, 3, 2 or 1.5 per pixel) measured in the same run; 10-bit
// sources also into their 10-bit targets (P010, I010). MJPEG against libavcodec's own decode of the same JPEGs
// (the importer decodes with it, then converts). Thread CPU time, median (and best).
#include "cpu_formats_bench.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include "capture/video/spa_format.hpp"
#include "core/image_layout.hpp"
#include "ffmpeg/handles.hpp"
#include "testsrc/pack.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

namespace {

using zc::PixelFormat;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double best(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}

// Something like a picture: smooth gradients with a little noise (JPEG sizes depend on it; the raw
// conversions do not care). BGRx.
std::vector<uint8_t> canvas(uint32_t w, uint32_t h, int seed) {
  std::vector<uint8_t> c(size_t{w} * h * 4);
  uint32_t noise = 2463534242u + static_cast<uint32_t>(seed);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      noise ^= noise << 13;
      noise ^= noise >> 17;
      noise ^= noise << 5;
      const int n = static_cast<int>(noise % 9) - 4;
      uint8_t* p = c.data() + (size_t{y} * w + x) * 4;
      p[0] = static_cast<uint8_t>(std::clamp<int>(static_cast<int>(x * 255 / w) + n, 0, 255));
      p[1] = static_cast<uint8_t>(std::clamp<int>(static_cast<int>(y * 255 / h) + n, 0, 255));
      p[2] = static_cast<uint8_t>(std::clamp<int>(static_cast<int>((x + y) * 127 / (w + h)) + 64 + n, 0, 255));
      p[3] = 0xff;
    }
  }
  return c;
}

// JPEGs as a camera sends them: 4:2:2, full range, libavcodec's mjpeg at qscale 4.
std::vector<uint8_t> jpeg(const std::vector<uint8_t>& bgrx, uint32_t w, uint32_t h) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  zc::ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->width = static_cast<int>(w);
  ctx->height = static_cast<int>(h);
  ctx->pix_fmt = AV_PIX_FMT_YUVJ422P;
  ctx->time_base = AVRational{1, 30};
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * 4;
  std::vector<uint8_t> out;
  if (avcodec_open2(ctx.get(), codec, nullptr) == 0) {
    zc::ffmpeg::FramePtr f(av_frame_alloc());
    f->format = ctx->pix_fmt;
    f->width = ctx->width;
    f->height = ctx->height;
    av_frame_get_buffer(f.get(), 0);
    for (uint32_t y = 0; y < h; ++y) {
      for (uint32_t x = 0; x < w; ++x) {
        const uint8_t* p = bgrx.data() + (size_t{y} * w + x) * 4;
        const double yy = 0.299 * p[2] + 0.587 * p[1] + 0.114 * p[0];
        f->data[0][size_t{y} * f->linesize[0] + x] = static_cast<uint8_t>(yy);
        if (x % 2 == 0) {
          f->data[1][size_t{y} * f->linesize[1] + x / 2] = static_cast<uint8_t>(128 + (p[0] - yy) / 1.772);
          f->data[2][size_t{y} * f->linesize[2] + x / 2] = static_cast<uint8_t>(128 + (p[2] - yy) / 1.402);
        }
      }
    }
    zc::ffmpeg::PacketPtr pkt(av_packet_alloc());
    if (avcodec_send_frame(ctx.get(), f.get()) == 0 && avcodec_receive_packet(ctx.get(), pkt.get()) == 0) {
      out.assign(pkt->data, pkt->data + pkt->size);
    }
  }
  return out;
}

struct Source {
  std::vector<uint8_t> bytes;
  zc::Frame frame;
};

Source make_source(PixelFormat format, uint32_t w, uint32_t h, int seed) {
  Source s;
  const auto c = canvas(w, h, seed);
  s.frame.buffer_id = static_cast<uint64_t>(seed);
  s.frame.width = w;
  s.frame.height = h;
  s.frame.format = format;
  if (format == PixelFormat::MJPG) {
    s.bytes = jpeg(c, w, h);
    s.frame.data = s.bytes.data();
    s.frame.size = s.bytes.size();
    return s;
  }
  const auto layout = *zc::single_block_layout(format, w, h, zc::aligned_stride(format, w, 64));
  s.bytes.assign(layout.bytes(), 0);
  const zc::testsrc::Image image{const_cast<uint8_t*>(c.data()), w * 4, w, h, PixelFormat::BGRx};
  zc::testsrc::pack_canvas(image, format, layout, s.bytes.data());
  s.frame.data = s.bytes.data();
  s.frame.stride = layout.plane[0].stride;
  s.frame.size = s.bytes.size();
  const bool swap = zc::format_info(format).swap_uv;
  for (uint32_t p = 1; p < layout.planes; ++p) {
    s.frame.chroma[swap ? 2 - p : p - 1] = zc::CpuPlane{s.bytes.data() + layout.plane[p].offset, layout.plane[p].stride,
                                                        static_cast<size_t>(layout.bytes() - layout.plane[p].offset)};
  }
  return s;
}

// libavcodec's mjpeg decoder alone on the same JPEGs: the reference for MJPEG.
std::vector<double> decode_only(const Source* sources, int iterations) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  zc::ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->thread_count = 1;
  avcodec_open2(ctx.get(), codec, nullptr);
  zc::ffmpeg::PacketPtr pkt(av_packet_alloc());
  zc::ffmpeg::FramePtr frame(av_frame_alloc());
  std::vector<double> t;
  for (int i = -2; i < iterations; ++i) {
    const Source& s = sources[(i + 2) % 3];
    av_new_packet(pkt.get(), static_cast<int>(s.bytes.size()));
    std::memcpy(pkt->data, s.bytes.data(), s.bytes.size());
    const double t0 = thread_cpu_ms();
    avcodec_send_packet(ctx.get(), pkt.get());
    avcodec_receive_frame(ctx.get(), frame.get());
    const double dt = thread_cpu_ms() - t0;
    av_packet_unref(pkt.get());
    av_frame_unref(frame.get());
    if (i >= 0) t.push_back(dt);
  }
  return t;
}

void run_format(PixelFormat format, uint32_t w, uint32_t h, PixelFormat out, const zc::Colour& colour, int iterations) {
  const Source sources[3] = {make_source(format, w, h, 1), make_source(format, w, h, 2), make_source(format, w, h, 3)};
  // JPEGs differ in size from frame to frame.
  std::vector<uint8_t> copy_dst(std::max({sources[0].bytes.size(), sources[1].bytes.size(), sources[2].bytes.size()}));
  zc::zerocopy::CpuImporter importer;
  zc::zerocopy::ImportTarget target;
  target.width = w;
  target.height = h;
  target.format = out;
  target.colour = colour;
  std::vector<double> t_copy, t_import;
  for (int i = -2; i < iterations; ++i) {  // two warm-up rounds fault the pages in
    const Source& s = sources[(i + 2) % 3];
    double t0 = thread_cpu_ms();
    std::memcpy(copy_dst.data(), s.bytes.data(), s.bytes.size());
    const double copy = thread_cpu_ms() - t0;
    t0 = thread_cpu_ms();
    auto imported = importer.import(s.frame, target);
    const double imp = thread_cpu_ms() - t0;
    if (!imported) {
      std::printf("%s: import failed: %s\n", std::string(zc::to_string(format)).c_str(),
                  imported.error().describe().c_str());
      return;
    }
    if (i < 0) continue;
    t_copy.push_back(copy);
    t_import.push_back(imp);
  }
  const bool rgb = zc::format_info(format).kind == zc::FormatKind::rgb32 ||
                   zc::format_info(format).kind == zc::FormatKind::rgb24 ||
                   zc::format_info(format).kind == zc::FormatKind::rgb10;
  const std::string name = std::string(zc::to_string(format)) + " -> " + std::string(zc::to_string(out)) +
                           (rgb ? " " + std::string(zc::to_string(colour.matrix)) : std::string());
  const double mi = median(t_import);
  if (format == PixelFormat::MJPG) {
    const auto t_decode = decode_only(sources, iterations);
    const double md = median(t_decode);
    std::printf(
        "%-24s %4ux%-4u %6.2f MB  decode alone %7.3f ms   import %7.3f ms   ratio to decode %5.2f  (best %5.2f)\n",
        name.c_str(), w, h, static_cast<double>(sources[0].bytes.size()) / 1e6, md, mi, mi / md,
        best(t_import) / best(t_decode));
    return;
  }
  const double mc = median(t_copy);
  std::printf("%-24s %4ux%-4u %6.2f MB  memcpy %7.3f ms   import %7.3f ms   ratio %5.2f  (best %5.2f)\n", name.c_str(),
              w, h, static_cast<double>(sources[0].bytes.size()) / 1e6, mc, mi, mi / mc, best(t_import) / best(t_copy));
}

}  // namespace

void run_format_cases(int iterations, const char* match) {
  std::printf(
      "\nEvery source format (issue 12): one memcpy of the source frame as the reference; MJPEG against "
      "libavcodec's decode alone\n");
  std::vector<PixelFormat> formats;
  for (const auto& [f, spa] : zc::capture::kSpaFormats)
    formats.push_back(f);
  formats.push_back(PixelFormat::MJPG);
  // RGB: BT.601 (libyuv's factors, what every size used before) beside BT.709 (what HD gets now);
  // YUV is copied, whatever its colour.
  const zc::Colour bt601{zc::ColourMatrix::BT601, zc::ColourRange::Limited};
  const zc::Colour bt709{zc::ColourMatrix::BT709, zc::ColourRange::Limited};
  for (const auto& [w, h] : {std::pair{1920u, 1080u}, std::pair{3840u, 2160u}}) {
    for (PixelFormat f : formats) {
      const auto kind = zc::format_info(f).kind;
      const bool rgb = kind == zc::FormatKind::rgb32 || kind == zc::FormatKind::rgb24 || kind == zc::FormatKind::rgb10;
      for (PixelFormat out : {PixelFormat::NV12, PixelFormat::P010, PixelFormat::I010}) {
        if (out != PixelFormat::NV12 && zc::bit_depth(f) <= 8) continue;
        for (const zc::Colour& colour : {bt601, bt709}) {
          if (!rgb && colour == bt709) continue;
          const std::string name = std::string(zc::to_string(f)) + " -> " + std::string(zc::to_string(out)) +
                                   (rgb ? " " + std::string(zc::to_string(colour.matrix)) : std::string());
          if (match == nullptr || name.find(match) != std::string::npos) run_format(f, w, h, out, colour, iterations);
        }
      }
    }
  }
}
