#pragma once
// The shared base of every FFmpeg encoder family: owns the AVCodecContext, opens it lazily on the
// first frame, hands frames to FFmpeg without copying, timestamps, keyframe requests, run-time
// bitrate changes, draining (also from the destructor) and StreamInfo. A family only says how to
// configure its codec (configure()) and what it can do at run time.
//
// Not thread-safe: every call comes from the thread that submits frames.
#include <cstdint>
#include <string>
#include <vector>

#include "encode/encoder.hpp"
#include "encode/rate.hpp"
#include "ffmpeg/handles.hpp"

namespace zc::encode {

class FfmpegEncoder : public Encoder {
 public:
  ~FfmpegEncoder() override;
  FfmpegEncoder(const FfmpegEncoder&) = delete;
  FfmpegEncoder& operator=(const FfmpegEncoder&) = delete;

  std::string_view name() const final { return codec_name_; }
  InputSpec input() const final { return input_; }
  Result<void> open_ahead() final;
  void set_time_origin(int64_t time_origin_ns) final { config_.time_origin_ns = time_origin_ns; }
  Result<void> submit(DeviceFrame frame) final;
  Result<void> receive(std::vector<ffmpeg::EncodedPacket>& out) final;
  Result<void> finish(std::vector<ffmpeg::EncodedPacket>& out) final;
  Result<void> request_keyframe() final;
  Result<void> set_bitrate(uint32_t kbps) final;
  Result<void> repeat_last(int64_t pts_ns) final;
  const ffmpeg::StreamInfo* stream_info() const final { return ctx_ ? &info_ : nullptr; }

  // Frames whose capture time did not advance and were nudged forward by one tick.
  uint64_t timestamp_fixups() const { return pts_fixups_; }
  // The threads the open codec was given (0 before the first submit()).
  int thread_count() const { return ctx_ ? ctx_->thread_count : 0; }

 protected:
  FfmpegEncoder(std::string codec_name, const EncoderConfig& config, InputSpec input);

  // Family settings, called once just before avcodec_open2. The base has already set size, pixel
  // format, time base, frame rate, GOP, colour tags, thread count and the rate fields from `rc`.
  virtual Result<void> configure(AVCodecContext& ctx, const RateControl& rc, ffmpeg::Dictionary& options) = 0;
  // Whether request_keyframe() can work with this configuration.
  virtual Result<void> keyframe_support(const RateControl& rc) const;
  // Whether a frame in `memory` is taken (default: only the input's memory).
  virtual bool accepts(FrameMemory memory) const { return memory == input_.memory; }
  // Points `out` (empty) at the frame's pixels. Default: wrap_device_frame (CPU frames, no copy).
  virtual Result<void> fill_frame(DeviceFrame& frame, AVFrame& out);
  // Whether the codec may be opened before its first frame and closed without one (open_ahead()).
  virtual bool opens_unfed() const { return true; }
  // Whether FFmpeg's wrapper picks up new rate fields on an open context (on the next frame).
  virtual bool reconfigures_bitrate() const { return false; }
  // Words appended to "cannot open: <FFmpeg error>" when FFmpeg's own code says too little.
  virtual std::string explain_open_failure(int /*averror*/) const { return {}; }

  const EncoderConfig& config() const { return config_; }
  tl::unexpected<Error> error(Errc code, std::string message) const;

 private:
  enum class State : uint8_t { Idle, Open, Finished, Failed };

  Result<void> open();
  // A context with size, format, time base, rate, GOP, colour tags, threads and rate fields set.
  ffmpeg::CodecContextPtr make_context(const AVCodec& codec) const;
  Result<void> check_frame(const DeviceFrame& frame) const;
  int64_t next_pts(int64_t pts_ns);
  Result<void> send(AVFrame* frame);
  Result<void> pull(std::vector<ffmpeg::EncodedPacket>& out, bool until_eof);
  void drain_and_drop();
  tl::unexpected<Error> failed(Errc code, std::string message);

  std::string codec_name_;
  EncoderConfig config_;
  InputSpec input_;
  RateControl rc_;
  State state_ = State::Idle;
  Error last_error_;

  ffmpeg::CodecContextPtr ctx_;
  ffmpeg::FramePtr frame_;                      // reused for every submit
  ffmpeg::FramePtr last_frame_;                 // a reference to the last picture sent, for repeat_last()
  zc::ffmpeg::PacketPtr scratch_;               // receives into this, moved into a fresh packet only on success
  std::vector<ffmpeg::EncodedPacket> pending_;  // packets pulled while making room for a frame
  ffmpeg::StreamInfo info_;

  bool keyframe_requested_ = false;
  bool have_last_pts_ = false;
  int64_t last_pts_ = 0;
  uint64_t pts_fixups_ = 0;
};

}  // namespace zc::encode
