#include "session/pipeline.hpp"

#include <utility>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "encode/families.hpp"
#include "testsrc/test_source.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/import_chain.hpp"

namespace zc::session {
namespace {

uint32_t even_down(uint32_t v) {
  return v < 2 ? 2 : v & ~1U;
}

}  // namespace

std::string_view to_string(RunState state) {
  switch (state) {
    case RunState::starting:
      return "starting";
    case RunState::waiting:
      return "waiting for frames";
    case RunState::recording:
      return "recording";
    case RunState::finished:
      return "finished";
    case RunState::failed:
      return "failed";
  }
  return "?";
}

Pipeline::Pipeline(RecordOptions options, PipelineHooks hooks)
    : options_(std::move(options)), hooks_(std::move(hooks)) {
  if (!hooks_.pauses) hooks_.pauses = std::make_shared<PauseClock>();
}

Pipeline::~Pipeline() {
  request_stop("shutting down");
  // The audio thread writes to the sinks: it ends first.
  if (audio_) audio_->finish(video_ ? video_->picture_end_ns() : 0);
  if (video_) video_->stop_capture();
  source_.portal.reset();
  if (video_) {
    video_->close();
    video_->join();
  }
  if (source_.test_source) source_.test_source->stop();
  // The outputs' writer threads call back into this pipeline (keyframe requests): they go first.
  writer_.reset();
  outputs_.reset();
}

Result<std::unique_ptr<Pipeline>> Pipeline::create(RecordOptions options, PipelineHooks hooks) {
  if (auto ok = validate(options, !hooks.make_sinks); !ok) return tl::unexpected(ok.error());
  std::unique_ptr<Pipeline> p(new Pipeline(std::move(options), std::move(hooks)));

  // Outputs first: an impossible codec/container pair or an unwritable path is refused before
  // any encoder or PipeWire connection is opened.
  p->audio_codec_ = audio_codec_for(p->options_);
  std::unique_ptr<output::Sink> sinks;
  if (p->hooks_.make_sinks) {
    auto made = p->hooks_.make_sinks();
    if (!made) return tl::unexpected(made.error());
    sinks = std::move(*made);
  } else {
    output::OutputSetOptions oo;
    oo.specs = p->options_.outputs;
    oo.codec = encode::codec_id(p->options_.codec);
    if (p->audio_codec_) oo.audio_codec = encode::codec_id(*p->audio_codec_);
    oo.reconnect = p->hooks_.reconnect;
    oo.reconnect.on_keyframe_needed = [raw = p.get()] { raw->request_keyframe(); };
    auto outputs = output::OutputSet::open(std::move(oo));
    if (!outputs) return tl::unexpected(outputs.error());
    p->outputs_ = std::move(*outputs);
    sinks = p->outputs_->attach();
  }
  p->writer_ = std::make_unique<StreamWriter>(std::move(sinks));

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
  const std::string& requested = p->options_.encoder;
  // --bit-depth 10 selects at 10 bits; auto at 8, proving the choice at 10 too where the codec has
  // a 10-bit profile (the first frame's format decides).
  const encode::BitDepth depth = p->options_.bit_depth;
  encode::EncoderConfig config =
      encoder_config(p->options_, nominal_fps(p->options_), w, h, depth == encode::BitDepth::Ten ? 10 : 8);
  config.time_origin_ns = p->hooks_.time_origin_ns.value_or(0);
  config.threads = p->options_.toggles.encoder_threads;
  const bool also_ten = depth == encode::BitDepth::Auto && p->options_.codec != encode::Codec::H264;
  auto selection = p->hooks_.catalog
                       ? encode::select_encoder(config, requested, *p->hooks_.catalog, {}, also_ten)
                       : encode::select_encoder(config, requested, encode::default_catalog(), {}, also_ten);
  if (!selection) return tl::unexpected(selection.error());
  p->selection_ = std::move(*selection);

  std::unique_ptr<zerocopy::Importer> cpu;
  if (p->hooks_.make_cpu_importer) cpu = p->hooks_.make_cpu_importer();
  if (!cpu) cpu = std::make_unique<zerocopy::CpuImporter>();
  // The importer in front of the CPU path makes what the chosen encoder reads: VA surfaces for a
  // VA-API encoder, else the GPU bridge's frames (CUDA, or downloaded for a software encoder).
  std::unique_ptr<zerocopy::Importer> primary;
  if (p->selection_.input.memory == FrameMemory::Vaapi) {
    if (p->hooks_.make_vaapi_importer) primary = p->hooks_.make_vaapi_importer();
    // Its name says why the NVIDIA path is not up, which is beside the point behind VA-API.
    if (auto* plain = dynamic_cast<zerocopy::CpuImporter*>(cpu.get()); plain && primary) plain->rename("cpu");
  } else if (p->hooks_.make_importer) {
    primary = p->hooks_.make_importer();
  }
  p->importers_ = std::make_unique<zerocopy::ImportChain>(std::move(primary), std::move(cpu));
  return p;
}

Result<void> Pipeline::start() {
  start_ns_ = monotonic_ns();
  if (options_.region && options_.region->select) {
    return zc::fail(Errc::internal, "options", "--region select was not resolved before the run (resolve_region)");
  }
  auto source = open_source(options_, hooks_.adjust_test_source);
  if (!source) return tl::unexpected(source.error());
  source_ = std::move(*source);

  capture::StreamOptions so;
  so.target = source_.target;
  so.fd = std::move(source_.pipewire_fd);
  if (source_.size_hint) so.size_hint = *source_.size_hint;
  if (source_.rate_hint) so.rate_hint = *source_.rate_hint;
  so.max_buffers = options_.toggles.capture_buffers;
  so.relink = options_.toggles.relink;

  if (!options_.audio.empty()) {
    auto audio = AudioTrack::start(options_, audio_codec_.value_or(encode::AudioCodec::Opus), source_.test_source.get(),
                                   hooks_.pauses, *writer_, counters_, [this](Error e) { fail(std::move(e)); });
    if (!audio) return tl::unexpected(audio.error());
    audio_ = std::move(*audio);
  }
  const std::string import_path = importers_->path();
  VideoTrack::Settings vs{options_,      selection_,  hooks_.time_origin_ns, options_.toggles.encoder_threads,
                          hooks_.pauses, std::nullopt};
  if (source_.portal && !source_.portal->streams().empty()) {
    const auto& ps = source_.portal->streams().front();
    vs.placement = StreamPlacement{ps.x, ps.y, ps.width, ps.height};
  }
  VideoTrack::Listener& listener = *this;
  video_ = std::make_unique<VideoTrack>(std::move(vs), std::move(importers_), *writer_, counters_, listener);
  video_live_ = video_.get();
  if (auto ok = video_->start(std::move(so)); !ok) return ok;
  if (source_.portal) {
    // Ends the run like a producer that went away (clean with frames, an error before any).
    source_.portal->set_closed_handler([this](const std::string& why) { video_->source_ended("portal: " + why); });
  }
  set_state(RunState::waiting);
  // The path's name only: why it is the one was said when it was chosen (and the summary says it).
  zc::log::info("record: capturing {} with {} ({}), import path {}", source_.description, selection_.encoder,
                encode::to_string(options_.codec), import_path.substr(0, import_path.find(" (")));
  return {};
}

void Pipeline::set_state(RunState state) {
  std::lock_guard lock(mutex_);
  state_ = state;
}

void Pipeline::request_stop(std::string reason) {
  {
    std::lock_guard lock(mutex_);
    if (!stop_reason_) stop_reason_ = std::move(reason);
  }
  if (VideoTrack* video = video_live_.load()) {
    if (audio_) audio_->video_closing();
    video->close();
  }
}

void Pipeline::fail(Error error) {
  {
    std::lock_guard lock(mutex_);
    if (!fatal_) fatal_ = std::move(error);
  }
  request_stop("failed");
}

void Pipeline::request_keyframe() {
  if (VideoTrack* video = video_live_.load()) video->request_keyframe();
}

void Pipeline::set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done) {
  if (VideoTrack* video = video_live_.load()) {
    video->set_bitrate(kbps, std::move(done));
  } else if (done) {
    done(zc::fail(Errc::cancelled, "encode", "the capture has not started"));
  }
}

bool Pipeline::pause() {
  if (!hooks_.pauses->pause(monotonic_ns())) return false;
  zc::log::info("record: paused (the capture stays connected; nothing is encoded until resumed)");
  return true;
}

bool Pipeline::resume() {
  const int64_t now = monotonic_ns();
  if (!hooks_.pauses->resume(now)) return false;
  request_keyframe();
  zc::log::info("record: resumed ({:.1f} s paused so far, left out of the recording)",
                static_cast<double>(hooks_.pauses->paused_ns(now)) / 1e9);
  return true;
}

bool Pipeline::set_audio_muted(const std::string& name, bool muted) {
  return audio_ && audio_->set_muted(name, muted).has_value();
}

// ---- VideoTrack::Listener --------------------------------------------------------------------

void Pipeline::first_frame(int64_t pts_ns) {
  // The sound starts with the first picture, on the same time origin as the video encoder.
  if (audio_) audio_->begin(pts_ns, hooks_.time_origin_ns.value_or(pts_ns));
}

void Pipeline::picture_until(int64_t end_ns) {
  if (audio_) audio_->video_until(end_ns);
}

void Pipeline::picture_queued(int64_t pts_ns) {
  if (audio_) audio_->video_queued(pts_ns);
}

void Pipeline::streaming() {
  set_state(RunState::recording);
}

void Pipeline::ended() {
  // The tracks end where the last picture stops being shown, before the outputs close.
  if (audio_) audio_->finish(video_->picture_end_ns());
  if (auto ok = writer_->close(); !ok) zc::log::warn("output: close: {}", ok.error().describe());
  if (outputs_) {
    if (auto ok = outputs_->close(); !ok) zc::log::warn("output: close: {}", ok.error().describe());
  }
  {
    std::lock_guard lock(mutex_);
    Outcome outcome;
    outcome.error = fatal_;
    outcome.reason = stop_reason_.value_or("stopped");
    state_ = fatal_ ? RunState::failed : RunState::finished;
    outcome_ = outcome;
  }
  done_cv_.notify_all();
}

// ---- the caller's thread ---------------------------------------------------------------------

std::optional<Outcome> Pipeline::wait(std::chrono::milliseconds timeout) {
  end_if_duration_passed();
  std::unique_lock lock(mutex_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return outcome_.has_value(); })) return std::nullopt;
  Outcome o = *outcome_;
  lock.unlock();
  // Capture is torn down from here, never from the PipeWire thread.
  if (video_) video_->stop_capture();
  source_.portal.reset();
  if (video_) video_->join();
  if (source_.test_source) source_.test_source->stop();
  return o;
}

void Pipeline::end_if_duration_passed() {
  // --duration by the clock as well as by the frames' times: a producer that sends nothing (a
  // compositor that sends frames only on damage, over a still screen; a link the session manager
  // lost) would otherwise keep the run going until its next frame, for ever if none comes. A
  // second's grace leaves the frame that ends it normally (and its exact count) to the track.
  if (!options_.duration_s || !video_ || video_->closed()) return;
  const int64_t first = video_->first_frame_ns();
  if (first == 0) return;
  const auto limit = static_cast<int64_t>(*options_.duration_s * 1e9) + kDurationGraceNs;
  if (monotonic_ns() - first < limit) return;
  zc::log::warn("record: {} s since the first frame, and no frame from the producer at that time; ending now",
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
  s.source = source_.description;
  s.elapsed_s = static_cast<double>(monotonic_ns() - start_ns_) / 1e9;
  s.counters = counters_.load();
  if (outputs_) s.counters[Counter::output_reconnects] = outputs_->reconnects();
  if (video_) {
    const VideoTrack::View v = video_->view();
    s.import_path = v.import_path;
    s.width = v.width;
    s.height = v.height;
    s.queue_depth = v.queue_depth;
    s.bitrate_kbps = v.bitrate_kbps;
    s.latency_p50_ns = v.latency_p50_ns;
    s.latency_p99_ns = v.latency_p99_ns;
    s.latency_settled_p99_ns = v.latency_settled_p99_ns;
    s.latency_settled_count = v.latency_settled_count;
    s.capture_cpu_ms_per_frame = v.capture_cpu_ms_per_frame;
    s.capture_gpu_ms_per_frame = v.capture_gpu_ms_per_frame;
    s.converted_share = v.converted_share;
    s.encoded_span_s = v.encoded_span_s;
  } else {
    s.import_path = importers_ ? importers_->path() : "";
    s.bitrate_kbps = options_.bitrate_kbps;
  }
  const int64_t now = monotonic_ns();
  s.paused = hooks_.pauses->paused();
  s.paused_s = static_cast<double>(hooks_.pauses->paused_ns(now)) / 1e9;
  s.pauses = hooks_.pauses->pauses();
  if (audio_) {
    s.audio = audio_->stats();
    s.audio_codec = std::string(encode::to_string(*audio_codec_));
    s.audio_tracks = audio_->tracks();
  }
  if (outputs_) {
    for (const auto& o : outputs_->status()) {
      s.outputs.push_back(o.description);
      s.output_states.push_back(
          {o.name, o.network, o.failed, o.connected, o.packets, o.failures, o.reconnects, o.last_error});
    }
  } else if (writer_) {
    auto& sinks = writer_->sinks();
    auto f = sinks.failure();
    s.outputs.push_back(f ? sinks.describe() + " (failed: " + f->message + ")" : sinks.describe());
  }
  return s;
}

}  // namespace zc::session
