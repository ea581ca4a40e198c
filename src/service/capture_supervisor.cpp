#include "service/capture_supervisor.hpp"

#include <time.h>

#include <algorithm>
#include <filesystem>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "output/target.hpp"

namespace zc::service {

using output::OutputSet;

using session::Counter;
using session::Snapshot;

using encode::codec_id;
using output::OutputSetOptions;
using session::Outcome;
using session::Pipeline;
using session::PipelineHooks;
using session::RecordOptions;
namespace {

using namespace std::chrono_literals;

constexpr auto kPublishEvery = 200ms;
constexpr auto kReconnectStepMax = 5000ms;

// PipeWire went away (or is not back yet), or the node is not there again yet: worth retrying.
bool reconnectable(const Error& e) {
  return e.code == Errc::pipewire || e.code == Errc::timeout || e.code == Errc::not_found;
}

CaptureState view_state(session::RunState pipeline_state, CaptureState current) {
  switch (pipeline_state) {
    case session::RunState::starting:
      return CaptureState::starting;
    case session::RunState::waiting:
      return CaptureState::waiting;
    case session::RunState::recording:
      return CaptureState::capturing;
    default:
      return current;
  }
}

std::string timestamp() {
  const time_t now = time(nullptr);
  tm local{};
  localtime_r(&now, &local);
  char text[32];
  strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

}  // namespace

std::string_view to_string(CaptureState state) {
  switch (state) {
    case CaptureState::starting:
      return "starting";
    case CaptureState::waiting:
      return "waiting";
    case CaptureState::capturing:
      return "capturing";
    case CaptureState::reconnecting:
      return "reconnecting";
    case CaptureState::idle:
      return "idle";
    case CaptureState::stopping:
      return "stopping";
    case CaptureState::stopped:
      return "stopped";
    case CaptureState::failed:
      return "failed";
  }
  return "?";
}

CaptureSupervisor::CaptureSupervisor(uint32_t id, settings::CaptureSpec spec, CaptureSettings settings,
                                     LoopPoster& poster, CaptureHost& host)
    : id_(id),
      spec_(std::move(spec)),
      settings_(std::move(settings)),
      poster_(poster),
      host_(host),
      time_origin_ns_(monotonic_ns()) {
  view_.bitrate_kbps = spec_.record.bitrate_kbps;
  view_.source = capture::to_string(spec_.record.source);
  for (const auto& a : spec_.record.audio) {
    session::AudioInputStats waiting;
    waiting.name = capture::to_string(a.spec);
    waiting.state = "waiting";
    waiting.muted = a.muted;
    waiting.volume_db = a.volume_db;
    view_.audio.push_back(std::move(waiting));
  }
}

CaptureSupervisor::~CaptureSupervisor() {
  stop();
  if (supervisor_.joinable()) supervisor_.join();
  std::vector<std::thread> savers;
  {
    std::lock_guard lock(mutex_);
    savers.swap(savers_);
  }
  for (auto& t : savers)
    t.join();
  // Before the mutex and the rest go: network outputs call back into request_keyframe().
  outputs_.reset();
}

std::string CaptureSupervisor::path() const {
  return std::string(kCapturePathPrefix) + std::to_string(id_);
}

void CaptureSupervisor::start() {
  supervisor_ = std::thread([this] { run(); });
}

void CaptureSupervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
}

void CaptureSupervisor::request_keyframe() {
  std::lock_guard lock(mutex_);
  if (pipeline_) pipeline_->request_keyframe();
}

void CaptureSupervisor::set_bitrate(uint32_t kbps, std::function<void(Result<void>)> done) {
  auto post_done = [&poster = poster_, done = std::move(done)](Result<void> r) {
    poster.post([done, r = std::move(r)] { done(r); });
  };
  std::lock_guard lock(mutex_);
  if (!pipeline_) {
    post_done(fail(Errc::cancelled, "capture",
                   "nothing is being captured now (state " + std::string(to_string(view_.state)) + ")"));
    return;
  }
  pipeline_->set_bitrate(kbps, [this, kbps, post_done](Result<void> r) {
    if (r) {
      std::lock_guard relock(mutex_);
      spec_.record.bitrate_kbps = kbps;  // pipelines made after a reconnect start at it too
      view_.bitrate_kbps = kbps;         // the property is right when the caller hears back
    }
    post_done(std::move(r));
  });
}

Result<void> CaptureSupervisor::set_audio_mute(const std::string& source, bool mute) {
  std::lock_guard lock(mutex_);
  std::string names;
  bool found = false;
  for (auto& a : spec_.record.audio) {
    const std::string name = capture::to_string(a.spec);
    names += (names.empty() ? "" : ", ") + name;
    if (name != source) continue;
    a.muted = mute;  // pipelines made after a reconnect start so too
    found = true;
  }
  if (!found) {
    return fail(Errc::not_found, "capture",
                "no audio source '" + source + "' in this capture" +
                    (names.empty() ? " (it has no sound)" : " (it has " + names + ")"));
  }
  if (pipeline_) pipeline_->set_audio_muted(source, mute);
  for (auto& a : view_.audio) {
    if (a.name == source) a.muted = mute;  // the property is right when the caller hears back
  }
  return {};
}

bool CaptureSupervisor::set_paused(bool paused) {
  std::lock_guard lock(mutex_);
  bool changed = false;
  if (pipeline_) {
    changed = paused ? pipeline_->pause() : pipeline_->resume();
  } else {
    // Between pipelines (reconnecting, idle): the next one starts in this state.
    const int64_t now = monotonic_ns();
    changed = paused ? pauses_->pause(now) : pauses_->resume(now);
  }
  view_.paused = pauses_->paused();  // the property is right when the caller hears back
  return changed;
}

Result<void> CaptureSupervisor::save_replay(const std::string& path, double seconds,
                                            std::function<void(Result<std::pair<std::string, double>>)> done) {
  output::ReplayRing* ring = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (finishing_) return fail(Errc::cancelled, "replay", "the capture is stopping");
    ring = outputs_ ? outputs_->replay() : nullptr;
  }
  if (!ring) {
    return fail(Errc::not_found, "replay", "this capture has no replay buffer (start it with the 'replay' option)");
  }
  // Without a path: a new file named for the capture and the time in the replay directory, claimed
  // once the clip is there (two saves in one second get -2, -3).
  std::string file = path.empty() ? settings_.replay_directory + "/zerocast-replay.mkv" : path;
  if (file.front() != '/') return fail(Errc::invalid_argument, "replay", "the path '" + file + "' must be absolute");
  auto target = output::parse_target(file);
  if (!target) return tl::unexpected(target.error());
  if (target->network()) return fail(Errc::invalid_argument, "replay", "a replay is saved to a file, not to a URL");
  if (auto ok = output::check_compatible(codec_id(spec_.record.codec), *target); !ok) return ok;
  auto clip = ring->clip(seconds);
  if (!clip) return tl::unexpected(clip.error());
  if (path.empty()) {
    auto claimed = output::claim_new_file(settings_.replay_directory,
                                          "zerocast-replay-" + std::to_string(id_) + "-" + timestamp(), ".mkv");
    if (!claimed) return tl::unexpected(claimed.error());
    file = std::move(*claimed);
  }

  std::lock_guard lock(mutex_);
  if (finishing_) return fail(Errc::cancelled, "replay", "the capture is stopping");
  savers_.emplace_back([&poster = poster_, clip = std::move(*clip), file, done = std::move(done), id = id_]() mutable {
    name_this_thread("zc-replay-save");
    Result<std::pair<std::string, double>> result = std::make_pair(file, clip.seconds);
    if (auto ok = output::write_clip(clip, file); !ok) {
      result = tl::unexpected(ok.error());
      zc::log::error("replay: capture {}: saving {} failed: {}", id, file, ok.error().describe());
    } else {
      zc::log::info("replay: capture {}: saved {:.1f} s ({} packets, {} bytes) to {}", id, clip.seconds,
                    clip.packets.size(), clip.bytes, file);
    }
    clip.packets.clear();
    poster.post([done = std::move(done), result = std::move(result)] { done(result); });
  });
  return {};
}

CaptureView CaptureSupervisor::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

std::vector<CaptureEvent> CaptureSupervisor::take_events() {
  std::lock_guard lock(mutex_);
  return std::exchange(events_, {});
}

void CaptureSupervisor::set_state(CaptureState state) {
  {
    std::lock_guard lock(mutex_);
    if (view_.state == state) return;
    view_.state = state;
    events_.push_back({CaptureEvent::Kind::state, std::string(to_string(state))});
  }
  zc::log::info("daemon: capture {} is {}", id_, to_string(state));
  poster_.post([&host = host_, id = id_] { host.capture_events(id); });
}

void CaptureSupervisor::report_error(const std::string& message) {
  const std::string text = log::scrub(message);
  zc::log::warn("daemon: capture {}: {}", id_, text);
  {
    std::lock_guard lock(mutex_);
    events_.push_back({CaptureEvent::Kind::error, text});
  }
  poster_.post([&host = host_, id = id_] { host.capture_events(id); });
}

bool CaptureSupervisor::sleep_unless_stopped(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, duration, [&] { return stop_requested_; });
}

void CaptureSupervisor::publish(Pipeline* pipeline, std::optional<CaptureState> forced_state) {
  Snapshot s;
  if (pipeline) s = pipeline->snapshot();
  // The outputs first, without our lock: a network output asks for a keyframe (request_keyframe,
  // which takes our lock) from inside the tee's lock, so taking them the other way round here
  // could deadlock with the encoder thread.
  std::vector<std::string> outputs;
  double replay_seconds = 0;
  uint64_t replay_bytes = 0, output_reconnects = 0, output_bytes = 0;
  if (outputs_) {
    if (auto* ring = outputs_->replay()) {
      replay_seconds = ring->held_seconds();
      replay_bytes = ring->held_bytes();
    }
    for (auto& o : outputs_->status())
      outputs.push_back(log::scrub(o.description));
    output_reconnects = outputs_->reconnects();
    output_bytes = outputs_->stats().bytes;
  }
  std::optional<CaptureState> state;
  {
    std::lock_guard lock(mutex_);
    CaptureView v;
    v.state = view_.state;
    v.source = s.source.empty() ? view_.source : s.source;
    v.encoder = s.encoder.empty() ? view_.encoder : s.encoder;
    v.import_path = s.import_path.empty() ? view_.import_path : s.import_path;
    v.counters = ended_;
    v.counters += s.counters;
    // The outputs outlive the pipelines: their count is the capture's own.
    v.counters[Counter::output_reconnects] = output_reconnects;
    v.bitrate_kbps = pipeline ? s.bitrate_kbps : spec_.record.bitrate_kbps;
    v.queue_depth = s.queue_depth;
    v.audio = pipeline ? s.audio : view_.audio;  // between pipelines: as last seen
    v.audio_codec = spec_.record.audio_codec ? std::string(encode::to_string(*spec_.record.audio_codec)) : "";
    v.cpu_ms_per_frame = s.capture_cpu_ms_per_frame;
    v.gpu_ms_per_frame = s.capture_gpu_ms_per_frame;
    v.fps_in = view_.fps_in;
    v.fps_out = view_.fps_out;
    const int64_t now = monotonic_ns();
    if (now >= next_rate_ns_) {
      // Rates over about a second: D-Bus emits counters at most once a second anyway.
      v.fps_in = in_meter_.update(v.counters[Counter::frames_captured], now);
      v.fps_out = out_meter_.update(v.counters[Counter::frames_encoded], now);
      next_rate_ns_ = now + 1'000'000'000;
    }
    v.paused = pauses_->paused();
    v.paused_s = static_cast<double>(pauses_->paused_ns(now)) / 1e9;
    v.replay_seconds = replay_seconds;
    v.replay_bytes = replay_bytes;
    v.outputs = std::move(outputs);
    v.output_bytes = output_bytes;
    view_ = std::move(v);
    state = !forced_state && pipeline ? view_state(s.state, view_.state) : forced_state;
  }
  if (state) set_state(*state);
  if (outputs_) {
    for (const auto& failure : outputs_->take_new_failures())
      report_error("output failed: " + failure);
  }
}

Result<std::unique_ptr<Pipeline>> CaptureSupervisor::make_pipeline() {
  PipelineHooks hooks = settings_.hooks;
  hooks.make_sinks = [this]() -> Result<std::unique_ptr<output::Sink>> { return outputs_->attach(); };
  hooks.time_origin_ns = time_origin_ns_;
  hooks.pauses = pauses_;
  RecordOptions options;
  {
    std::lock_guard lock(mutex_);
    options = spec_.record;
  }
  return Pipeline::create(options, std::move(hooks));
}

void CaptureSupervisor::finish(CaptureState state) {
  std::vector<std::thread> savers;
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
    savers.swap(savers_);
  }
  if (outputs_) {
    if (auto ok = outputs_->close(); !ok) report_error("closing the outputs: " + ok.error().describe());
  }
  session::remove_unwritten(spec_.record);
  for (auto& t : savers)
    t.join();
  publish(nullptr, state);
  poster_.post([&host = host_, id = id_] { host.capture_finished(id); });
}

bool CaptureSupervisor::stopping() {
  std::lock_guard lock(mutex_);
  return stop_requested_;
}

bool CaptureSupervisor::open_outputs() {
  OutputSetOptions oo;
  oo.specs = spec_.record.outputs;
  oo.codec = codec_id(spec_.record.codec);
  if (spec_.record.audio_codec) oo.audio_codec = encode::codec_id(*spec_.record.audio_codec);
  if (spec_.replay_seconds > 0) {
    oo.replay = output::ReplayOptions{std::chrono::seconds(spec_.replay_seconds), spec_.replay_max_bytes};
  }
  oo.reconnect = settings_.network;
  oo.reconnect.on_keyframe_needed = [this] { request_keyframe(); };
  auto outputs = OutputSet::open(std::move(oo));
  if (!outputs) {
    poster_.post([&host = host_, id = id_, e = outputs.error()] { host.capture_started(id, tl::unexpected(e)); });
    finish(CaptureState::failed);
    return false;
  }
  std::lock_guard lock(mutex_);
  outputs_ = std::move(*outputs);
  return true;
}

bool CaptureSupervisor::resolve_region() {
  // region 'select': drawn with slurp once, here, off the bus thread; every pipeline of the
  // capture (a PipeWire restart) then crops the same part.
  std::optional<session::Region> region;
  {
    std::lock_guard lock(mutex_);
    region = spec_.record.region;
  }
  if (!region || !region->select) return true;
  if (auto chosen = session::resolve_region(*region); !chosen) {
    poster_.post([&host = host_, id = id_, e = chosen.error()] { host.capture_started(id, tl::unexpected(e)); });
    finish(CaptureState::failed);
    return false;
  }
  std::lock_guard lock(mutex_);
  spec_.record.region = region;
  return true;
}

CaptureSupervisor::Next CaptureSupervisor::start_pipeline(Attempts& a, std::unique_ptr<Pipeline>& out) {
  auto made = make_pipeline();
  Result<void> started = made ? (*made)->start() : Result<void>(tl::unexpected(made.error()));
  if (!started) {
    made = tl::unexpected(started.error());  // the half-started pipeline tears itself down
    const double lost_s = static_cast<double>(monotonic_ns() - a.lost_since_ns) / 1e9;
    if (a.first) {
      poster_.post([&host = host_, id = id_, e = started.error()] { host.capture_started(id, tl::unexpected(e)); });
      finish(CaptureState::failed);
      return Next::failed;
    }
    if (!reconnectable(started.error()) || (settings_.reconnect_seconds > 0 && lost_s > settings_.reconnect_seconds)) {
      report_error("could not reconnect: " + started.error().describe());
      finish(CaptureState::failed);
      return Next::failed;
    }
    zc::log::info("daemon: capture {} not reconnected yet: {} (next try in {} ms)", id_, started.error().describe(),
                  a.backoff.count());
    (void)sleep_unless_stopped(a.backoff);
    a.backoff = std::min<std::chrono::milliseconds>(a.backoff * 2, kReconnectStepMax);
    return Next::retry;
  }
  out = std::move(*made);
  publish(out.get(), std::nullopt);  // the properties are right from the first reply on
  if (a.first) {
    a.first = false;
    poster_.post([&host = host_, id = id_] { host.capture_started(id, {}); });
  } else {
    std::lock_guard lock(mutex_);
    ++ended_[Counter::capture_restarts];
  }
  if (a.lost_since_ns) zc::log::info("daemon: capture {} reconnected", id_);
  a.lost_since_ns = 0;
  a.backoff = settings_.reconnect_min;
  std::lock_guard lock(mutex_);
  pipeline_ = out.get();
  return Next::run;
}

Outcome CaptureSupervisor::supervise(Pipeline& pipeline) {
  std::optional<Outcome> outcome;
  bool stop_sent = false;
  while (!(outcome = pipeline.wait(kPublishEvery))) {
    if (stopping() && !stop_sent) {
      pipeline.request_stop("stopped");
      stop_sent = true;
      set_state(CaptureState::stopping);
    }
    publish(&pipeline, stop_sent ? std::optional(CaptureState::stopping) : std::nullopt);
  }
  publish(&pipeline, stop_sent ? std::optional(CaptureState::stopping) : std::nullopt);
  // The next pipeline's counters add to what this one counted.
  std::lock_guard lock(mutex_);
  pipeline_ = nullptr;
  ended_ = view_.counters;
  return *outcome;
}

CaptureSupervisor::Next CaptureSupervisor::after_run(const Outcome& outcome, Attempts& a) {
  if (outcome.error) {
    if (!reconnectable(*outcome.error)) {
      report_error(outcome.error->describe());
      finish(CaptureState::failed);
      return Next::failed;
    }
    report_error(outcome.error->describe() + "; reconnecting");
    a.lost_since_ns = monotonic_ns();
    set_state(CaptureState::reconnecting);
    (void)sleep_unless_stopped(a.backoff);
    return Next::retry;
  }
  // Ended without an error: the producer went away. The files are finished now; the replay
  // buffer stays until Stop().
  zc::log::info("daemon: capture {} is idle: {}", id_, outcome.reason);
  if (auto ok = outputs_->close(); !ok) report_error("closing the outputs: " + ok.error().describe());
  publish(nullptr, CaptureState::idle);
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return stop_requested_; });
  return Next::stop;
}

void CaptureSupervisor::run() {
  name_this_thread("zc-supervisor");
  if (!resolve_region() || !open_outputs()) return;
  Attempts attempts{true, 0, settings_.reconnect_min};
  while (!stopping()) {
    std::unique_ptr<Pipeline> pipeline;
    const Next started = start_pipeline(attempts, pipeline);
    if (started == Next::failed) return;
    if (started == Next::retry) continue;
    const Outcome outcome = supervise(*pipeline);
    pipeline.reset();
    if (stopping()) break;
    const Next next = after_run(outcome, attempts);
    if (next == Next::failed) return;
    if (next == Next::stop) break;
  }
  finish(CaptureState::stopped);
}

}  // namespace zc::service
