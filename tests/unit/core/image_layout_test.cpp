// Plane geometry per format and the single-block layouts producers use (core/image_layout.hpp).
#include <catch2/catch.hpp>

#include "core/image_layout.hpp"

using zc::PixelFormat;

TEST_CASE("row bytes and rows per plane, odd sizes keeping their last chroma sample", "[image_layout]") {
  CHECK(zc::plane_row_bytes(PixelFormat::BGRx, 1366, 0) == 1366 * 4);
  CHECK(zc::plane_row_bytes(PixelFormat::RGB, 1367, 0) == 1367 * 3);
  CHECK(zc::plane_row_bytes(PixelFormat::YUY2, 1367, 0) == 684 * 4);
  CHECK(zc::plane_row_bytes(PixelFormat::xRGB_210LE, 7, 0) == 28);
  CHECK(zc::plane_row_bytes(PixelFormat::NV12, 1367, 1) == 1368);
  CHECK(zc::plane_row_bytes(PixelFormat::I420, 1367, 2) == 684);
  CHECK(zc::plane_row_bytes(PixelFormat::P010, 7, 0) == 14);
  CHECK(zc::plane_row_bytes(PixelFormat::P010, 7, 1) == 16);
  CHECK(zc::plane_row_bytes(PixelFormat::I010, 7, 1) == 8);
  CHECK(zc::plane_row_bytes(PixelFormat::I420, 16, 3) == 0);
  CHECK(zc::plane_rows(PixelFormat::YV12, 767, 0) == 767);
  CHECK(zc::plane_rows(PixelFormat::YV12, 767, 1) == 384);
  CHECK(zc::plane_count(PixelFormat::MJPG) == 0);
  CHECK(zc::plane_count(PixelFormat::NV12) == 2);
  CHECK(zc::plane_count(PixelFormat::YV12) == 3);
}

TEST_CASE("stride 0 is GStreamer's default layout (pipewiresink 0.3.65)", "[image_layout]") {
  // gst_video_info_fill_planes at 1362x767: luma rows of round_up(1362, 4) = 1364 bytes over
  // round_up(767, 2) = 768 rows; chroma rows of round_up(681, 4) = 684 bytes, 384 of them.
  const auto i420 = zc::single_block_layout(PixelFormat::I420, 1362, 767, 0);
  REQUIRE(i420);
  CHECK(i420->plane[0].stride == 1364);
  CHECK(i420->plane[1].offset == 1364 * 768);
  CHECK(i420->plane[1].stride == 684);
  CHECK(i420->plane[2].offset == 1364 * 768 + 684 * 384);
  CHECK(i420->bytes() == 1364 * 768 + 684 * 384 + 684 * 383 + 681);
  const auto nv12 = zc::single_block_layout(PixelFormat::NV12, 1366, 767, 0);
  REQUIRE(nv12);
  CHECK(nv12->plane[1].offset == 1368 * 768);
  CHECK(nv12->plane[1].stride == 1368);
  const auto rgb = zc::single_block_layout(PixelFormat::RGB, 1366, 767, 0);
  REQUIRE(rgb);
  CHECK(rgb->plane[0].stride == 4100);
  CHECK(rgb->planes == 1);
}

TEST_CASE("a stride is V4L2's convention: chroma after `height` rows, 3-plane chroma at half the stride",
          "[image_layout]") {
  const auto i420 = zc::single_block_layout(PixelFormat::I420, 1366, 767, 1408);
  REQUIRE(i420);
  CHECK(i420->plane[1].offset == 1408 * 767);
  CHECK(i420->plane[1].stride == 704);
  CHECK(i420->plane[2].offset == 1408 * 767 + 704 * 384);
  const auto nv12 = zc::single_block_layout(PixelFormat::NV12, 1366, 767, 1408);
  REQUIRE(nv12);
  CHECK(nv12->plane[1].stride == 1408);
  CHECK(nv12->bytes() == 1408 * 767 + 1408 * 383 + 1366);
  CHECK_FALSE(zc::single_block_layout(PixelFormat::I420, 1366, 767, 1367));  // no half of an odd stride
  CHECK(zc::single_block_layout(PixelFormat::NV12, 1365, 767, 1367));
  CHECK_FALSE(zc::single_block_layout(PixelFormat::MJPG, 1366, 767, 0));
  CHECK_FALSE(zc::single_block_layout(PixelFormat::BGRx, 0, 767, 0));
  CHECK(zc::aligned_stride(PixelFormat::I420, 1367, 1) == 1368);
  CHECK(zc::aligned_stride(PixelFormat::BGR, 1367, 64) == 4160);
}
