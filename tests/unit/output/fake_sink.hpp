#pragma once
// A Sink double for the queue and tee tests: records what reaches it, can block (until released
// or interrupted), fail on the Nth packet, or ignore interrupt() like a wedged DNS lookup.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "output/sink.hpp"

namespace zc::test {

class FakeSink final : public output::Sink {
 public:
  struct Log {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<int64_t> pts;           // of packets written
    std::vector<uint32_t> streams;      // of packets written (EncodedPacket::stream)
    std::vector<uint32_t> generations;  // of begin() calls
    std::vector<size_t> stream_counts;  // of begin() calls
    bool closed = false;
    bool gate_open = true;  // write() blocks while false
    bool interrupted = false;
    bool ignore_interrupt = false;
    int fail_at = -1;  // the write() with this index fails
    int writes = 0;
  };

  FakeSink(std::string name, std::shared_ptr<Log> log) : name_(std::move(name)), log_(std::move(log)) {}

  std::string describe() const override { return name_; }
  Result<void> begin(const ffmpeg::StreamList& streams) override {
    std::lock_guard lock(log_->mutex);
    log_->generations.push_back(ffmpeg::generation_of(streams));
    log_->stream_counts.push_back(streams.size());
    return {};
  }
  Result<void> write(const ffmpeg::EncodedPacket& packet) override {
    std::unique_lock lock(log_->mutex);
    log_->changed.wait(lock, [&] { return log_->gate_open || (log_->interrupted && !log_->ignore_interrupt); });
    if (log_->interrupted && !log_->ignore_interrupt) {
      failure_ = Error{Errc::cancelled, "fake", name_ + " interrupted"};
      return tl::unexpected(*failure_);
    }
    if (log_->writes++ == log_->fail_at) {
      failure_ = Error{Errc::io, "fake", name_ + ": Broken pipe"};
      ++errors_;
      return tl::unexpected(*failure_);
    }
    log_->pts.push_back(packet.packet->pts);
    log_->streams.push_back(packet.stream);
    ++packets_;
    log_->changed.notify_all();
    return {};
  }
  Result<void> close() override {
    std::lock_guard lock(log_->mutex);
    log_->closed = true;
    log_->changed.notify_all();
    return {};
  }
  output::SinkStats stats() const override { return {packets_.load(), 0, 0, errors_.load()}; }
  std::optional<Error> failure() const override {
    std::lock_guard lock(log_->mutex);
    return failure_;
  }
  void interrupt() override {
    std::lock_guard lock(log_->mutex);
    log_->interrupted = true;
    log_->changed.notify_all();
  }

 private:
  std::string name_;
  std::shared_ptr<Log> log_;
  std::optional<Error> failure_;
  std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> errors_{0};
};

// A tiny packet with the given pts; keyframe as asked.
inline ffmpeg::EncodedPacket fake_packet(int64_t pts, bool key, uint32_t generation = 0, int size = 100) {
  ffmpeg::EncodedPacket p;
  p.packet.reset(av_packet_alloc());
  av_new_packet(p.packet.get(), size);
  p.packet->pts = p.packet->dts = pts;
  if (key) p.packet->flags |= AV_PKT_FLAG_KEY;
  p.generation = generation;
  return p;
}

// An audio packet of stream 1 (every audio packet is a keyframe to FFmpeg: it must not matter).
inline ffmpeg::EncodedPacket fake_audio(int64_t pts, uint32_t generation = 0) {
  ffmpeg::EncodedPacket p = fake_packet(pts, true, generation, 50);
  p.stream = 1;
  return p;
}

inline ffmpeg::StreamInfo fake_info(uint32_t generation) {
  ffmpeg::StreamInfo info;
  ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
  params->codec_type = AVMEDIA_TYPE_VIDEO;
  params->codec_id = AV_CODEC_ID_H264;
  info.params = std::move(params);
  info.generation = generation;
  return info;
}

// The video stream and one audio track.
inline ffmpeg::StreamList fake_streams(uint32_t generation) {
  ffmpeg::StreamInfo audio = fake_info(generation);
  ffmpeg::CodecParametersPtr params(avcodec_parameters_alloc());
  params->codec_type = AVMEDIA_TYPE_AUDIO;
  params->codec_id = AV_CODEC_ID_OPUS;
  audio.params = std::move(params);
  audio.kind = ffmpeg::StreamKind::audio;
  audio.index = 1;
  return {fake_info(generation), audio};
}

}  // namespace zc::test
