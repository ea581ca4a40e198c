// A session's streams through every kind of sink: video from a real H.264 encoder and audio from
// zerocast's own Opus/AAC encoder fed a tone, handed over in the order a session's encoders let
// them out, then read back with FFmpeg's demuxers and decoders.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "output/format_sink.hpp"
#include "output/open_sink.hpp"
#include "output/replay_ring.hpp"
#include "output_test_util.hpp"
#include "support/net.hpp"
#include "support/skip.hpp"

using namespace zc;
using namespace zc::test;
using namespace std::chrono_literals;

namespace {

constexpr int kFps = 30;
constexpr int64_t kFrameUs = 1000000 / kFps;
constexpr int64_t kVideoDelayUs = 3 * kFrameUs;  // an encoder that holds three frames back

EncodedStream video_or_skip(EncodeSpec spec) {
  spec.fps = kFps;
  auto stream = encode_frames(spec);
  if (!stream) ZC_SKIP(spec.encoder + " is not available in this FFmpeg build");
  return std::move(*stream);
}

EncodedStream tone_or_skip(const ToneSpec& spec) {
  auto stream = encode_tone(spec);
  if (!stream) ZC_SKIP("the " + spec.codec + " encoder is not available in this FFmpeg build");
  return std::move(*stream);
}

// Both streams, the session's way: begin with both, then every packet in hand-over order.
void write_session(output::Sink& sink, const EncodedStream& video, const EncodedStream& audio) {
  REQUIRE(sink.begin({video.info, audio.info}));
  for (const ffmpeg::EncodedPacket* p : session_order(video, audio, kVideoDelayUs))
    REQUIRE(sink.write(*p));
}

// What a file says about its two streams, checked against what the streams must be.
struct TwoStreams {
  StreamsProbe probe;
  const StreamSummary* video = nullptr;
  const StreamSummary* audio = nullptr;
};

TwoStreams probe_two(const std::string& path) {
  TwoStreams t;
  t.probe = probe_streams(path);
  INFO(path << ": " << t.probe.error);
  REQUIRE(t.probe.ok);
  REQUIRE(t.probe.streams.size() == 2);
  t.video = t.probe.first(false);
  t.audio = t.probe.first(true);
  REQUIRE(t.video);
  REQUIRE(t.audio);
  return t;
}

// Audio covers the video, give or take one audio frame, at both ends: a session's streams start
// together and end together; packets of each stream are in increasing dts order in the file.
void check_together(const TwoStreams& t, int64_t audio_frame_us) {
  INFO("video " << t.video->first_pts_us << ".." << t.video->end_us << ", audio " << t.audio->first_pts_us << ".."
                << t.audio->end_us << " (µs)");
  CHECK(t.video->dts_increasing);
  CHECK(t.audio->dts_increasing);
  CHECK(std::llabs(t.audio->first_pts_us - t.video->first_pts_us) <= audio_frame_us);
  CHECK(std::llabs(t.audio->end_us - t.video->end_us) <= audio_frame_us);
  // What a player plays: the decoded samples (the codec's priming and padding are not).
  const int64_t played_us = t.audio->decoded_samples * 1000000 / 48000;
  CHECK(std::llabs(played_us - t.video->duration_us()) <= audio_frame_us);
  CHECK(t.audio->decode_errors == 0);
  CHECK(t.audio->sample_rate == 48000);
  CHECK(t.audio->channels == 2);
}

}  // namespace

TEST_CASE("streams: video and audio in one file, for each container and audio codec", "[output][streams]") {
  struct Case {
    const char* ext;
    const char* audio;
  };
  for (const Case c :
       {Case{"mkv", "opus"}, Case{"mkv", "aac"}, Case{"mp4", "opus"}, Case{"mp4", "aac"}, Case{"ts", "aac"}}) {
    DYNAMIC_SECTION(c.ext << " with " << c.audio) {
      const EncodedStream video = video_or_skip({.frames = 3 * kFps, .gop = kFps});
      const EncodedStream audio = tone_or_skip({.codec = c.audio, .seconds = 3.0});
      const std::string path = make_temp_dir("zc-streams") + "/two." + c.ext;
      auto sink = output::open_sink(path, AV_CODEC_ID_H264);
      REQUIRE(sink);
      write_session(**sink, video, audio);
      REQUIRE((*sink)->close());

      const TwoStreams t = probe_two(path);
      CHECK(t.audio->codec == std::string(c.audio));
      CHECK(t.video->packets == 3 * kFps);
      check_together(t, audio.frame_us);
      // Whole seconds of tone decoded, less at most the codec's priming.
      CHECK(t.audio->decoded_samples >= 3 * 48000 - 1024);
      CHECK(t.audio->decoded_samples <= 3 * 48000 + 2 * 1024);
      const Decoded d = decode_numbers(path);
      CHECK(d.result.frames.size() == static_cast<size_t>(3 * kFps));
      CHECK(consecutive(d.numbers, 0));
    }
  }
}

TEST_CASE("streams: a new generation rolls the file, the audio goes on in NAME-001 without a gap",
          "[output][streams]") {
  const int64_t start = 123456789000;
  const EncodedStream first = video_or_skip({.width = 320, .height = 240, .frames = 2 * kFps, .gop = kFps});
  const EncodedStream second = video_or_skip({.width = 160,
                                              .height = 96,
                                              .frames = 2 * kFps,
                                              .gop = kFps,
                                              .generation = 1,
                                              .first_number = 2 * kFps,
                                              .start_us = start + 2 * kFps * kFrameUs});
  // One continuous track across both generations, as the session's audio encoder makes it.
  const EncodedStream audio = tone_or_skip({.seconds = 4.0, .start_us = start});
  const std::string dir = make_temp_dir("zc-streams");
  output::FormatSink sink(*output::parse_target(dir + "/roll.mkv"));

  // The session begins the second generation when its first frame goes into the new encoder;
  // from then on its audio belongs to the new file.
  const int64_t switch_us = second.packets.front().packet->pts;
  ffmpeg::StreamInfo audio0 = audio.info, audio1 = audio.info;
  audio1.generation = 1;
  REQUIRE(sink.begin({first.info, audio0}));
  bool switched = false;
  std::vector<int> written_audio;  // sizes, in the order written
  EncodedStream video;             // both generations, one after the other, for session_order
  video.info = first.info;
  for (const auto& p : first.packets)
    video.packets.push_back(p.share());
  for (const auto& p : second.packets)
    video.packets.push_back(p.share());
  // At the switch the old encoder is drained first (its held-back packets go out at once).
  auto write = [&](const ffmpeg::EncodedPacket& p) {
    ffmpeg::EncodedPacket copy = p.share();
    if (!p.video()) {
      copy.generation = switched ? 1 : 0;
      written_audio.push_back(p.packet->size);
    }
    REQUIRE(sink.write(copy));
  };
  size_t first_done = 0;  // packets of the first generation written
  for (const ffmpeg::EncodedPacket* p : session_order(video, audio, kVideoDelayUs)) {
    const int64_t at = handed_over_us(p->video() ? video : audio, *p, kVideoDelayUs);
    if (!switched && at >= switch_us) {
      for (size_t i = first_done; i < first.packets.size(); ++i)
        write(first.packets[i]);
      first_done = first.packets.size();
      REQUIRE(sink.begin({second.info, audio1}));
      switched = true;
    }
    if (p->video() && p->generation == 0) {
      if (first_done == first.packets.size()) continue;  // drained at the switch
      ++first_done;
    }
    write(*p);
  }
  REQUIRE(sink.close());
  REQUIRE(sink.files().size() == 2);
  CHECK(sink.stats().dropped <= 1);  // at most the codec's priming packet, before the first video frame

  const TwoStreams a = probe_two(sink.files()[0]);
  const TwoStreams b = probe_two(sink.files()[1]);
  CHECK(a.video->packets == 2 * kFps);
  CHECK(b.video->packets == 2 * kFps);
  check_together(a, audio.frame_us);
  check_together(b, audio.frame_us);
  // No gap and no overlap: the audio packets of both files, in order, are exactly those written
  // (but the priming packet that ends before the first file's first frame).
  std::vector<int> in_files = a.audio->sizes;
  in_files.insert(in_files.end(), b.audio->sizes.begin(), b.audio->sizes.end());
  REQUIRE(in_files.size() <= written_audio.size());
  CHECK(written_audio.size() - in_files.size() <= 1);
  CHECK(std::equal(in_files.begin(), in_files.end(), written_audio.end() - static_cast<ptrdiff_t>(in_files.size())));
  CHECK(a.audio->decoded_samples + b.audio->decoded_samples >= 4 * 48000 - 2 * 1024);
}

TEST_CASE("streams: a replay clip carries the audio from its first video frame on", "[output][streams][replay]") {
  const EncodedStream video = video_or_skip({.frames = 8 * kFps, .gop = kFps});
  const EncodedStream audio = tone_or_skip({.seconds = 8.0});
  output::ReplayRing ring({.duration = 3000ms});
  write_session(ring, video, audio);
  REQUIRE(ring.close());

  auto clip = ring.clip(2.0);
  REQUIRE(clip);
  REQUIRE(clip->streams.size() == 2);
  const std::string path = make_temp_dir("zc-streams") + "/clip.mkv";
  REQUIRE(output::write_clip(*clip, path));
  const TwoStreams t = probe_two(path);
  check_together(t, audio.frame_us);
  CHECK(t.video->duration_us() >= 2000000);
  CHECK(t.video->duration_us() <= 2000000 + (kFps + 1) * kFrameUs);  // from a keyframe: at most a GOP more
  const Decoded d = decode_numbers(path);
  CHECK(d.result.decode_errors == 0);
  REQUIRE_FALSE(d.numbers.empty());
  CHECK(consecutive(d.numbers, d.numbers.front()));
  CHECK(d.numbers.back() == 8 * kFps - 1);
}

TEST_CASE("streams: SRT carries both streams to a separate ffmpeg", "[output][streams][network]") {
  if (!have_program("ffmpeg")) ZC_SKIP("ffmpeg (the receiving peer) is not installed");
  Watchdog dog(60s, "srt streams test");
  const EncodedStream video = video_or_skip({.frames = 2 * kFps, .gop = kFps});
  const EncodedStream audio = tone_or_skip({.codec = "aac", .seconds = 2.0});
  const int port = free_port(Proto::udp);
  const std::string out = make_temp_dir("zc-streams") + "/rx.ts";
  Process rx = start_receiver("srt://127.0.0.1:" + std::to_string(port) + "?mode=listener", out);
  REQUIRE(wait_bound(port, Proto::udp, 10s));
  output::SinkOptions options;
  options.format.connect_timeout = 3000ms;
  auto sink = output::open_sink("srt://127.0.0.1:" + std::to_string(port), AV_CODEC_ID_H264, options);
  REQUIRE(sink);
  REQUIRE((*sink)->begin({video.info, audio.info}));
  for (const ffmpeg::EncodedPacket* p : session_order(video, audio, kVideoDelayUs)) {
    REQUIRE((*sink)->write(*p));
    std::this_thread::sleep_for(2ms);  // paced like a live source, a little faster than real time
  }
  REQUIRE((*sink)->close());
  const auto status = rx.wait(20s);
  INFO(rx.output());
  REQUIRE(status);
  CHECK(*status == 0);

  const TwoStreams t = probe_two(out);
  CHECK(t.audio->codec == "aac");
  CHECK(t.video->packets == 2 * kFps);
  check_together(t, audio.frame_us);
  const Decoded d = decode_numbers(out);
  CHECK(d.result.frames.size() == static_cast<size_t>(2 * kFps));
  CHECK(consecutive(d.numbers, 0));
}
