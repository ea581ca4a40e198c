// Frames reach FFmpeg without a copy, and the pooled buffer goes home only when FFmpeg lets go.
#include <catch2/catch.hpp>

#include "encode/cpu_frames.hpp"
#include "encode/frame_wrap.hpp"
#include "ffmpeg/handles.hpp"

using namespace zc;
using namespace zc::encode;

TEST_CASE("a wrapped NV12 frame points at the pool's planes", "[encode][wrap]") {
  CpuFramePool pool(64, 48, PixelFormat::NV12);
  DeviceFrame f = pool.acquire(123, 4);
  REQUIRE(f.storage);
  const uint64_t y = f.planes[0];
  const uint64_t uv = f.planes[1];
  ffmpeg::FramePtr av(av_frame_alloc());
  REQUIRE(wrap_device_frame(f, *av));
  CHECK_FALSE(f.storage);  // handed over
  CHECK(av->format == AV_PIX_FMT_NV12);
  CHECK(av->width == 64);
  CHECK(av->height == 48);
  CHECK(reinterpret_cast<uintptr_t>(av->data[0]) == y);
  CHECK(reinterpret_cast<uintptr_t>(av->data[1]) == uv);
  CHECK(av->linesize[0] == static_cast<int>(f.pitches[0]));
  CHECK(av->data[2] == nullptr);
  REQUIRE(av->buf[0]);
  CHECK_FALSE(av_frame_is_writable(av.get()));  // read-only: writers must copy
  CHECK(pool.counters().outstanding == 1);
  av_frame_unref(av.get());
  CHECK(pool.counters().outstanding == 0);
}

TEST_CASE("an extra FFmpeg reference keeps the pooled buffer until it is dropped", "[encode][wrap]") {
  CpuFramePool pool(32, 32, PixelFormat::I420);
  DeviceFrame f = pool.acquire();
  ffmpeg::FramePtr av(av_frame_alloc());
  REQUIRE(wrap_device_frame(f, *av));
  CHECK(av->format == AV_PIX_FMT_YUV420P);
  CHECK(av->data[2] != nullptr);
  ffmpeg::FramePtr kept(av_frame_alloc());
  REQUIRE(av_frame_ref(kept.get(), av.get()) == 0);  // what an encoder that holds frames does
  CHECK(kept->data[0] == av->data[0]);               // a reference, not a copy
  av_frame_unref(av.get());
  CHECK(pool.counters().outstanding == 1);
  kept.reset();
  CHECK(pool.counters().outstanding == 0);
  auto again = pool.acquire();
  CHECK(pool.counters().created == 1);  // the same buffer came back and is reused
}

TEST_CASE("frames an encoder cannot take are refused without losing the buffer", "[encode][wrap]") {
  ffmpeg::FramePtr av(av_frame_alloc());
  DeviceFrame packed;
  packed.format = PixelFormat::BGRx;
  packed.width = 16;
  packed.height = 16;
  auto r = wrap_device_frame(packed, *av);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);

  CpuFramePool pool(16, 16, PixelFormat::NV12);
  DeviceFrame cuda = pool.acquire();
  cuda.memory = FrameMemory::Cuda;
  auto r2 = wrap_device_frame(cuda, *av);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == Errc::unsupported);
  CHECK(cuda.storage);  // still ours
  CHECK(av->buf[0] == nullptr);
}
