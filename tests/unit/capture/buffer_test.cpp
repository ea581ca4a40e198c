#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "capture/video/buffer.hpp"
#include "fake_buffer.hpp"

using namespace zc;
using namespace zc::capture;
using zc::capture::test::FakeBuffer;

namespace {

VideoFormat shm_format(uint32_t w, uint32_t h) {
  VideoFormat f;
  f.format = PixelFormat::BGRx;
  f.size = {w, h};
  return f;
}

VideoFormat dma_format(uint32_t w, uint32_t h, uint64_t modifier) {
  VideoFormat f = shm_format(w, h);
  f.dmabuf = true;
  f.modifier = modifier;
  return f;
}

DefectKind defect_of(const FakeBuffer& b, const VideoFormat& f) {
  auto r = validate_buffer(b.buffer, f, 7);
  REQUIRE_FALSE(r);
  CHECK(r.error().buffer_id == 7);
  CHECK(r.error().frame_dropped);
  return r.error().kind;
}

}  // namespace

TEST_CASE("validate: a good shared-memory buffer becomes a frame pointing at its first pixel") {
  // 64x32 BGRx with 16 bytes of row padding, image 128 bytes into the block.
  const uint32_t stride = 64 * 4 + 16;
  FakeBuffer b(SPA_DATA_MemFd, 128 + stride * 32, 128, stride * 32, stride);
  b.add_header(0, 123456789, 99);
  auto frame = validate_buffer(b.buffer, shm_format(64, 32), 3);
  REQUIRE(frame);
  CHECK(frame->memory == MemoryKind::Cpu);
  CHECK(frame->data == b.memory.data() + 128);
  CHECK(frame->stride == stride);
  CHECK(frame->size == stride * 32);
  CHECK(frame->width == 64);
  CHECK(frame->height == 32);
  CHECK(frame->buffer_id == 3);
  CHECK(frame->sequence == 99);
  CHECK(frame->format == PixelFormat::BGRx);
  CHECK(frame->plane_count == 0);
}

TEST_CASE("validate: header CORRUPTED flag") {
  FakeBuffer b(SPA_DATA_MemPtr, 64 * 4 * 4, 0, 64 * 4 * 4, 64 * 4);
  b.add_header(SPA_META_HEADER_FLAG_CORRUPTED, 0, 5);
  auto r = validate_buffer(b.buffer, shm_format(64, 4), 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == DefectKind::corrupted_header);
  CHECK(r.error().sequence == 5);
}

TEST_CASE("validate: chunk CORRUPTED flag") {
  FakeBuffer b(SPA_DATA_MemFd, 64 * 4 * 4, 0, 64 * 4 * 4, 64 * 4);
  b.chunk.flags = SPA_CHUNK_FLAG_CORRUPTED;
  CHECK(defect_of(b, shm_format(64, 4)) == DefectKind::corrupted_chunk);
}

TEST_CASE("validate: empty chunk is an error for shared memory only") {
  FakeBuffer shm(SPA_DATA_MemFd, 64 * 4 * 4, 0, 0, 64 * 4);
  CHECK(defect_of(shm, shm_format(64, 4)) == DefectKind::empty_chunk);

  FakeBuffer dma(SPA_DATA_DmaBuf, 64 * 4 * 4, 0, 0, 64 * 4);
  auto frame = validate_buffer(dma.buffer, dma_format(64, 4, 0x0300000000000001ULL), 2);
  REQUIRE(frame);
  CHECK(frame->memory == MemoryKind::DmaBuf);
}

TEST_CASE("validate: stride below width * bpp, or negative") {
  FakeBuffer b(SPA_DATA_MemFd, 64 * 4 * 4, 0, 64 * 4 * 4, 64 * 4 - 4);
  auto r = validate_buffer(b.buffer, shm_format(64, 4), 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == DefectKind::bad_stride);
  CHECK(r.error().seen == 252);
  CHECK(r.error().needed == 256);
  FakeBuffer neg(SPA_DATA_MemFd, 64 * 4 * 4, 0, 64 * 4 * 4, -256);
  CHECK(defect_of(neg, shm_format(64, 4)) == DefectKind::bad_stride);
}

TEST_CASE("validate: a zero stride (GStreamer pipewiresink) is inferred for shared memory") {
  FakeBuffer packed(SPA_DATA_MemFd, 4096, 0, 64 * 4 * 4, 0);
  auto frame = validate_buffer(packed.buffer, shm_format(64, 4), 1);
  REQUIRE(frame);
  CHECK(frame->stride == 256);
  FakeBuffer padded(SPA_DATA_MemFd, 4096, 0, 320 * 4, 0);
  frame = validate_buffer(padded.buffer, shm_format(64, 4), 1);
  REQUIRE(frame);
  CHECK(frame->stride == 320);
  // Not whole rows and too short for packed rows: still a short buffer, not a guess.
  FakeBuffer shorter(SPA_DATA_MemFd, 4096, 0, 1000, 0);
  CHECK(defect_of(shorter, shm_format(64, 4)) == DefectKind::short_buffer);
  // A dmabuf's layout cannot be guessed.
  FakeBuffer dma(SPA_DATA_DmaBuf, 4096, 0, 0, 0);
  CHECK(defect_of(dma, dma_format(64, 4, kModifierLinear)) == DefectKind::bad_stride);
}

TEST_CASE("validate: chunk offset or size outside maxsize") {
  FakeBuffer past(SPA_DATA_MemFd, 1024, 512, 1024, 256);
  CHECK(defect_of(past, shm_format(64, 4)) == DefectKind::out_of_bounds);
  FakeBuffer offset(SPA_DATA_MemFd, 1024, 2048, 16, 256);
  CHECK(defect_of(offset, shm_format(64, 4)) == DefectKind::out_of_bounds);
  // offset + size overflowing 32 bits must not wrap around into "fits".
  FakeBuffer wrap(SPA_DATA_MemFd, 1024, 0xFFFFFF00u, 0x200, 256);
  CHECK(defect_of(wrap, shm_format(64, 4)) == DefectKind::out_of_bounds);
}

TEST_CASE("validate: short buffer") {
  // 4 rows of 256 bytes need 1024 bytes (the last row's padding may be missing, its pixels not).
  FakeBuffer b(SPA_DATA_MemFd, 4096, 0, 1023, 256);
  CHECK(defect_of(b, shm_format(64, 4)) == DefectKind::short_buffer);
  FakeBuffer padded(SPA_DATA_MemFd, 4096, 0, 3 * 300 + 256, 300);
  CHECK(validate_buffer(padded.buffer, shm_format(64, 4), 1));
  FakeBuffer padded_short(SPA_DATA_MemFd, 4096, 0, 3 * 300 + 255, 300);
  CHECK(defect_of(padded_short, shm_format(64, 4)) == DefectKind::short_buffer);
}

TEST_CASE("validate: missing data pointer, fd or data block") {
  FakeBuffer no_ptr(SPA_DATA_MemFd, 1024, 0, 1024, 256);
  no_ptr.data.data = nullptr;
  CHECK(defect_of(no_ptr, shm_format(64, 4)) == DefectKind::missing_data);

  // PipeWire's video-src-fixate "pretends" dmabufs with fd -1.
  FakeBuffer no_fd(SPA_DATA_DmaBuf, 1024, 0, 1024, 256);
  no_fd.data.fd = -1;
  CHECK(defect_of(no_fd, dma_format(64, 4, kModifierLinear)) == DefectKind::missing_data);

  FakeBuffer no_datas(SPA_DATA_MemFd, 1024, 0, 1024, 256);
  no_datas.buffer.n_datas = 0;
  CHECK(defect_of(no_datas, shm_format(64, 4)) == DefectKind::missing_data);

  FakeBuffer no_chunk(SPA_DATA_MemFd, 1024, 0, 1024, 256);
  no_chunk.data.chunk = nullptr;
  CHECK(defect_of(no_chunk, shm_format(64, 4)) == DefectKind::missing_data);
}

TEST_CASE("validate: unsupported or unexpected memory type") {
  FakeBuffer memid(SPA_DATA_MemId, 1024, 0, 1024, 256);
  CHECK(defect_of(memid, shm_format(64, 4)) == DefectKind::unsupported_memory);
  // Shared memory arriving on a dmabuf format (and the reverse) is not what was negotiated.
  FakeBuffer shm(SPA_DATA_MemFd, 1024, 0, 1024, 256);
  CHECK(defect_of(shm, dma_format(64, 4, kModifierLinear)) == DefectKind::unsupported_memory);
  FakeBuffer dma(SPA_DATA_DmaBuf, 1024, 0, 1024, 256);
  CHECK(defect_of(dma, shm_format(64, 4)) == DefectKind::unsupported_memory);
}

TEST_CASE("validate: dmabuf planes carry fd, offset, stride, size and the modifier") {
  const uint64_t modifier = 0x0300000000606014ULL;
  FakeBuffer b(SPA_DATA_DmaBuf, 1 << 20, 4096, 0, 2048);
  b.data.fd = 17;
  auto frame = validate_buffer(b.buffer, dma_format(500, 300, modifier), 11);
  REQUIRE(frame);
  CHECK(frame->memory == MemoryKind::DmaBuf);
  CHECK(frame->modifier == modifier);
  REQUIRE(frame->plane_count == 1);
  CHECK(frame->planes[0].fd == 17);
  CHECK(frame->planes[0].offset == 4096);
  CHECK(frame->planes[0].stride == 2048);
  CHECK(frame->planes[0].size == (1u << 20));
  CHECK(frame->stride == 2048);
  CHECK(frame->data == nullptr);  // nobody mapped it
}

TEST_CASE("validate: a LINEAR dmabuf must hold its image, a mapped one exposes its pixels") {
  FakeBuffer small(SPA_DATA_DmaBuf, 1000, 0, 0, 256);
  CHECK(defect_of(small, dma_format(64, 4, kModifierLinear)) == DefectKind::out_of_bounds);
  FakeBuffer mapped(SPA_DATA_DmaBuf, 2048, 512, 0, 256);
  mapped.data.data = mapped.memory.data();
  auto frame = validate_buffer(mapped.buffer, dma_format(64, 4, kModifierLinear), 1);
  REQUIRE(frame);
  CHECK(frame->data == mapped.memory.data() + 512);
  CHECK(frame->size == 2048 - 512);
  // maxsize 0 (some compositors): no bound known, accepted.
  FakeBuffer unknown(SPA_DATA_DmaBuf, 0, 0, 0, 256);
  CHECK(validate_buffer(unknown.buffer, dma_format(64, 4, kModifierLinear), 1));
}

TEST_CASE("validate: every defect kind has a name") {
  for (size_t i = 0; i < kDefectKinds; ++i) {
    CHECK(to_string(static_cast<DefectKind>(i)) != "unknown");
  }
  CHECK(to_string(DefectKind::short_buffer) == "short_buffer");
  CHECK(to_string(DefectKind::stale_buffer) == "stale_buffer");
}

TEST_CASE("stale: a numbered buffer a little older than the last number taken, nothing else") {
  const auto numbered = [](uint64_t seq) { return HeaderInfo{true, 0, 0, seq}; };
  for (const bool counting : {false, true}) {
    INFO("counting " << counting);
    // PipeWire 1.4 with pipewiresink: number 34 (a buffer sent again unfilled) after 41.
    CHECK(is_stale(numbered(34), 41, counting));
    CHECK(is_stale(numbered(40), 41, counting));
    CHECK(is_stale(numbered(41 - kMaxStaleBack), 41, counting));
    // Forward, a restart far back, the first numbered buffer, and a buffer without a header: taken.
    CHECK_FALSE(is_stale(numbered(42), 41, counting));
    CHECK_FALSE(is_stale(numbered(50), 41, counting));
    CHECK_FALSE(is_stale(numbered(0), 41 + kMaxStaleBack + 1, counting));
    CHECK_FALSE(is_stale(numbered(0), std::nullopt, counting));
    CHECK_FALSE(is_stale(HeaderInfo{}, 41, counting));
  }
  // The same number again: stale from a producer that counts (pipewiresink on 1.4 sent buffer 6
  // with 45 twice in a row), a frame from one that sends the same number every time.
  CHECK(is_stale(numbered(41), 41, true));
  CHECK_FALSE(is_stale(numbered(41), 41, false));
  CHECK_FALSE(is_stale(numbered(0), 0, false));
}

namespace {

VideoFormat raw_format(PixelFormat format, uint32_t w, uint32_t h) {
  VideoFormat f;
  f.format = format;
  f.size = {w, h};
  return f;
}

}  // namespace

TEST_CASE("validate: I420 with stride 0 is GStreamer's layout, its planes handed over as U and V") {
  // 1362x767 I420 as pipewiresink 0.3.65 sends it: one block, stride 0, size = the whole image.
  const uint32_t size = 1364 * 768 + 684 * 384 * 2;
  FakeBuffer b(SPA_DATA_MemPtr, size, 0, size, 0);
  auto frame = validate_buffer(b.buffer, raw_format(PixelFormat::I420, 1362, 767), 1);
  REQUIRE(frame);
  CHECK(frame->stride == 1364);
  CHECK(frame->chroma[0].data == b.memory.data() + 1364 * 768);
  CHECK(frame->chroma[0].stride == 684);
  CHECK(frame->chroma[1].data == b.memory.data() + 1364 * 768 + 684 * 384);
  CHECK(frame->chroma[1].size == 684 * 384);
  // YV12 keeps V first in memory: capture hands U over first all the same.
  auto yv12 = validate_buffer(b.buffer, raw_format(PixelFormat::YV12, 1362, 767), 1);
  REQUIRE(yv12);
  CHECK(yv12->chroma[1].data == b.memory.data() + 1364 * 768);
  CHECK(yv12->chroma[0].data == b.memory.data() + 1364 * 768 + 684 * 384);
  // One byte short of the V plane's last row.
  FakeBuffer short_b(SPA_DATA_MemPtr, size, 0, size - 4, 0);
  CHECK(defect_of(short_b, raw_format(PixelFormat::I420, 1362, 767)) == DefectKind::short_buffer);
}

TEST_CASE("validate: NV12 with a stride: the UV plane follows `height` rows at the same stride") {
  const uint32_t stride = 1408;
  const uint32_t size = stride * 767 + stride * 384;
  FakeBuffer b(SPA_DATA_MemFd, size + 256, 256, size, static_cast<int32_t>(stride));
  auto frame = validate_buffer(b.buffer, raw_format(PixelFormat::NV12, 1366, 767), 1);
  REQUIRE(frame);
  CHECK(frame->data == b.memory.data() + 256);
  CHECK(frame->chroma[0].data == b.memory.data() + 256 + stride * 767);
  CHECK(frame->chroma[0].stride == stride);
  CHECK(frame->chroma[1].data == nullptr);
  // The stride must hold a row of every plane; I420's stride must halve.
  FakeBuffer narrow(SPA_DATA_MemFd, size, 0, size, 1365);
  CHECK(defect_of(narrow, raw_format(PixelFormat::NV12, 1366, 767)) == DefectKind::bad_stride);
  FakeBuffer odd(SPA_DATA_MemFd, size, 0, size, 1367);
  CHECK(defect_of(odd, raw_format(PixelFormat::I420, 1366, 767)) == DefectKind::bad_stride);
  FakeBuffer short_b(SPA_DATA_MemFd, size, 0, stride * 767 + stride * 383, static_cast<int32_t>(stride));
  CHECK(defect_of(short_b, raw_format(PixelFormat::NV12, 1366, 767)) == DefectKind::short_buffer);
}

TEST_CASE("validate: packed formats other than 32-bit RGB need their own row bytes") {
  // RGB at 1366: 4098 bytes a row; GStreamer pads it to 4100 and sends stride 0.
  FakeBuffer gst(SPA_DATA_MemPtr, 4100 * 767, 0, 4100 * 767, 0);
  auto rgb = validate_buffer(gst.buffer, raw_format(PixelFormat::RGB, 1366, 767), 1);
  REQUIRE(rgb);
  CHECK(rgb->stride == 4100);
  // YUY2 at an odd width carries a whole macropixel for the last pixel.
  FakeBuffer yuy2(SPA_DATA_MemFd, 1368 * 2 * 4, 0, 1368 * 2 * 4, 1366 * 2);
  CHECK(defect_of(yuy2, raw_format(PixelFormat::YUY2, 1367, 4)) == DefectKind::bad_stride);
  FakeBuffer yuy2_ok(SPA_DATA_MemFd, 1368 * 2 * 4, 0, 1368 * 2 * 4, 1368 * 2);
  CHECK(validate_buffer(yuy2_ok.buffer, raw_format(PixelFormat::YUY2, 1367, 4), 1));
  FakeBuffer ten(SPA_DATA_MemFd, 64 * 4 * 4, 0, 64 * 4 * 4 - 1, 64 * 4);
  CHECK(defect_of(ten, raw_format(PixelFormat::xRGB_210LE, 64, 4)) == DefectKind::short_buffer);
}

TEST_CASE("validate: a planar image in one data block per plane") {
  // I420 64x32 as three blocks (libcamera, V4L2's multi-planar API), each with its own chunk.
  std::vector<uint8_t> y(80 * 32), u(40 * 16), v(40 * 16);
  std::array<spa_chunk, 3> chunks{};
  std::array<spa_data, 3> datas{};
  std::array<std::vector<uint8_t>*, 3> mem{&y, &u, &v};
  for (size_t i = 0; i < 3; ++i) {
    chunks[i].size = static_cast<uint32_t>(mem[i]->size());
    chunks[i].stride = i == 0 ? 80 : 40;
    datas[i].type = SPA_DATA_MemFd;
    datas[i].maxsize = static_cast<uint32_t>(mem[i]->size());
    datas[i].data = mem[i]->data();
    datas[i].chunk = &chunks[i];
  }
  spa_buffer buffer{};
  buffer.n_datas = 3;
  buffer.datas = datas.data();
  auto frame = validate_buffer(buffer, raw_format(PixelFormat::I420, 64, 32), 9);
  REQUIRE(frame);
  CHECK(frame->data == y.data());
  CHECK(frame->stride == 80);
  CHECK(frame->chroma[0].data == u.data());
  CHECK(frame->chroma[1].data == v.data());
  CHECK(frame->chroma[1].stride == 40);
  auto yv12 = validate_buffer(buffer, raw_format(PixelFormat::YV12, 64, 32), 9);
  REQUIRE(yv12);
  CHECK(yv12->chroma[0].data == v.data());  // the third block is U
  chunks[2].size = 40 * 15;
  auto r = validate_buffer(buffer, raw_format(PixelFormat::I420, 64, 32), 9);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == DefectKind::short_buffer);
  chunks[2].size = 40 * 16;
  chunks[1].stride = 31;
  r = validate_buffer(buffer, raw_format(PixelFormat::I420, 64, 32), 9);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == DefectKind::bad_stride);
  chunks[1].stride = 40;
  datas[2].data = nullptr;
  r = validate_buffer(buffer, raw_format(PixelFormat::I420, 64, 32), 9);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == DefectKind::missing_data);
}
