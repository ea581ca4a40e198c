// The pattern through a real lossy chain: packed RGB -> (swscale: 4:2:0, optionally scaled) ->
// libx264 ultrafast at a modest bitrate -> h264 decoder -> frame numbers read from the Y plane.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "ffmpeg/handles.hpp"
#include "support/skip.hpp"
#include "testsrc/pattern.hpp"

using zc::PixelFormat;
using zc::ffmpeg::CodecContextPtr;
using zc::ffmpeg::FramePtr;
using zc::ffmpeg::PacketPtr;
using zc::ffmpeg::SwsPtr;

namespace {

AVPixelFormat av_format(PixelFormat f) {
  switch (f) {
    case PixelFormat::BGRx:
      return AV_PIX_FMT_BGR0;
    case PixelFormat::BGRA:
      return AV_PIX_FMT_BGRA;
    case PixelFormat::RGBx:
      return AV_PIX_FMT_RGB0;
    case PixelFormat::RGBA:
      return AV_PIX_FMT_RGBA;
    case PixelFormat::xRGB:
      return AV_PIX_FMT_0RGB;
    case PixelFormat::xBGR:
      return AV_PIX_FMT_0BGR;
    case PixelFormat::ARGB:
      return AV_PIX_FMT_ARGB;
    case PixelFormat::ABGR:
      return AV_PIX_FMT_ABGR;
    default:
      return AV_PIX_FMT_NONE;
  }
}

struct ChainResult {
  std::vector<std::optional<uint32_t>> numbers;  // per decoded frame, in output order
  size_t bytes = 0;                              // compressed size
};

// Paints `frames` frames (numbers first..first+frames-1) at src size, converts to out size,
// encodes at `kbps` and decodes everything back.
// kbps 0: constant quantizer `qp` instead of a bitrate.
ChainResult run_chain(uint32_t src_w, uint32_t src_h, PixelFormat format, uint32_t out_w, uint32_t out_h, int kbps,
                      int frames, uint64_t first = 0, int qp = 0) {
  av_log_set_level(AV_LOG_ERROR);
  const AVCodec* enc = avcodec_find_encoder_by_name("libx264");
  const AVCodec* dec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!enc || !dec) ZC_SKIP("this FFmpeg has no libx264 or no h264 decoder");
  CodecContextPtr e(avcodec_alloc_context3(enc));
  e->width = static_cast<int>(out_w);
  e->height = static_cast<int>(out_h);
  e->pix_fmt = AV_PIX_FMT_YUV420P;
  e->time_base = AVRational{1, 30};
  e->framerate = AVRational{30, 1};
  if (kbps > 0) {
    e->bit_rate = kbps * 1000;
    e->rc_max_rate = kbps * 1000;
    e->rc_buffer_size = kbps * 1000 / 2;
  } else {
    av_opt_set_int(e->priv_data, "qp", qp, 0);
  }
  e->gop_size = 60;
  e->max_b_frames = 0;
  e->thread_count = 1;
  av_opt_set(e->priv_data, "preset", "ultrafast", 0);
  av_opt_set(e->priv_data, "tune", "zerolatency", 0);
  REQUIRE(avcodec_open2(e.get(), enc, nullptr) == 0);
  CodecContextPtr d(avcodec_alloc_context3(dec));
  d->thread_count = 1;
  REQUIRE(avcodec_open2(d.get(), dec, nullptr) == 0);

  SwsPtr sws(sws_getContext(static_cast<int>(src_w), static_cast<int>(src_h), av_format(format),
                            static_cast<int>(out_w), static_cast<int>(out_h), AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr,
                            nullptr, nullptr));
  REQUIRE(sws);
  const uint32_t stride = src_w * 4;
  std::vector<uint8_t> rgb(static_cast<size_t>(stride) * src_h);
  zc::testsrc::Painter painter(src_w, src_h, format);
  zc::testsrc::PaintState state;
  const zc::testsrc::Image image{rgb.data(), stride, src_w, src_h, format};

  FramePtr yuv(av_frame_alloc());
  yuv->format = AV_PIX_FMT_YUV420P;
  yuv->width = static_cast<int>(out_w);
  yuv->height = static_cast<int>(out_h);
  REQUIRE(av_frame_get_buffer(yuv.get(), 0) == 0);
  PacketPtr pkt(av_packet_alloc());
  FramePtr out(av_frame_alloc());
  ChainResult result;

  auto drain_decoder = [&] {
    while (avcodec_receive_frame(d.get(), out.get()) == 0) {
      result.numbers.push_back(zc::testsrc::read_number_luma(out->data[0], static_cast<uint32_t>(out->linesize[0]),
                                                             static_cast<uint32_t>(out->width),
                                                             static_cast<uint32_t>(out->height)));
      av_frame_unref(out.get());
    }
  };
  auto drain_encoder = [&] {
    while (avcodec_receive_packet(e.get(), pkt.get()) == 0) {
      result.bytes += static_cast<size_t>(pkt->size);
      REQUIRE(avcodec_send_packet(d.get(), pkt.get()) == 0);
      av_packet_unref(pkt.get());
      drain_decoder();
    }
  };
  for (int i = 0; i < frames; ++i) {
    painter.paint(image, state, first + static_cast<uint64_t>(i));
    REQUIRE(av_frame_make_writable(yuv.get()) == 0);
    const uint8_t* src[] = {rgb.data()};
    const int src_stride[] = {static_cast<int>(stride)};
    sws_scale(sws.get(), src, src_stride, 0, static_cast<int>(src_h), yuv->data, yuv->linesize);
    yuv->pts = i;
    REQUIRE(avcodec_send_frame(e.get(), yuv.get()) == 0);
    drain_encoder();
  }
  REQUIRE(avcodec_send_frame(e.get(), nullptr) == 0);
  drain_encoder();
  REQUIRE(avcodec_send_packet(d.get(), nullptr) == 0);
  drain_decoder();
  return result;
}

void check_in_order(const ChainResult& r, int frames, uint64_t first = 0) {
  REQUIRE(r.numbers.size() == static_cast<size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    INFO("decoded frame " << i);
    REQUIRE(r.numbers[static_cast<size_t>(i)].has_value());
    CHECK(*r.numbers[static_cast<size_t>(i)] == static_cast<uint32_t>((first + i) & zc::testsrc::kPatternNumberMask));
  }
}

}  // namespace

TEST_CASE("frame numbers survive libx264 ultrafast at 1 Mbit/s, 1280x720 BGRx") {
  const auto r = run_chain(1280, 720, PixelFormat::BGRx, 1280, 720, 1000, 45, 1000);
  check_in_order(r, 45, 1000);
  // The encoder really was starved: well under 1 byte per pixel... of the whole run.
  CHECK(r.bytes < 1280u * 720u);
}

TEST_CASE("frame numbers survive scaling 1920x1080 to 640x360 and libx264 at 300 kbit/s") {
  const auto r = run_chain(1920, 1080, PixelFormat::BGRx, 640, 360, 300, 45, 0xfffff0);  // wraps past 2^24
  check_in_order(r, 45, 0xfffff0);
}

TEST_CASE("frame numbers survive libx264 at a harsh constant quantizer (qp 48 of 51)") {
  // Far beyond what a bitrate-limited encoder does to this mostly static picture.
  const auto r = run_chain(1280, 720, PixelFormat::BGRx, 1280, 720, 0, 30, 500, 48);
  check_in_order(r, 30, 500);
  const auto small = run_chain(1920, 1080, PixelFormat::RGBA, 640, 360, 0, 30, 9, 48);
  check_in_order(small, 30, 9);
}

TEST_CASE("frame numbers survive libx264 at the smallest size, 320x180 at 150 kbit/s") {
  const auto r = run_chain(320, 180, PixelFormat::BGRx, 320, 180, 150, 30);
  check_in_order(r, 30);
}

TEST_CASE("frame numbers survive the chain from every packed format") {
  for (PixelFormat f : {PixelFormat::BGRA, PixelFormat::RGBx, PixelFormat::RGBA, PixelFormat::xRGB, PixelFormat::xBGR,
                        PixelFormat::ARGB, PixelFormat::ABGR}) {
    INFO(zc::to_string(f));
    const auto r = run_chain(640, 360, f, 640, 360, 500, 12, 77);
    check_in_order(r, 12, 77);
  }
}
