// The video track's capture side, on the PipeWire thread: formats, frames, pointer moves, defects.
#include "session/video_track.hpp"

#include <time.h>

#include <algorithm>
#include <string>
#include <utility>

#include "core/clock.hpp"
#include "core/image_layout.hpp"
#include "core/log.hpp"

namespace zc::session {
namespace {

int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

uint32_t even_down(uint32_t v) {
  return v < 2 ? 2 : v & ~1U;
}

// About what one imported frame of `t` holds (rows aligned as the pools align them).
uint64_t target_bytes(const zerocopy::ImportTarget& t) {
  const auto layout = single_block_layout(t.format, t.width, t.height, aligned_stride(t.format, t.width, 64));
  return layout ? layout->bytes() : uint64_t{t.width} * t.height * 4;
}

}  // namespace

VideoTrack::VideoTrack(Settings settings, std::unique_ptr<zerocopy::ImportChain> importers, StreamWriter& writer,
                       AtomicCounters& counters, Listener& listener)
    : settings_(std::move(settings)),
      importers_(std::move(importers)),
      writer_(writer),
      counters_(counters),
      listener_(listener),
      bitrate_kbps_(settings_.options.bitrate_kbps) {}

VideoTrack::~VideoTrack() {
  stop_capture();
  queue_.close();
  join();
}

Result<void> VideoTrack::start(capture::StreamOptions stream) {
  // --bit-depth 10: a producer that offers 10-bit RGB beside 8-bit sends 10 bits.
  if (settings_.options.bit_depth == encode::BitDepth::Ten) stream.formats = capture::ten_bit_first(stream.formats);
  stream.modifiers = this;
  encoder_thread_ = std::thread([this] { encoder_loop(); });
  auto started = capture::Stream::start(std::move(stream), *this);
  if (!started) {
    queue_.close();
    join();
    return tl::unexpected(started.error());
  }
  stream_ = std::move(*started);
  stream_ptr_ = stream_.get();
  return {};
}

void VideoTrack::stop_capture() {
  stream_ptr_ = nullptr;
  stream_.reset();
}

void VideoTrack::join() {
  if (encoder_thread_.joinable()) encoder_thread_.join();
}

uint32_t VideoTrack::frame_rate() const {
  const RecordOptions& o = settings_.options;
  if (o.fps || o.test_source()) return nominal_fps(o);
  const uint32_t announced = source_fps_.load();
  return announced ? announced : nominal_fps(o);
}

int64_t VideoTrack::picture_end_ns() const {
  const int64_t last = last_encoded_pts_ns_.load();
  return last ? last + 1'000'000'000LL / frame_rate() : 0;
}

// ---- capture thread --------------------------------------------------------------------------

std::vector<uint64_t> VideoTrack::modifiers(PixelFormat format) {
  return importers_->modifiers(format);
}

void VideoTrack::on_state(capture::StreamState state, std::string_view message) {
  if (state == capture::StreamState::streaming) listener_.streaming();
  if (state == capture::StreamState::producer_gone) {
    source_ended(message);
  } else if (capture::is_final(state)) {
    listener_.fail(Error{Errc::pipewire, "capture", std::string(message)});
  }
}

void VideoTrack::source_ended(std::string_view why) {
  // A clean end once frames came; before any, the source never worked.
  if (frames_imported_ > 0) {
    listener_.stop("the producer ended: " + std::string(why));
  } else {
    listener_.fail(Error{Errc::pipewire, "capture", std::string(why)});
  }
}

// --bit-depth: 10 bits when asked, or (auto) when the source has them and the encoder was proved
// at 10 bits; else the encoder's 8-bit layout.
encode::InputSpec VideoTrack::input_for(PixelFormat source, bool log) const {
  const RecordOptions& o = settings_.options;
  const encode::Selection& sel = settings_.selection;
  const bool ten = o.bit_depth == encode::BitDepth::Ten ||
                   (o.bit_depth == encode::BitDepth::Auto && bit_depth(source) > 8 && sel.input10);
  const encode::InputSpec input = ten && sel.input10 ? *sel.input10 : sel.input;
  if (!log) return input;
  zc::log::info("record: encoding {} at {} bits ({} from a {} source{})", sel.encoder, bit_depth(input.format),
                to_string(input.format), to_string(source),
                o.bit_depth == encode::BitDepth::Auto && bit_depth(source) > 8 && !sel.input10
                    ? "; the encoder takes 8 bits only"
                    : "");
  return input;
}

zerocopy::ImportTarget VideoTrack::target_for(uint32_t visible_width, uint32_t visible_height, PixelFormat source,
                                              bool log) const {
  const RecordOptions& o = settings_.options;
  zerocopy::ImportTarget t;
  t.width = o.scale ? o.scale->width : even_down(visible_width);
  t.height = o.scale ? o.scale->height : even_down(visible_height);
  const encode::InputSpec input = input_for(source, log);
  t.format = input.format;
  t.memory = input.memory;
  t.draw_cursor = o.draw_cursor;
  std::string assumed;
  t.colour = output_colour(source, source_colour_, source_height_ ? source_height_ : visible_height, t.height, o.colour,
                           &assumed);
  const bool hdr = is_hdr(t.colour);
  if (log && hdr && bit_depth(t.format) <= 8) {
    zc::log::warn(
        "colour: an HDR source ({}) encoded at 8 bits keeps its HDR tags but bands; --codec hevc or av1 "
        "encodes it at 10 bits",
        to_string(t.colour.transfer));
  }
  if (log) {
    zc::log::info("colour: {}{}", describe(t.colour),
                  assumed.empty() ? std::string()
                                  : "; the producer announced no " + assumed +
                                        " (assumed as its kind "
                                        "of producer means it)");
    log_hdr_metadata(hdr);
  }
  return t;
}

void VideoTrack::log_hdr_metadata(bool hdr) const {
  const encode::HdrMetadata& m = settings_.options.hdr;
  if (m.empty()) return;
  if (!hdr) {
    zc::log::warn("colour: the stream is SDR: its mastering display and content light (HDR10's) are left out");
    return;
  }
  zc::log::info("colour: HDR metadata: mastering display {}, content light {}",
                m.display ? encode::to_string(*m.display) : "none", m.light ? encode::to_string(*m.light) : "none");
}

void VideoTrack::on_format(const capture::VideoFormat& format) {
  // A new buffer size starts a new generation (new encoder) unless a fixed output size was asked
  // for; the next frame decides the target.
  target_.reset();
  source_colour_ = format.colour;
  source_height_ = format.size.height;
  for (const auto& warning : format.colour_warnings)
    zc::log::warn("colour: the producer's {}", warning);
  // A 30 fps producer's encoder gets a GOP of two seconds at 30, not at the nominal 60 (a rate of
  // 0/1 is variable: its maximum then, if it gives one).
  const capture::Fraction rate = format.framerate.num > 0 ? format.framerate : format.max_framerate;
  if (rate.num > 0 && rate.denom > 0) {
    source_fps_ = std::clamp<uint32_t>((rate.num + rate.denom / 2) / rate.denom, 1, 1000);
  }
  // The first format opens the encoder now, on its thread, not on the first frame: a 4K libx264
  // open and its first allocations held the first frame 100-250 ms (measured on the 2-core
  // machine). The first frame's own size still decides: a crop that differs replaces it.
  if (ahead_asked_ || frames_accepted_ > 0) return;
  ahead_asked_ = true;
  const std::optional<Rect> visible = imported_rect(Rect{0, 0, format.size.width, format.size.height});
  if (!visible) return;
  const zerocopy::ImportTarget ahead = target_for(visible->width, visible->height, format.format, false);
  {
    std::lock_guard lock(ahead_mutex_);
    ahead_ = ahead;
  }
  queue_.wake();
  // And the first frames' output buffers, on this (the capture) thread, while the link is not yet
  // streaming: no frame waits for them.
  importers_->prepare(ahead, format.dmabuf);
}

void VideoTrack::on_cursor_only(const Cursor& cursor, int64_t pts_ns, uint64_t sequence) {
  const int64_t cpu_start = thread_cpu_ns();
  // After the end it is not counted, as frames that come then are not: the summary's counts stop
  // with the recording (a slow machine's teardown took in three more in the 1.4 guest).
  if (queue_.closed()) return;
  counters_.add(Counter::cursor_only);
  // Before the first picture there is nothing to draw on.
  if (!target_ || first_frame_ns_ == 0 || ended_by_duration(pts_ns) || paused_at(pts_ns)) return;
  // The CPU path draws it over its copy of the last picture; the GPU path (or --no-cursor) says
  // unsupported: the pointer then shows on the next picture.
  auto redrawn = importers_->redraw_cursor(cursor, sequence, *target_);
  if (!redrawn) return;
  counters_.add(Counter::frames_captured);
  counters_.add(Counter::pointer_frames);
  redrawn->pts_ns = pts_ns;
  redrawn->sequence = sequence;
  queue_frame(std::move(*redrawn), cpu_start);
}

bool VideoTrack::ended_by_duration(int64_t pts_ns) {
  const auto& duration = settings_.options.duration_s;
  if (!duration || pts_ns - first_frame_ns_ < static_cast<int64_t>(*duration * 1e9)) return false;
  listener_.stop("duration reached");
  return true;
}

std::optional<Rect> VideoTrack::imported_rect(const Rect& visible) {
  const auto& region = settings_.options.region;
  if (!region) return visible;
  if (auto crop = region_crop(*region, visible, settings_.placement)) return crop;
  if (!std::exchange(region_missed_, true)) {
    listener_.fail(Error{Errc::invalid_argument, "capture",
                         "the region " + to_string(*region) + " lies outside the captured picture (" +
                             std::to_string(visible.width) + "x" + std::to_string(visible.height) + ")"});
  }
  return std::nullopt;
}

bool VideoTrack::paused_at(int64_t pts_ns) {
  if (settings_.pauses->paused_at(pts_ns)) {
    // Not imported, not counted as captured: the summary's captured = encoded + dropped holds.
    counters_.add(Counter::frames_paused);
    skipped_paused_ = true;
    return true;
  }
  // The first picture after a pause starts a keyframe: a player seeking to the resume finds one.
  if (std::exchange(skipped_paused_, false)) keyframe_requested_ = true;
  return false;
}

void VideoTrack::on_defect(const capture::Defect& defect) {
  if (defect.frame_dropped) counters_.add(Counter::dropped_defect);
}

void VideoTrack::on_buffer_removed(uint64_t buffer_id) {
  importers_->forget(buffer_id);
}

bool VideoTrack::reads_done(uint64_t buffer_id, bool wait) {
  return importers_->reads_done(buffer_id, wait);
}

void VideoTrack::on_frame(const Frame& frame) {
  const int64_t cpu_start = thread_cpu_ns();
  // Frames that come after the end (stopping, duration or frame count reached) are not counted:
  // captured = encoded (without repeats) + dropped (queue, import), so the summary adds up.
  if (queue_.closed()) return;
  if (first_frame_ns_ == 0) {
    first_frame_ns_ = frame.pts_ns;
    listener_.first_frame(frame.pts_ns);
  }
  if (ended_by_duration(frame.pts_ns) || paused_at(frame.pts_ns)) return;
  // --region: the importers crop what the frame's visible rect says, in their one pass.
  const std::optional<Rect> visible = imported_rect(frame.visible_rect());
  if (!visible) return;
  Frame region_frame;
  if (settings_.options.region) {
    region_frame = frame;
    region_frame.crop = *visible;
  }
  const Frame& source = settings_.options.region ? region_frame : frame;
  counters_.add(Counter::frames_captured);
  counters_.add(Counter::frames_missed, frame.missed_before);
  if (!target_) {
    target_ = target_for(visible->width, visible->height, frame.format, true);
    width_ = target_->width;
    height_ = target_->height;
    const uint64_t bytes = target_bytes(*target_);
    counters_.add(Counter::dropped_queue, queue_.set_capacity(queue_capacity_for(bytes)));
    zc::log::debug("record: the encoder's queue holds {} frames of {} bytes", queue_.capacity(), bytes);
  }
  auto imported = importers_->import(source, *target_, [this](PixelFormat format, uint64_t modifier) {
    if (auto* stream = stream_ptr_.load()) stream->report_import_rejected(format, modifier);
  });
  const zerocopy::GpuTime gpu = importers_->gpu_time();
  gpu_ns_ = gpu.ns;
  gpu_frames_timed_ = gpu.frames;
  if (!imported) {
    counters_.add(Counter::dropped_import);
    if (counters_.get(Counter::dropped_import) == 1) {
      zc::log::warn("import: frame {} skipped: {} (counted; later ones are not logged)", frame.sequence,
                    imported.error().describe());
    }
    return;
  }
  DeviceFrame df = std::move(*imported);
  df.colour = target_->colour;  // whichever importer made it
  df.pts_ns = frame.pts_ns;
  df.sequence = frame.sequence;
  queue_frame(std::move(df), cpu_start);
}

void VideoTrack::queue_frame(DeviceFrame df, int64_t cpu_start) {
  const int64_t pts_ns = df.pts_ns;
  const FrameQueue::Pushed pushed = queue_.push(std::move(df));
  if (pushed == FrameQueue::Pushed::refused) {
    // The recording ended while this frame was imported (measured: SIGINT under ASan): like a
    // frame that comes after the end, it is not a captured one, so the summary still adds up.
    counters_.sub(Counter::frames_captured);
    return;
  }
  if (pushed == FrameQueue::Pushed::queued_dropping_oldest) counters_.add(Counter::dropped_queue);
  listener_.picture_queued(pts_ns);
  ++frames_accepted_;
  ++frames_imported_;
  cpu_ns_capture_thread_ += thread_cpu_ns() - cpu_start;
  const auto& max_frames = settings_.options.max_frames;
  if (max_frames && frames_accepted_ >= *max_frames) listener_.stop("frame count reached");
}

VideoTrack::View VideoTrack::view() const {
  View v;
  v.import_path = importers_->path();
  v.width = width_;
  v.height = height_;
  v.queue_depth = queue_.depth();
  v.bitrate_kbps = bitrate_kbps_.load();
  v.latency_p50_ns = latency_.quantile_ns(0.5);
  v.latency_p99_ns = latency_.quantile_ns(0.99);
  v.latency_settled_p99_ns = latency_settled_.quantile_ns(0.99);
  v.latency_settled_count = latency_settled_.count();
  const uint64_t imported = frames_imported_.load();
  v.capture_cpu_ms_per_frame = imported ? static_cast<double>(cpu_ns_capture_thread_) / 1e6 / imported : 0;
  const auto gpu_frames = gpu_frames_timed_.load();
  v.capture_gpu_ms_per_frame = gpu_frames ? static_cast<double>(gpu_ns_) / 1e6 / gpu_frames : -1;
  const zerocopy::ConvertedPixels px = importers_->converted_pixels();
  if (px.total > 0) v.converted_share = static_cast<double>(px.converted) / static_cast<double>(px.total);
  if (counters_.get(Counter::frames_encoded) > 0) {
    // What the file holds: the paused spans are not in it.
    const PauseClock& pauses = *settings_.pauses;
    v.encoded_span_s =
        static_cast<double>(pauses.shift(last_encoded_pts_ns_) - pauses.shift(first_encoded_pts_ns_)) / 1e9 +
        1.0 / frame_rate();
  }
  return v;
}

}  // namespace zc::session
