// The MJPEG path (zerocopy/cpu/mjpeg.cpp and the CPU importer's jpeg_planes): a JPEG frame of a
// negotiated size decoded by libavcodec, checked, brought to 4:2:0 and converted into the
// encoder's layout. The input: the negotiated width and height (a byte each, 1..256), the output
// size and layout (two bytes), then the JPEG.
#include <cstdint>

#include "core/frame.hpp"
#include "fuzz_input.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

extern "C" {
#include <libavutil/log.h>
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libavcodec's complaints about broken JPEGs are expected here, by the thousand.
  static const bool quiet = [] {
    av_log_set_level(AV_LOG_QUIET);
    return true;
  }();
  (void)quiet;
  zc::fuzz::FuzzInput in(data, size);
  zc::Frame frame;
  frame.format = zc::PixelFormat::MJPG;
  frame.memory = zc::MemoryKind::Cpu;
  frame.width = in.take<uint8_t>() + 1u;
  frame.height = in.take<uint8_t>() + 1u;
  const uint8_t out = in.take<uint8_t>();
  const uint8_t bits = in.take<uint8_t>();
  const auto jpeg = in.rest();
  frame.data = jpeg.data();
  frame.size = jpeg.size();

  zc::zerocopy::ImportTarget target;
  target.format = (bits & 1) ? zc::PixelFormat::I420 : zc::PixelFormat::NV12;
  target.colour.range = (bits & 2) ? zc::ColourRange::Full : zc::ColourRange::Limited;
  // The negotiated size (rounded up to even), or another one to scale to.
  target.width = (bits & 4) ? 2 * (out % 64 + 1) : (frame.width + 1) & ~1u;
  target.height = (bits & 4) ? 2 * (out / 64 + 1) : (frame.height + 1) & ~1u;
  zc::zerocopy::CpuImporter importer;
  (void)importer.import(frame, target);
  return 0;
}
