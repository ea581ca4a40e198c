#include "encode_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <thread>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "ffmpeg/handles.hpp"

namespace zc::encode::test {

namespace {
Result<EncoderPtr> x264_nv12(const EncoderConfig& c) {
  return make_x264(c, PixelFormat::NV12);
}
Result<EncoderPtr> x264_i420(const EncoderConfig& c) {
  return make_x264(c, PixelFormat::I420);
}
}  // namespace

const Family kX264Nv12{"libx264", Codec::H264, PixelFormat::NV12, x264_nv12};
const Family kX264I420{"libx264", Codec::H264, PixelFormat::I420, x264_i420};
const Family kX265{"libx265", Codec::HEVC, PixelFormat::I420, make_x265};
const Family kSvtAv1{"libsvtav1", Codec::AV1, PixelFormat::I420, make_svtav1};

EncoderPtr create(const Family& f, const EncoderConfig& config) {
  auto e = f.make(config);
  REQUIRE(e);
  REQUIRE((*e)->name() == f.name);
  REQUIRE((*e)->input().format == f.input);
  return std::move(*e);
}
namespace {

// NAL unit types present in an Annex B packet.
std::vector<int> nal_types(Codec codec, const AVPacket& packet) {
  std::vector<int> types;
  const uint8_t* d = packet.data;
  const int n = packet.size;
  for (int i = 0; i + 3 < n; ++i) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
      const uint8_t h = d[i + 3];
      types.push_back(codec == Codec::H264 ? (h & 0x1f) : ((h >> 1) & 0x3f));
      i += 3;
    }
  }
  return types;
}

// OBU types in a low-overhead AV1 packet.
std::vector<int> obu_types(const AVPacket& packet) {
  std::vector<int> types;
  const uint8_t* d = packet.data;
  int pos = 0;
  while (pos < packet.size) {
    const uint8_t h = d[pos++];
    types.push_back((h >> 3) & 0xf);
    if (h & 0x04) ++pos;  // extension header
    uint64_t size = 0;
    if (h & 0x02) {
      for (int shift = 0; pos < packet.size; shift += 7) {
        const uint8_t b = d[pos++];
        size |= uint64_t{b & 0x7fu} << shift;
        if (!(b & 0x80)) break;
      }
    } else {
      size = static_cast<uint64_t>(packet.size - pos);
    }
    pos += static_cast<int>(size);
  }
  return types;
}

bool contains(const std::vector<int>& v, int x) {
  for (int y : v)
    if (y == x) return true;
  return false;
}

}  // namespace

Decoded decode_packets(Codec codec, const std::vector<ffmpeg::EncodedPacket>& packets,
                       const std::function<void(const AVFrame&)>& on_frame) {
  Decoded out;
  const AVCodec* dec = avcodec_find_decoder(codec_id(codec));
  REQUIRE(dec);
  out.decoder = dec->name;
  ffmpeg::CodecContextPtr ctx(avcodec_alloc_context3(dec));
  ctx->pkt_timebase = kPacketTimeBase;
  ctx->thread_count = 1;
  REQUIRE(avcodec_open2(ctx.get(), dec, nullptr) == 0);
  ffmpeg::FramePtr frame(av_frame_alloc());
  auto drain = [&] {
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      DecodedPicture p;
      p.pts = frame->best_effort_timestamp;
      p.width = frame->width;
      p.height = frame->height;
      p.key = frame->key_frame != 0;
      if (out.pictures.empty()) {
        out.color_range = frame->color_range;
        out.color_space = frame->colorspace;
        out.color_primaries = frame->color_primaries;
        out.color_trc = frame->color_trc;
      }
      out.pictures.push_back(p);
      if (on_frame) on_frame(*frame);
      av_frame_unref(frame.get());
    }
  };
  for (const auto& p : packets) {
    if (avcodec_send_packet(ctx.get(), p.packet.get()) < 0) ++out.errors;
    drain();
  }
  avcodec_send_packet(ctx.get(), nullptr);
  drain();
  return out;
}

bool has_parameter_sets(Codec codec, const AVPacket& packet) {
  switch (codec) {
    case Codec::H264: {
      const auto t = nal_types(codec, packet);
      return contains(t, 7) && contains(t, 8);
    }
    case Codec::HEVC: {
      const auto t = nal_types(codec, packet);
      return contains(t, 32) && contains(t, 33) && contains(t, 34);
    }
    case Codec::AV1:
      return contains(obu_types(packet), 1);
  }
  return false;
}

std::vector<ffmpeg::EncodedPacket> encode_pattern(Encoder& encoder, CpuFramePool& pool, int count, int fps,
                                                  int64_t origin, const std::function<void(int)>& before_submit) {
  std::vector<ffmpeg::EncodedPacket> packets;
  for (int i = 0; i < count; ++i) {
    if (before_submit) before_submit(i);
    DeviceFrame f = pool.acquire(frame_time_ns(origin, i, fps), static_cast<uint64_t>(i));
    REQUIRE(f.storage);
    fill_pattern(f, static_cast<uint32_t>(i));
    auto r = encoder.submit(std::move(f));
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
    REQUIRE(encoder.receive(packets));
  }
  auto r = encoder.finish(packets);
  INFO((r ? std::string() : r.error().describe()));
  REQUIRE(r);
  return packets;
}

void within(std::chrono::seconds limit, const std::string& what, const std::function<void()>& body) {
  std::promise<void> done;
  auto finished = done.get_future();
  std::exception_ptr thrown;
  // A failed REQUIRE throws; carry it back to the test thread instead of terminating.
  std::thread worker([&] {
    try {
      body();
    } catch (...) {
      thrown = std::current_exception();
    }
    done.set_value();
  });
  if (finished.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: %s did not return within %lld s (hung)\n", what.c_str(),
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }
  worker.join();
  if (thrown) std::rethrow_exception(thrown);
}

EncoderConfig small_config(Codec codec, Tuning tuning) {
  EncoderConfig c;
  c.codec = codec;
  c.width = 320;
  c.height = 240;
  c.frame_rate = {30, 1};
  c.tuning = tuning;
  c.time_origin_ns = 5'000'000'000LL;
  c.generation = 3;
  c.threads = 2;
  return c;
}

}  // namespace zc::encode::test
