// A capture's outputs across its pipelines (here only its replay buffer): streams with the same
// parameters continue the same generation, packets keep their stream, other parameters start over.
#include <catch2/catch.hpp>

#include "fake_sink.hpp"
#include "output/output_set.hpp"

using namespace zc;
using namespace zc::output;
using namespace zc::test;

TEST_CASE("a new pipeline with the same streams continues them, other streams start a new generation",
          "[output][output_set][streams]") {
  OutputSetOptions options;
  options.replay = ReplayOptions{};
  auto set = OutputSet::open(std::move(options));
  REQUIRE(set);
  ReplayRing* ring = (*set)->replay();
  REQUIRE(ring);

  auto first = (*set)->attach();
  REQUIRE(first->begin(fake_streams(0)));
  REQUIRE(first->write(fake_packet(0, true, 0)));
  REQUIRE(first->write(fake_audio(10, 0)));
  REQUIRE(first->close());  // a pipeline's end leaves the outputs open

  // The next pipeline counts its generations from 0 again; its streams are the same.
  auto second = (*set)->attach();
  REQUIRE(second->begin(fake_streams(0)));
  REQUIRE(second->write(fake_packet(20, true, 0)));
  REQUIRE(second->write(fake_audio(30, 0)));
  CHECK(ring->held_packets() == 4);
  auto clip = ring->clip(0);
  REQUIRE(clip);
  REQUIRE(clip->streams.size() == 2);
  CHECK(clip->streams[1].kind == ffmpeg::StreamKind::audio);
  std::vector<uint32_t> streams;
  for (const auto& p : clip->packets)
    streams.push_back(p.stream);
  CHECK(streams == std::vector<uint32_t>{0, 1, 0});  // audio past the last video frame waits for more video

  // Another audio codec: not the same streams, so a new generation (the replay starts over).
  ffmpeg::StreamList other = fake_streams(0);
  ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
  params->codec_type = AVMEDIA_TYPE_AUDIO;
  params->codec_id = AV_CODEC_ID_AAC;
  other[1].params = std::move(params);
  auto third = (*set)->attach();
  REQUIRE(third->begin(other));
  CHECK(ring->held_packets() == 0);
  REQUIRE(third->write(fake_packet(40, true, 0)));
  CHECK(ring->held_packets() == 1);
  REQUIRE((*set)->close());
}
