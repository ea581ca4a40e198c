#include "session/stream_writer.hpp"

namespace zc::session {

Result<void> StreamWriter::begin(const ffmpeg::StreamInfo& video) {
  ffmpeg::StreamList streams{video};
  for (ffmpeg::StreamInfo s : audio_) {
    s.generation = video.generation;
    streams.push_back(std::move(s));
  }
  std::lock_guard lock(mutex_);
  if (auto ok = sinks_->begin(streams); !ok) return ok;
  begun_ = true;
  generation_ = video.generation;
  for (auto& p : held_) {
    p.generation = generation_;
    if (auto ok = sinks_->write(p); !ok) return ok;
  }
  held_.clear();
  return {};
}

bool StreamWriter::begun() const {
  std::lock_guard lock(mutex_);
  return begun_;
}

Result<void> StreamWriter::write_video(const ffmpeg::EncodedPacket& packet) {
  std::lock_guard lock(mutex_);
  return sinks_->write(packet);
}

Result<void> StreamWriter::write_audio(std::vector<ffmpeg::EncodedPacket>& packets) {
  std::lock_guard lock(mutex_);
  for (auto& p : packets) {
    if (!begun_) {
      if (held_.size() < kMaxHeld) held_.push_back(std::move(p));
      continue;
    }
    p.generation = generation_;
    if (auto ok = sinks_->write(p); !ok) return ok;
  }
  return {};
}

Result<void> StreamWriter::close() {
  std::lock_guard lock(mutex_);
  return sinks_->close();
}

}  // namespace zc::session
