#include "session/pipeline.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "capture/source.hpp"
#include "core/clock.hpp"
#include "core/image_layout.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "encode/families.hpp"
#include "encode/rate.hpp"
#include "output/target.hpp"
#include "testsrc/audio_source.hpp"
#include "testsrc/test_source.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"

namespace zc::session {

using zerocopy::ImportChain;
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

Pipeline::Pipeline(RecordOptions options, PipelineHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)), bitrate_kbps_(options_.bitrate_kbps) {}

Pipeline::~Pipeline() {
  request_stop("shutting down");
  end_audio();  // its thread writes to the sinks: it ends first
  stream_ptr_ = nullptr;
  stream_.reset();
  portal_.reset();
  queue_.close();
  if (encoder_thread_.joinable()) encoder_thread_.join();
  if (test_source_) test_source_->stop();
  // The outputs' writer threads call back into this pipeline (keyframe requests): they go first.
  sinks_.reset();
  outputs_.reset();
}

uint32_t Pipeline::frame_rate() const {
  if (options_.fps || options_.test_source()) return nominal_fps(options_);
  const uint32_t announced = source_fps_.load();
  return announced ? announced : nominal_fps(options_);
}

encode::EncoderConfig Pipeline::encoder_config(uint32_t width, uint32_t height, uint32_t depth) const {
  encode::EncoderConfig c;
  c.codec = options_.codec;
  c.width = width;
  c.height = height;
  c.bit_depth = depth;
  const uint32_t fps = frame_rate();
  c.frame_rate = AVRational{static_cast<int>(fps), 1};
  c.bitrate_kbps = bitrate_kbps_.load();
  c.gop_frames = gop_frames_at(options_, fps);
  c.tuning = effective_tuning(options_);
  c.time_origin_ns = hooks_.time_origin_ns.value_or(first_frame_ns_.load());
  c.keep_last = options_.cfr;
  c.threads = encoder_threads_;
  return c;
}

Result<std::unique_ptr<Pipeline>> Pipeline::create(RecordOptions options, PipelineHooks hooks) {
  if (auto ok = validate(options, !hooks.make_sinks); !ok) return tl::unexpected(ok.error());
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(options), std::move(hooks)));
  auto threads = encode::encoder_threads_from_env();
  if (!threads) return tl::unexpected(threads.error());
  p->encoder_threads_ = *threads;

  // Outputs first: an impossible codec/container pair or an unwritable path is refused before
  // any encoder or PipeWire connection is opened.
  p->audio_codec_ = audio_codec_for(p->options_);
  if (p->hooks_.make_sinks) {
    auto sinks = p->hooks_.make_sinks();
    if (!sinks) return tl::unexpected(sinks.error());
    p->sinks_ = std::move(*sinks);
  } else {
    output::OutputSetOptions oo;
    oo.specs = p->options_.outputs;
    oo.codec = encode::codec_id(p->options_.codec);
    if (p->audio_codec_) oo.audio_codec = encode::codec_id(*p->audio_codec_);
    oo.reconnect.on_keyframe_needed = [raw = p.get()] { raw->request_keyframe(); };
    auto outputs = output::OutputSet::open(std::move(oo));
    if (!outputs) return tl::unexpected(outputs.error());
    p->outputs_ = std::move(*outputs);
    p->sinks_ = p->outputs_->attach();
  }

  // The encoder is proven at the size it will most likely run at; its input layout is what the
  // importer will produce. The real encoder opens on the first frame, at the real size.
  uint32_t w = 1920, h = 1080;
  if (p->options_.scale) {
    w = p->options_.scale->width;
    h = p->options_.scale->height;
  } else if (p->options_.test_source()) {
    w = even_down(p->options_.test.size.width);
    h = even_down(p->options_.test.size.height);
  }
  const auto requested = encode::requested_encoder(p->options_.encoder == "auto" ? "" : p->options_.encoder);
  // --bit-depth 10 selects at 10 bits; auto at 8, proving the choice at 10 too where the codec has
  // a 10-bit profile (the first frame's format decides).
  const encode::BitDepth depth = p->options_.bit_depth;
  const auto config = p->encoder_config(w, h, depth == encode::BitDepth::Ten ? 10 : 8);
  const bool also_ten = depth == encode::BitDepth::Auto && p->options_.codec != encode::Codec::H264;
  auto selection = p->hooks_.catalog
                       ? encode::select_encoder(config, requested, *p->hooks_.catalog, {}, also_ten)
                       : encode::select_encoder(config, requested, encode::default_catalog(), {}, also_ten);
  if (!selection) return tl::unexpected(selection.error());
  p->selection_ = std::move(*selection);

  std::unique_ptr<zerocopy::Importer> cpu;
  if (p->hooks_.make_cpu_importer) cpu = p->hooks_.make_cpu_importer();
  if (!cpu) cpu = std::make_unique<zerocopy::CpuImporter>();
  p->importers_ =
      std::make_unique<ImportChain>(p->hooks_.make_importer ? p->hooks_.make_importer() : nullptr, std::move(cpu));
  return p;
}

Result<void> Pipeline::start() {
  start_ns_ = monotonic_ns();
  capture::Target target;
  UniqueFd portal_fd;
  if (options_.test_source()) {
    testsrc::Options so;
    so.width = options_.test.size.width;
    so.height = options_.test.size.height;
    so.fps = options_.test.fps;
    so.mark_every = std::max<uint32_t>(1, options_.test.fps / 2);  // the test audio clicks twice a second
    if (hooks_.adjust_test_source) hooks_.adjust_test_source(so);
    test_source_ = std::make_unique<testsrc::TestSource>(so);
    if (auto ok = test_source_->start(); !ok) return tl::unexpected(ok.error());
    auto node = test_source_->wait_for_node(std::chrono::seconds(5));
    if (!node) return tl::unexpected(node.error());
    target = capture::Target{node->serial, node->id, so.node_name};
    source_description_ = "test source " + std::to_string(so.width) + "x" + std::to_string(so.height) + "@" +
                          std::to_string(so.fps) + " (node " + std::to_string(node->id) + ")";
  } else if (options_.source.kind == capture::SourceSpec::Kind::portal) {
    capture::PortalOptions po;
    po.source_types = static_cast<uint32_t>(options_.source.value);
    po.draw_cursor = options_.draw_cursor;
    // `record` blocks SIGINT/SIGTERM and takes them later: a pending one means "stop" while the
    // portal's dialog is open.
    po.interrupted = [] {
      sigset_t pending;
      sigpending(&pending);
      return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
    };
    auto session = capture::open_portal_session(po);
    if (!session) return tl::unexpected(session.error());
    portal_ = std::move(*session);
    target = portal_->target();
    portal_fd = portal_->take_pipewire_fd();
    const auto& ps = portal_->streams().front();
    source_description_ =
        "portal node " + std::to_string(ps.node_id) + " " + std::to_string(ps.width) + "x" + std::to_string(ps.height);
  } else {
    auto resolved = capture::resolve_source(options_.source);
    if (!resolved) return tl::unexpected(resolved.error());
    target = *resolved;
    source_description_ = "node " + std::to_string(target.node_id) + " " + target.name;
  }

  capture::StreamOptions so;
  so.target = target;
  const char* buffers_env = std::getenv("ZEROCAST_CAPTURE_BUFFERS");
  auto max_buffers = capture::parse_max_buffers(buffers_env ? buffers_env : "");
  if (!max_buffers) return tl::unexpected(max_buffers.error());
  so.max_buffers = *max_buffers;
  // --bit-depth 10: a producer that offers 10-bit RGB beside 8-bit sends 10 bits.
  if (options_.bit_depth == encode::BitDepth::Ten) so.formats = capture::ten_bit_first(so.formats);
  so.modifiers = this;
  if (options_.test_source()) {
    so.size_hint = {options_.test.size.width, options_.test.size.height};
    so.rate_hint = {options_.test.fps, 1};
  }
  if (portal_) {
    so.fd = std::move(portal_fd);
    const auto& ps = portal_->streams().front();
    if (ps.width && ps.height) so.size_hint = {ps.width, ps.height};
  }
  if (!options_.audio.empty()) {
    if (auto ok = start_audio(); !ok) return tl::unexpected(ok.error());
  }
  encoder_thread_ = std::thread([this] { encoder_loop(); });
  auto stream = capture::Stream::start(std::move(so), *this);
  if (!stream) {
    queue_.close();
    encoder_thread_.join();
    return tl::unexpected(stream.error());
  }
  stream_ = std::move(*stream);
  stream_ptr_ = stream_.get();
  if (portal_) {
    // Ends the run like a producer that went away (clean with frames, an error before any).
    portal_->set_closed_handler(
        [this](const std::string& why) { on_state(capture::StreamState::producer_gone, "portal: " + why); });
  }
  set_state("waiting for frames");
  spdlog::info("record: capturing {} with {} ({}), import path {}", source_description_, selection_.encoder,
               encode::to_string(options_.codec), importers_->path());
  return {};
}

void Pipeline::set_state(std::string state) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
}

void Pipeline::request_stop(std::string reason) {
  {
    std::lock_guard lock(mutex_);
    if (!stop_reason_) stop_reason_ = std::move(reason);
  }
  queue_.close();
}

void Pipeline::fail(Error error) {
  {
    std::lock_guard lock(mutex_);
    if (!fatal_) fatal_ = std::move(error);
  }
  request_stop("failed");
}

void Pipeline::request_keyframe() {
  keyframe_requested_ = true;
}

void Pipeline::set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done) {
  std::optional<BitrateRequest> replaced;
  {
    std::lock_guard lock(bitrate_mutex_);
    if (bitrate_closed_) {
      replaced = BitrateRequest{kbps, std::move(done)};
    } else {
      replaced = std::exchange(bitrate_request_, BitrateRequest{kbps, std::move(done)});
    }
  }
  if (replaced && replaced->done) {
    replaced->done(zc::fail(Errc::cancelled, "encode", "the capture ended, or a newer bitrate request came"));
  }
}

// On the encoder thread, between frames. `encoder` is null before the first frame, and at the end
// of the run (the request is then cancelled).
void Pipeline::apply_bitrate_request(encode::Encoder* encoder) {
  std::optional<BitrateRequest> request;
  {
    std::lock_guard lock(bitrate_mutex_);
    request = std::exchange(bitrate_request_, std::nullopt);
    if (!encoder && queue_.closed()) bitrate_closed_ = true;
  }
  if (!request) return;
  Result<void> result;
  if (queue_.closed() && !encoder) {
    result = zc::fail(Errc::cancelled, "encode", "the capture ended before the bitrate could change");
  } else if (encoder) {
    result = encoder->set_bitrate(request->kbps);
  } else if (request->kbps == 0) {
    result = zc::fail(Errc::invalid_argument, "encode", "bitrate must be above 0 kbit/s");
  }
  if (result) {
    bitrate_kbps_ = request->kbps;
    spdlog::info("encode: target bitrate {} kbit/s", request->kbps);
  } else {
    spdlog::warn("encode: bitrate stays: {}", result.error().describe());
  }
  if (request->done) request->done(std::move(result));
}

// ---- capture thread --------------------------------------------------------------------------

std::vector<uint64_t> Pipeline::modifiers(PixelFormat format) {
  return importers_->modifiers(format);
}

void Pipeline::on_state(capture::StreamState state, std::string_view message) {
  if (state == capture::StreamState::streaming) set_state("recording");
  if (!capture::is_final(state)) return;
  if (state == capture::StreamState::producer_gone && counters_.frames_imported > 0) {
    request_stop("the producer ended: " + std::string(message));
  } else {
    fail(Error{Errc::pipewire, "capture", std::string(message)});
  }
}

// --bit-depth: 10 bits when asked, or (auto) when the source has them and the encoder was proved
// at 10 bits; else the encoder's 8-bit layout.
encode::InputSpec Pipeline::input_for(PixelFormat source, bool log) const {
  const bool ten = options_.bit_depth == encode::BitDepth::Ten ||
                   (options_.bit_depth == encode::BitDepth::Auto && bit_depth(source) > 8 && selection_.input10);
  const encode::InputSpec input = ten && selection_.input10 ? *selection_.input10 : selection_.input;
  if (!log) return input;
  spdlog::info("record: encoding {} at {} bits ({} from a {} source{})", selection_.encoder, bit_depth(input.format),
               to_string(input.format), to_string(source),
               options_.bit_depth == encode::BitDepth::Auto && bit_depth(source) > 8 && !selection_.input10
                   ? "; the encoder takes 8 bits only"
                   : "");
  return input;
}

zerocopy::ImportTarget Pipeline::target_for(uint32_t visible_width, uint32_t visible_height, PixelFormat source,
                                            bool log) const {
  zerocopy::ImportTarget t;
  t.width = options_.scale ? options_.scale->width : even_down(visible_width);
  t.height = options_.scale ? options_.scale->height : even_down(visible_height);
  const encode::InputSpec input = input_for(source, log);
  t.format = input.format;
  t.memory = input.memory;
  t.draw_cursor = options_.draw_cursor;
  return t;
}

void Pipeline::on_format(const capture::VideoFormat& format) {
  // A new buffer size starts a new generation (new encoder) unless a fixed output size was asked
  // for; the next frame decides the target.
  target_.reset();
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
  const zerocopy::ImportTarget ahead = target_for(format.size.width, format.size.height, format.format, false);
  {
    std::lock_guard lock(ahead_mutex_);
    ahead_ = ahead;
  }
  queue_.wake();
  // And the first frames' output buffers, on this (the capture) thread, while the link is not yet
  // streaming: no frame waits for them.
  if (importers_) importers_->prepare(ahead, format.dmabuf);
}

void Pipeline::on_cursor_only(const Cursor& cursor, int64_t pts_ns, uint64_t sequence) {
  const int64_t cpu_start = thread_cpu_ns();
  // After the end it is not counted, as frames that come then are not: the summary's counts stop
  // with the recording (a slow machine's teardown took in three more in the 1.4 guest).
  if (queue_.closed()) return;
  ++counters_.cursor_only;
  // Before the first picture there is nothing to draw on.
  if (!target_ || first_frame_ns_ == 0 || ended_by_duration(pts_ns)) return;
  // The CPU path draws it over its copy of the last picture; the GPU path (or --no-cursor) says
  // unsupported: the pointer then shows on the next picture.
  auto redrawn = importers_->redraw_cursor(cursor, sequence, *target_);
  if (!redrawn) return;
  ++counters_.frames_captured;
  ++counters_.pointer_frames;
  redrawn->pts_ns = pts_ns;
  redrawn->sequence = sequence;
  queue_frame(std::move(*redrawn), cpu_start);
}

bool Pipeline::ended_by_duration(int64_t pts_ns) {
  if (!options_.duration_s || pts_ns - first_frame_ns_ < static_cast<int64_t>(*options_.duration_s * 1e9)) return false;
  request_stop("duration reached");
  return true;
}

void Pipeline::on_defect(const capture::Defect& defect) {
  if (defect.frame_dropped) ++counters_.dropped_defect;
}

void Pipeline::on_buffer_removed(uint64_t buffer_id) {
  importers_->forget(buffer_id);
}

bool Pipeline::reads_done(uint64_t buffer_id, bool wait) {
  return importers_->reads_done(buffer_id, wait);
}

void Pipeline::on_frame(const Frame& frame) {
  const int64_t cpu_start = thread_cpu_ns();
  // Frames that come after the end (stopping, duration or frame count reached) are not counted:
  // captured = encoded (without repeats) + dropped (queue, import), so the summary adds up.
  if (queue_.closed()) return;
  if (first_frame_ns_ == 0) {
    first_frame_ns_ = frame.pts_ns;
    // The sound starts with the first picture, on the same time origin as the video encoder.
    if (audio_) audio_->begin(frame.pts_ns, hooks_.time_origin_ns.value_or(frame.pts_ns));
  }
  if (ended_by_duration(frame.pts_ns)) return;
  ++counters_.frames_captured;
  counters_.frames_missed += frame.missed_before;
  if (!target_) {
    const Rect visible = frame.visible_rect();
    target_ = target_for(visible.width, visible.height, frame.format, true);
    width_ = target_->width;
    height_ = target_->height;
    const uint64_t bytes = target_bytes(*target_);
    counters_.dropped_queue_full += queue_.set_capacity(queue_capacity_for(bytes));
    spdlog::debug("record: the encoder's queue holds {} frames of {} bytes", queue_.capacity(), bytes);
  }
  auto imported = importers_->import(frame, *target_, [this](PixelFormat format, uint64_t modifier) {
    if (auto* stream = stream_ptr_.load()) stream->report_import_rejected(format, modifier);
  });
  const zerocopy::GpuTime gpu = importers_->gpu_time();
  counters_.gpu_ns = gpu.ns;
  counters_.gpu_frames_timed = gpu.frames;
  if (!imported) {
    if (counters_.dropped_import++ == 0) {
      spdlog::warn("import: frame {} skipped: {} (counted; later ones are not logged)", frame.sequence,
                   imported.error().describe());
    }
    return;
  }
  DeviceFrame df = std::move(*imported);
  df.pts_ns = frame.pts_ns;
  df.sequence = frame.sequence;
  queue_frame(std::move(df), cpu_start);
}

void Pipeline::queue_frame(DeviceFrame df, int64_t cpu_start) {
  const FrameQueue::Pushed pushed = queue_.push(std::move(df));
  if (pushed == FrameQueue::Pushed::refused) {
    // The recording ended while this frame was imported (measured: SIGINT under ASan): like a
    // frame that comes after the end, it is not a captured one, so the summary still adds up.
    --counters_.frames_captured;
    return;
  }
  if (pushed == FrameQueue::Pushed::queued_dropping_oldest) ++counters_.dropped_queue_full;
  ++frames_accepted_;
  ++counters_.frames_imported;
  counters_.cpu_ns_capture_thread += thread_cpu_ns() - cpu_start;
  if (options_.max_frames && frames_accepted_ >= *options_.max_frames) request_stop("frame count reached");
}

std::optional<Outcome> Pipeline::wait(std::chrono::milliseconds timeout) {
  end_if_duration_passed();
  std::unique_lock lock(mutex_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return outcome_.has_value(); })) return std::nullopt;
  Outcome o = *outcome_;
  lock.unlock();
  // Capture is torn down from here, never from the PipeWire thread.
  stream_ptr_ = nullptr;
  stream_.reset();
  portal_.reset();
  if (encoder_thread_.joinable()) encoder_thread_.join();
  if (test_source_) test_source_->stop();
  return o;
}

void Pipeline::end_if_duration_passed() {
  // --duration by the clock as well as by the frames' times: a producer that sends nothing (a
  // compositor that sends frames only on damage, over a still screen; a link the session manager
  // lost) would otherwise keep the run going until its next frame, for ever if none comes. A
  // second's grace leaves the frame that ends it normally (and its exact count) to on_frame.
  if (!options_.duration_s || queue_.closed()) return;
  const int64_t first = first_frame_ns_.load();
  if (first == 0) return;
  const auto limit = static_cast<int64_t>(*options_.duration_s * 1e9) + kDurationGraceNs;
  if (monotonic_ns() - first < limit) return;
  spdlog::warn("record: {} s since the first frame, and no frame from the producer at that time; ending now",
               *options_.duration_s);
  request_stop("duration reached");
}

Snapshot Pipeline::snapshot() const {
  Snapshot s;
  {
    std::lock_guard lock(mutex_);
    s.state = state_;
  }
  s.encoder = selection_.encoder;
  s.import_path = importers_ ? importers_->path() : "";
  s.source = source_description_;
  s.elapsed_s = static_cast<double>(monotonic_ns() - start_ns_) / 1e9;
  s.frames_captured = counters_.frames_captured;
  s.frames_missed = counters_.frames_missed;
  s.cursor_only = counters_.cursor_only;
  s.pointer_frames = counters_.pointer_frames;
  s.frames_encoded = counters_.frames_encoded;
  s.frames_repeated = counters_.frames_repeated;
  s.dropped_queue = counters_.dropped_queue_full;
  s.dropped_defect = counters_.dropped_defect;
  s.dropped_import = counters_.dropped_import;
  s.packets = counters_.packets;
  s.bytes = counters_.bytes;
  s.generations = counters_.encoder_restarts + (counters_.frames_encoded > 0 ? 1 : 0);
  s.latency_p50_ns = latency_.quantile_ns(0.5);
  s.latency_p99_ns = latency_.quantile_ns(0.99);
  s.latency_settled_p99_ns = latency_settled_.quantile_ns(0.99);
  s.latency_settled_count = latency_settled_.count();
  const auto imported = counters_.frames_imported.load();
  s.capture_cpu_ms_per_frame = imported ? static_cast<double>(counters_.cpu_ns_capture_thread) / 1e6 / imported : 0;
  const auto gpu_frames = counters_.gpu_frames_timed.load();
  s.capture_gpu_ms_per_frame = gpu_frames ? static_cast<double>(counters_.gpu_ns) / 1e6 / gpu_frames : -1;
  if (importers_) {
    const zerocopy::ConvertedPixels px = importers_->converted_pixels();
    if (px.total > 0) s.converted_share = static_cast<double>(px.converted) / static_cast<double>(px.total);
  }
  const int64_t first = first_encoded_pts_ns_, last = last_encoded_pts_ns_;
  const uint32_t fps = frame_rate();
  if (counters_.frames_encoded > 0) s.encoded_span_s = static_cast<double>(last - first) / 1e9 + 1.0 / fps;
  s.width = width_;
  s.height = height_;
  s.queue_depth = queue_.depth();
  s.bitrate_kbps = bitrate_kbps_.load();
  if (audio_) {
    s.audio = audio_->stats();
    s.audio_codec = std::string(encode::to_string(*audio_codec_));
    s.audio_tracks = static_cast<uint32_t>(audio_->streams().size());
  }
  s.audio_packets = audio_packets_.load();
  if (outputs_) {
    for (const auto& o : outputs_->status())
      s.outputs.push_back(o.description);
  } else if (sinks_) {
    auto f = sinks_->failure();
    s.outputs.push_back(f ? sinks_->describe() + " (failed: " + f->message + ")" : sinks_->describe());
  }
  return s;
}

}  // namespace zc::session
