#pragma once
// A libavformat muxer writing a session's streams (video, and audio tracks beside it) to a file or
// URL, interleaved by dts. The muxer opens at the first video keyframe (its parameter sets go into
// the header); audio that comes before it waits, bounded. Not thread-safe except for stats(),
// failure(), describe() and interrupt(); network targets belong behind a QueuedSink.
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "output/av_util.hpp"
#include "output/sink.hpp"
#include "output/target.hpp"

namespace zc::output {

// How often a file is pushed to the kernel, so a killed process leaves a playable file.
enum class Flush {
  packet,    // after every packet (mkv: one cluster per packet; mp4: one fragment per packet)
  keyframe,  // at every keyframe: a kill loses at most the last GOP
  none,      // FFmpeg's own buffering (32 KiB; mkv clusters and mp4 fragments of a whole GOP)
};

struct FormatOptions {
  Flush flush = Flush::packet;  // files only: network targets are flushed after every packet
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{5000};  // one write (or the trailer) may block this long
  std::chrono::milliseconds srt_latency{120};
};

class FormatSink final : public Sink {
 public:
  // Registers the target's URL secrets with the logger, so FFmpeg's own lines are scrubbed too.
  explicit FormatSink(Target target, FormatOptions options = {});
  FormatSink(const FormatSink&) = delete;
  FormatSink& operator=(const FormatSink&) = delete;
  ~FormatSink() override;

  std::string describe() const override { return target_.redacted; }
  Result<void> begin(const ffmpeg::StreamList& streams) override;
  Result<void> write(const ffmpeg::EncodedPacket& packet) override;
  Result<void> close() override;
  SinkStats stats() const override;
  std::optional<Error> failure() const override;
  void interrupt() override { interrupted_.store(true, std::memory_order_relaxed); }

  // Files opened so far, in order (NAME.ext, NAME-001.ext, ...); empty for network targets.
  const std::vector<std::string>& files() const { return files_; }

 private:
  enum class State { idle, open, failed, closed };

  Result<void> open_muxer(const AVPacket& keyframe);
  Result<AVStream*> add_stream(AVFormatContext& ctx, const ffmpeg::StreamInfo& info, const AVPacket& keyframe);
  Result<void> close_muxer();
  Result<void> mux(const ffmpeg::EncodedPacket& packet);
  Result<void> start(const ffmpeg::EncodedPacket& keyframe);
  void hold(const ffmpeg::EncodedPacket& packet);
  int64_t time_us(const ffmpeg::EncodedPacket& packet, int64_t ts) const;
  Result<void> flush_muxer(bool end_cluster);
  void linger_for_srt();
  tl::unexpected<Error> failed(Error error);
  Error current_failure() const;
  Error io_error(int err, const std::string& what) const;
  std::string next_path() const;
  std::string stage() const;

  static int interrupt_cb(void* opaque);
  class Deadline;

  Target target_;
  FormatOptions options_;
  State state_ = State::idle;
  ffmpeg::StreamList streams_;  // of the current generation; empty before the first begin()
  OutputContextPtr ctx_;
  std::vector<AVStream*> av_streams_;  // by stream index, owned by ctx_
  ffmpeg::PacketPtr work_;             // reused for every packet: the muxer consumes its reference
  std::vector<uint8_t> extradata_;     // the video stream's
  std::vector<std::string> files_;
  // Packets of other streams that came before the muxer opened (the video keyframe opens it).
  std::deque<ffmpeg::EncodedPacket> held_;
  bool rolled_ = false;  // this generation continues a file just closed: its held audio is kept
  bool need_keyframe_ = true;
  bool new_extradata_pending_ = false;  // network: a new generation goes on in the same muxer
  bool warned_dts_ = false;
  int64_t ts_offset_us_ = 0;       // the muxer's time 0 on the sessions's timeline
  std::vector<int64_t> last_dts_;  // per stream, in its AVStream's time base
  std::vector<bool> have_last_dts_;
  uint64_t file_packets_ = 0;

  std::atomic<bool> interrupted_{false};
  std::atomic<int64_t> deadline_ns_{0};
  std::atomic<uint64_t> packets_{0}, bytes_{0}, dropped_{0}, errors_{0};
  mutable std::mutex failure_mutex_;
  std::optional<Error> failure_;
};

}  // namespace zc::output
