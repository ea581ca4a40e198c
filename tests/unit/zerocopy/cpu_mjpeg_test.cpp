// MJPEG through the CPU importer (issue 12): JPEGs of every sampling libavcodec writes, decoded and
// brought from JPEG's full range to BT.601 limited range; corrupt, truncated and lying JPEGs are
// errors (the pipeline counts them), never a crash, and the decoder goes on after them.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include "cpu_test_image.hpp"
#include "ffmpeg/handles.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/cpu/mjpeg.hpp"

using zc::PixelFormat;
using zc::test::Planes;
using zc::test::Rgba;
using zc::test::target;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::ImportTarget;

namespace {

// A JPEG of one colour, written by libavcodec's mjpeg encoder in `pix_fmt` (full range, JFIF).
// (Its encoder writes no greyscale JPEGs: the decoder's grey path is not covered here.)
std::vector<uint8_t> jpeg_of(Rgba c, int w, int h, AVPixelFormat pix_fmt) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  REQUIRE(codec);
  zc::ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->width = w;
  ctx->height = h;
  ctx->pix_fmt = pix_fmt;
  ctx->time_base = AVRational{1, 25};
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * 2;
  ctx->color_range = AVCOL_RANGE_JPEG;
  REQUIRE(avcodec_open2(ctx.get(), codec, nullptr) == 0);
  zc::ffmpeg::FramePtr frame(av_frame_alloc());
  frame->format = pix_fmt;
  frame->width = w;
  frame->height = h;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  // BT.601 at full range.
  const double y = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
  const auto clamp = [](double v) { return static_cast<uint8_t>(std::min(255.0, std::max(0.0, v + 0.5))); };
  const uint8_t vals[3] = {clamp(y), clamp(128 + (c.b - y) / 1.772), clamp(128 + (c.r - y) / 1.402)};
  for (int p = 0; p < 3; ++p) {
    const int ph = p == 0 || pix_fmt != AV_PIX_FMT_YUVJ420P ? h : (h + 1) / 2;
    for (int row = 0; row < ph; ++row)
      std::memset(frame->data[p] + row * frame->linesize[p], vals[p], static_cast<size_t>(frame->linesize[p]));
  }
  REQUIRE(avcodec_send_frame(ctx.get(), frame.get()) == 0);
  zc::ffmpeg::PacketPtr pkt(av_packet_alloc());
  REQUIRE(avcodec_receive_packet(ctx.get(), pkt.get()) == 0);
  std::vector<uint8_t> out(pkt->data, pkt->data + pkt->size);
  return out;
}

zc::Frame mjpeg_frame(const std::vector<uint8_t>& jpeg, uint32_t w, uint32_t h) {
  zc::Frame f;
  f.buffer_id = 1;
  f.width = w;
  f.height = h;
  f.format = PixelFormat::MJPG;
  f.data = jpeg.data();
  f.size = jpeg.size();
  return f;
}

}  // namespace

TEST_CASE("MJPEG of every sampling decodes to BT.601 limited range within 2 levels", "[cpu_import][mjpeg]") {
  const Rgba colours[] = {
      {0, 0, 0, 255}, {255, 255, 255, 255}, {200, 90, 40, 255}, {30, 200, 90, 255}, {20, 40, 230, 255}};
  CpuImporter importer;
  for (const auto pix_fmt : {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P}) {
    for (const Rgba c : colours) {
      INFO("pix_fmt " << pix_fmt << " rgb " << int(c.r) << "," << int(c.g) << "," << int(c.b));
      const auto jpeg = jpeg_of(c, 67, 35, pix_fmt);  // odd: a half chroma sample at the edges
      for (const PixelFormat out : {PixelFormat::NV12, PixelFormat::I420}) {
        for (const auto& [tw, th] : {std::pair{66u, 34u}, std::pair{32u, 18u}}) {
          auto f = importer.import(mjpeg_frame(jpeg, 67, 35), target(tw, th, out));
          REQUIRE(f);
          const Planes p(*f);
          const auto want = zc::test::bt601(c);
          for (uint32_t y : {0u, th / 2, th - 1}) {
            for (uint32_t x : {0u, tw / 2, tw - 1}) {
              CHECK(std::abs(p.y(x, y) - want.y) <= 2);
              CHECK(std::abs(p.u(x, y) - want.u) <= 2);
              CHECK(std::abs(p.v(x, y) - want.v) <= 2);
            }
          }
        }
      }
      auto ten = importer.import(mjpeg_frame(jpeg, 67, 35), target(66, 34, PixelFormat::I010));
      REQUIRE(ten);
    }
  }
  CHECK(importer.counters().failed == 0);
}

TEST_CASE("corrupt, truncated and lying JPEGs are errors, and the next good one decodes", "[cpu_import][mjpeg]") {
  CpuImporter importer;
  const auto good = jpeg_of({200, 90, 40, 255}, 64, 48, AV_PIX_FMT_YUVJ420P);
  auto expect_refused = [&](const std::vector<uint8_t>& bytes, uint32_t w, uint32_t h) {
    auto r = importer.import(mjpeg_frame(bytes, w, h), target(w, h));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == zc::Errc::invalid_argument);
    CHECK(r.error().message.find("corrupt JPEG") != std::string::npos);
    REQUIRE(importer.import(mjpeg_frame(good, 64, 48), target(64, 48)));  // the decoder goes on
  };
  SECTION("truncated: its end-of-image marker cut off") {
    expect_refused(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(good.size() / 2)), 64, 48);
  }
  SECTION("garbage with JPEG markers at both ends") {
    std::vector<uint8_t> junk(4096);
    for (size_t i = 0; i < junk.size(); ++i)
      junk[i] = static_cast<uint8_t>((i * 2654435761u) >> 11);
    junk[0] = 0xff;
    junk[1] = 0xd8;
    junk[junk.size() - 2] = 0xff;
    junk[junk.size() - 1] = 0xd9;
    expect_refused(junk, 64, 48);
  }
  SECTION("damaged scan data") {
    auto bad = good;
    for (size_t i = bad.size() / 2; i < bad.size() / 2 + 64; ++i)
      bad[i] = 0xff;
    expect_refused(bad, 64, 48);
  }
  SECTION("another size than negotiated") {
    expect_refused(good, 64, 64);
  }
  SECTION("no bytes, or only the markers") {
    expect_refused(std::vector<uint8_t>{0xff, 0xd8, 0xff, 0xd9}, 64, 48);
  }
  CHECK(importer.counters().imported >= 1);
}

TEST_CASE("the end-of-image check allows zero padding after the marker", "[mjpeg]") {
  const std::vector<uint8_t> padded{0xff, 0xd8, 0x01, 0x02, 0xff, 0xd9, 0, 0, 0};
  CHECK(zc::zerocopy::has_end_of_image(padded.data(), padded.size()));
  CHECK_FALSE(zc::zerocopy::has_end_of_image(padded.data(), 5));
  const std::vector<uint8_t> no_start{0x00, 0xd8, 0xff, 0xd9};
  CHECK_FALSE(zc::zerocopy::has_end_of_image(no_start.data(), no_start.size()));
}
