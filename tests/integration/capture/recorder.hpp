#pragma once
// A StreamObserver that records everything it is told, for tests to wait on and check.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "capture/video/stream.hpp"
#include "core/image_layout.hpp"

namespace zc::capture::test {

struct FrameRecord {
  uint64_t buffer_id = 0;
  uint64_t sequence = 0;
  uint32_t missed_before = 0;  // producer numbers skipped before this frame (capture's count)
  int64_t pts_ns = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  PixelFormat format = PixelFormat::BGRx;
  MemoryKind memory = MemoryKind::Cpu;
  uint32_t stride = 0;
  bool has_data = false;
  uint64_t checksum = 0;  // of the first row: proves the pixels were readable
  uint8_t first_byte = 0;
  std::optional<Rect> crop;
  bool damage_known = false;
  uint32_t damage_count = 0;
  Rect first_damage;
  Cursor cursor;  // pixels pointer only compared with nullptr (the cache is the stream's)
  uint8_t cursor_first_byte = 0;
  int plane_fd = -1;
  uint64_t modifier = 0;
};

class Recorder : public StreamObserver {
 public:
  void on_state(StreamState state, std::string_view message) override {
    std::lock_guard lock(mutex_);
    states.emplace_back(state, std::string(message));
    cv_.notify_all();
  }
  void on_format(const VideoFormat& format) override {
    std::lock_guard lock(mutex_);
    formats.push_back(format);
    cv_.notify_all();
  }
  void on_frame(const Frame& frame) override {
    FrameRecord r;
    r.buffer_id = frame.buffer_id;
    r.sequence = frame.sequence;
    r.missed_before = frame.missed_before;
    r.pts_ns = frame.pts_ns;
    r.width = frame.width;
    r.height = frame.height;
    r.format = frame.format;
    r.memory = frame.memory;
    r.stride = frame.stride;
    r.has_data = frame.data != nullptr;
    if (frame.data) {
      // The first row of plane 0 (MJPG: the first bytes of the JPEG).
      const size_t row = frame.format == PixelFormat::MJPG ? std::min<size_t>(frame.size, 64)
                                                           : plane_row_bytes(frame.format, frame.width, 0);
      for (size_t i = 0; i < row; ++i)
        r.checksum = r.checksum * 31 + frame.data[i];
      r.first_byte = frame.data[0];
    }
    if (frame.plane_count > 0) r.plane_fd = frame.planes[0].fd;
    r.crop = frame.crop;
    r.damage_known = frame.damage_known;
    r.damage_count = frame.damage_count;
    r.first_damage = frame.damage[0];
    r.cursor = frame.cursor;
    if (frame.cursor.pixels) r.cursor_first_byte = frame.cursor.pixels[0];
    r.modifier = frame.modifier;
    if (on_frame_hook) on_frame_hook(frame);
    std::lock_guard lock(mutex_);
    frames.push_back(r);
    cv_.notify_all();
  }
  void on_defect(const Defect& defect) override {
    std::lock_guard lock(mutex_);
    defects.push_back(defect);
    cv_.notify_all();
  }
  void on_buffer_removed(uint64_t id) override {
    std::lock_guard lock(mutex_);
    removed.push_back(id);
    cv_.notify_all();
  }

  // Waits until `done` (called with the lock held) holds; false on timeout.
  bool wait(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, done);
  }
  bool wait_state(std::chrono::milliseconds timeout, StreamState s) {
    return wait(timeout, [&] { return has_state_locked(s); });
  }
  bool has_state(StreamState s) {
    std::lock_guard lock(mutex_);
    return has_state_locked(s);
  }
  std::string state_message(StreamState s) {
    std::lock_guard lock(mutex_);
    for (const auto& [st, msg] : states) {
      if (st == s) return msg;
    }
    return {};
  }
  std::string history() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [st, msg] : states)
      out += std::string(to_string(st)) + ": " + msg + "\n";
    return out;
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mutex_);
    return f();
  }

  std::function<void(const Frame&)> on_frame_hook;  // runs on the PipeWire thread
  std::vector<std::pair<StreamState, std::string>> states;
  std::vector<VideoFormat> formats;
  std::vector<FrameRecord> frames;
  std::vector<Defect> defects;
  std::vector<uint64_t> removed;

 private:
  bool has_state_locked(StreamState s) const {
    return std::any_of(states.begin(), states.end(), [&](const auto& p) { return p.first == s; });
  }
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace zc::capture::test
