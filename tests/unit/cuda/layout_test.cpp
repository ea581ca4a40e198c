#include <catch2/catch.hpp>

#include "cuda/layout.hpp"

using namespace zc;
using namespace zc::cuda;

TEST_CASE("packed layout: one plane of 4W bytes, one word per pixel") {
  auto l = cuda::frame_layout(1920, 1080, PixelFormat::BGRx);
  REQUIRE(l);
  CHECK(l->planes == 1);
  CHECK(l->row_bytes[0] == 7680);
  CHECK(l->grid_w == 1920);
  CHECK(l->grid_h == 1080);
  CHECK(l->alloc_rows == 1080);
  CHECK(l->plane_offset(0, 8192) == 0);
}

TEST_CASE("NV12 layout: Y then interleaved UV at the same pitch") {
  auto l = cuda::frame_layout(1366, 768, PixelFormat::NV12);
  REQUIRE(l);
  CHECK(l->planes == 2);
  CHECK(l->row_bytes[0] == 1366);
  CHECK(l->row_bytes[1] == 1366);
  CHECK(l->rows[1] == 384);
  // 1366 bytes are 342 words (the last one half padding).
  CHECK(l->words[0].w == 342);
  CHECK(l->words[1].y == 768);
  CHECK(l->grid_h == 1152);
  CHECK(l->alloc_row_bytes >= 1368);
  const size_t pitch = 1536;
  CHECK(l->plane_offset(1, pitch) == pitch * 768);
  CHECK(l->plane_pitch(1, pitch) == pitch);
  CHECK(l->total_bytes(pitch) == pitch * 1152);
}

TEST_CASE("I420 layout: chroma planes at half pitch, side by side in the grid") {
  auto l = cuda::frame_layout(1000, 600, PixelFormat::I420);
  REQUIRE(l);
  CHECK(l->planes == 3);
  CHECK(l->row_bytes[1] == 500);
  CHECK(l->rows[2] == 300);
  // 500 chroma bytes are 125 words; V starts right after U in the grid.
  CHECK(l->words[1].w == 125);
  CHECK(l->words[2].x == 125);
  CHECK(l->grid_w == 250);
  // The base pitch must hold two padded chroma rows.
  CHECK(l->alloc_row_bytes >= 1000);
  const size_t pitch = 1024;
  CHECK(l->plane_pitch(1, pitch) == 512);
  CHECK(l->plane_offset(1, pitch) == 1024 * 600);
  CHECK(l->plane_offset(2, pitch) == 1024 * 600 + 512 * 300);
  // Both chroma planes end inside the allocation.
  CHECK(l->plane_offset(2, pitch) + 512 * 300 <= l->total_bytes(pitch));
  // Every plane's whole-word rows fit in its pitch.
  for (uint32_t p = 0; p < 3; ++p)
    CHECK(size_t{l->words[p].w} * 4 <= l->plane_pitch(p, l->alloc_row_bytes + 1) + 1);
}

TEST_CASE("4:2:0 layouts refuse odd sizes, every layout refuses zero") {
  CHECK(cuda::frame_layout(1921, 1080, PixelFormat::NV12).error().code == Errc::invalid_argument);
  CHECK(cuda::frame_layout(1920, 1081, PixelFormat::I420).error().code == Errc::invalid_argument);
  CHECK(cuda::frame_layout(0, 10, PixelFormat::BGRx).error().code == Errc::invalid_argument);
  CHECK(cuda::frame_layout(1921, 1081, PixelFormat::BGRx).has_value());
}

TEST_CASE("packed byte orders follow SPA's names") {
  using A = std::array<uint8_t, 4>;
  CHECK(cuda::packed_byte_order(PixelFormat::BGRx) == A{2, 1, 0, 3});
  CHECK(cuda::packed_byte_order(PixelFormat::xRGB) == A{3, 0, 1, 2});
  CHECK(cuda::packed_byte_order(PixelFormat::xBGR) == A{3, 2, 1, 0});
  CHECK(cuda::packed_channel_offsets(PixelFormat::BGRA) == A{2, 1, 0, 3});
  CHECK(cuda::packed_channel_offsets(PixelFormat::ARGB) == A{1, 2, 3, 0});
}
