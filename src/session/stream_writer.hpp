#pragma once
// The run's outputs as its two tracks see them. The video track begins the streams (every
// generation: its stream first, the audio tracks beside it) and writes its packets from the encoder
// thread; the audio track writes from its own thread. One writer at a time; sound encoded before
// the first picture's streams began is held (a few packets) and written right after they begin.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "ffmpeg/packet.hpp"
#include "output/sink.hpp"

namespace zc::session {

class StreamWriter {
 public:
  explicit StreamWriter(std::unique_ptr<output::Sink> sinks) : sinks_(std::move(sinks)) {}

  // The audio tracks' descriptions (index 1..), given once before the first begin().
  void set_audio_streams(ffmpeg::StreamList audio) { audio_ = std::move(audio); }

  // A video generation's streams begin: `video` and the audio tracks, at its generation. Held
  // audio packets follow.
  Result<void> begin(const ffmpeg::StreamInfo& video);
  bool begun() const;
  Result<void> write_video(const ffmpeg::EncodedPacket& packet);
  // Held until the streams began (at most kMaxHeld: a few seconds of Opus/AAC), then written at
  // the current generation.
  Result<void> write_audio(std::vector<ffmpeg::EncodedPacket>& packets);
  Result<void> close();

  output::Sink& sinks() { return *sinks_; }

  static constexpr size_t kMaxHeld = 512;

 private:
  std::unique_ptr<output::Sink> sinks_;
  ffmpeg::StreamList audio_;
  mutable std::mutex mutex_;
  bool begun_ = false;
  uint32_t generation_ = 0;  // of the streams begun last
  std::vector<ffmpeg::EncodedPacket> held_;
};

}  // namespace zc::session
