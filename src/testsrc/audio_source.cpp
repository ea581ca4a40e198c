#include "testsrc/audio_source.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include <spa/node/io.h>
#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include "capture/pw/pw_handles.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/parse_number.hpp"
#include "testsrc/cycle_gate.hpp"

namespace zc::testsrc {
namespace {

constexpr const char* kStage = "test-source:audio";
constexpr double kClickHz = 3000.0;
constexpr double kClickSeconds = 0.001;

namespace pw = capture::pw;

}  // namespace

struct AudioTestSource::Impl {
  explicit Impl(AudioOptions o) : options(std::move(o)) {}

  Result<void> start();
  void stop();
  void on_timer();
  void arm(int64_t at_ns);
  void fill(float* dst, uint32_t frames, int64_t first_ns);
  int64_t cycle_time(uint64_t k) const {
    return start_ns + static_cast<int64_t>(static_cast<double>(k) * options.quantum * 1e9 /
                                           (options.rate * (1.0 + options.ppm / 1e6)));
  }

  AudioOptions options;
  // Teardown order: the stream and its hooks before the core, the core before the loop.
  pw::ThreadLoopPtr loop;
  pw::ContextPtr context;
  pw::CorePtr core;
  pw::RegistryPtr registry;
  pw::Hook registry_hook;
  pw::StreamPtr stream;
  pw::Hook stream_hook;
  pw::LoopSource timer;
  CycleGate cycle;
  // The graph's clock while we drive it (SPA_IO_Clock, from io_changed): each cycle's time goes in
  // it, as a device's driver does, so consumers read when the samples were captured
  // (pw_stream_get_time) instead of stamping them on arrival.
  std::atomic<spa_io_clock*> io_clock{nullptr};

  int64_t start_ns = 0;
  uint64_t next_cycle = 1;
  uint64_t sample = 0;              // samples sent
  std::vector<int64_t> marks;       // reused per cycle
  int64_t click_until_sample = -1;  // a click still sounding across a cycle boundary
  int64_t click_start_sample = 0;

  mutable std::mutex mutex;
  std::condition_variable changed;
  AudioStats stats;
  std::vector<NodeIdentity> nodes;
};

void AudioTestSource::Impl::fill(float* dst, uint32_t frames, int64_t first_ns) {
  // Sample i of this cycle was captured at first_ns + i / (rate * (1 + ppm)) on the monotonic clock.
  const double rate = options.rate * (1.0 + options.ppm / 1e6);
  marks.clear();
  const auto span_ns = static_cast<int64_t>(frames * 1e9 / rate);
  if (options.marks) options.marks(first_ns, first_ns + span_ns, marks);
  for (int64_t m : marks) {
    click_start_sample = static_cast<int64_t>(sample) + static_cast<int64_t>(std::llround((m - first_ns) * rate / 1e9));
    click_until_sample = click_start_sample + static_cast<int64_t>(kClickSeconds * options.rate);
    std::lock_guard lock(mutex);
    ++stats.clicks;
  }
  for (uint32_t i = 0; i < frames; ++i) {
    const auto s = static_cast<int64_t>(sample + i);
    double v = options.tone_hz > 0 ? options.tone_level * std::sin(2 * M_PI * options.tone_hz * s / options.rate) : 0;
    if (s >= click_start_sample && s < click_until_sample) {
      v = options.click_level *
          std::sin(2 * M_PI * kClickHz * static_cast<double>(s - click_start_sample) / options.rate);
    }
    for (uint32_t c = 0; c < options.channels; ++c)
      dst[static_cast<size_t>(i) * options.channels + c] = static_cast<float>(v);
  }
}

void AudioTestSource::Impl::arm(int64_t at_ns) {
  timespec ts{static_cast<time_t>(at_ns / 1'000'000'000), static_cast<long>(at_ns % 1'000'000'000)};
  pw_loop_update_timer(timer.loop(), timer.get(), &ts, nullptr, true);
}

void AudioTestSource::Impl::on_timer() {
  if (!stream) return;
  // The next cycle on the source's own (skewed) clock; the timer is armed absolutely each time.
  const int64_t now = monotonic_ns();
  const int64_t due = cycle_time(next_cycle);
  if (now + 200'000 < due) {
    arm(due);
    return;
  }
  if (!pw_stream_is_driving(stream.get())) {
    ++next_cycle;  // not linked yet (or following): nobody takes this cycle
    arm(cycle_time(next_cycle));
    return;
  }
  // A device never drops what it captured: while our last cycle still runs (a consumer late on a
  // loaded machine), this one waits and goes out late, its samples unchanged.
  pw_buffer* b = cycle.check(now) == CycleGate::State::busy ? nullptr : pw_stream_dequeue_buffer(stream.get());
  if (!b) {
    {
      std::lock_guard lock(mutex);
      ++stats.late;
    }
    arm(now + 1'000'000);
    return;
  }
  ++next_cycle;
  arm(cycle_time(next_cycle));
  spa_data& d = b->buffer->datas[0];
  const uint32_t stride = sizeof(float) * options.channels;
  const uint32_t frames = std::min(options.quantum, d.maxsize / stride);
  if (d.data) {
    // The samples just captured: the quantum before this cycle, on the source's clock.
    fill(static_cast<float*>(d.data), frames,
         due - static_cast<int64_t>(frames * 1e9 / (options.rate * (1.0 + options.ppm / 1e6))));
  }
  d.chunk->offset = 0;
  d.chunk->stride = static_cast<int32_t>(stride);
  d.chunk->size = frames * stride;
  if (spa_io_clock* clock = io_clock.load(); clock != nullptr && pw_stream_is_driving(stream.get())) {
    // The cycle starts at `due` (its samples are the quantum before it), on the monotonic clock.
    clock->nsec = static_cast<uint64_t>(due);
    clock->rate = SPA_FRACTION(1, options.rate);
    clock->position = sample;
    clock->next_nsec = static_cast<uint64_t>(cycle_time(next_cycle));
  }
  sample += frames;
  pw_stream_queue_buffer(stream.get(), b);
  cycle.started(now);
  pw_stream_trigger_process(stream.get());
  std::lock_guard lock(mutex);
  ++stats.cycles;
  stats.samples = sample;
  changed.notify_all();
}

Result<void> AudioTestSource::Impl::start() {
  pw::ensure_init();
  loop.reset(pw_thread_loop_new("zc-test-audio", nullptr));
  if (!loop) return fail(Errc::pipewire, kStage, "cannot create a thread loop");
  pw_loop* l = pw_thread_loop_get_loop(loop.get());
  if (pw_thread_loop_start(loop.get()) < 0) return fail(Errc::pipewire, kStage, "cannot start the loop thread");
  pw::LoopLock lock(loop.get());
  context = pw::new_context(l);
  if (!context) return fail(Errc::pipewire, kStage, "cannot create a PipeWire context");
  core.reset(pw_context_connect(context.get(), nullptr, 0));
  if (!core) return tl::unexpected(no_pipewire(kStage, errno));

  static const pw_registry_events registry_events = [] {
    pw_registry_events e{};
    e.version = PW_VERSION_REGISTRY_EVENTS;
    e.global = [](void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
      auto* self = static_cast<Impl*>(data);
      if (!props || std::strcmp(type, PW_TYPE_INTERFACE_Node) != 0) return;
      const char* name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
      const char* serial = spa_dict_lookup(props, PW_KEY_OBJECT_SERIAL);
      if (!name || !serial || self->options.node_name != name) return;
      std::lock_guard guard(self->mutex);
      self->nodes.push_back(NodeIdentity{id, parse_number<uint64_t>(serial).value_or(0)});
      self->changed.notify_all();
    };
    return e;
  }();
  registry.reset(pw_core_get_registry(core.get(), PW_VERSION_REGISTRY, 0));
  if (!registry) return fail(Errc::pipewire, kStage, "cannot get the registry");
  pw_registry_add_listener(registry.get(), registry_hook.get(), &registry_events, this);

  const std::string latency = std::to_string(options.quantum) + "/" + std::to_string(options.rate);
  pw_properties* props = pw_properties_new(
      PW_KEY_MEDIA_CLASS, "Audio/Source", PW_KEY_NODE_NAME, options.node_name.c_str(), PW_KEY_NODE_DESCRIPTION,
      "zerocast test source (audio)", PW_KEY_NODE_LATENCY, latency.c_str(), PW_KEY_PRIORITY_DRIVER, "30000", nullptr);
  stream.reset(pw_stream_new(core.get(), options.node_name.c_str(), props));
  if (!stream) return fail(Errc::pipewire, kStage, "cannot create the stream");
  static const pw_stream_events stream_events = [] {
    pw_stream_events e{};
    e.version = PW_VERSION_STREAM_EVENTS;
    e.state_changed = [](void* data, pw_stream_state, pw_stream_state state, const char* error) {
      auto* self = static_cast<Impl*>(data);
      if (state != PW_STREAM_STATE_STREAMING) self->cycle.done();
      if (state == PW_STREAM_STATE_ERROR) zc::log::warn("{}: stream error: {}", kStage, error ? error : "");
      std::lock_guard guard(self->mutex);
      self->stats.streaming = state == PW_STREAM_STATE_STREAMING;
      self->changed.notify_all();
    };
    e.trigger_done = [](void* data) { static_cast<Impl*>(data)->cycle.done(); };
    e.io_changed = [](void* data, uint32_t id, void* area, uint32_t size) {
      if (id != SPA_IO_Clock) return;
      static_cast<Impl*>(data)->io_clock.store(
          area != nullptr && size >= sizeof(spa_io_clock) ? static_cast<spa_io_clock*>(area) : nullptr);
    };
    return e;
  }();
  pw_stream_add_listener(stream.get(), stream_hook.get(), &stream_events, this);

  uint8_t storage[1024];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof storage);
  spa_audio_info_raw info{};
  info.format = SPA_AUDIO_FORMAT_F32;
  info.rate = options.rate;
  info.channels = options.channels;
  if (options.channels == 2) {
    info.position[0] = SPA_AUDIO_CHANNEL_FL;
    info.position[1] = SPA_AUDIO_CHANNEL_FR;
  }
  const spa_pod* params[1] = {spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info)};
  const auto flags =
      static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_DRIVER);
  if (int res = pw_stream_connect(stream.get(), PW_DIRECTION_OUTPUT, PW_ID_ANY, flags, params, 1); res < 0) {
    return fail(Errc::pipewire, kStage, std::string("cannot connect the stream: ") + spa_strerror(res));
  }
  timer = pw::LoopSource(l, pw_loop_add_timer(
                                l, [](void* data, uint64_t) { static_cast<Impl*>(data)->on_timer(); }, this));
  if (!timer) return fail(Errc::pipewire, kStage, "cannot create the cycle timer");
  start_ns = monotonic_ns();
  arm(cycle_time(next_cycle));
  zc::log::info("{}: node '{}' {} Hz x{}, {} samples a cycle, clock {:+.0f} ppm", kStage, options.node_name,
                options.rate, options.channels, options.quantum, options.ppm);
  return {};
}

void AudioTestSource::Impl::stop() {
  if (!loop) return;
  {
    pw::LoopLock lock(loop.get());
    timer.reset();
    stream_hook.reset();
    stream.reset();
    registry_hook.reset();
    registry.reset();
    core.reset();
    context.reset();
  }
  loop.reset();
}

AudioTestSource::AudioTestSource(AudioOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
AudioTestSource::~AudioTestSource() {
  stop();
}

Result<void> AudioTestSource::start() {
  if (impl_->options.rate == 0 || impl_->options.channels == 0 || impl_->options.quantum == 0 ||
      std::fabs(impl_->options.ppm) > 100'000) {
    return fail(Errc::invalid_argument, kStage, "rate, channels and quantum must be set, the skew within 10 %");
  }
  return impl_->start();
}

Result<NodeIdentity> AudioTestSource::wait_for_node(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->changed.wait_for(lock, timeout, [&] { return !impl_->nodes.empty(); })) {
    return fail(Errc::timeout, kStage, "the audio node did not appear");
  }
  return impl_->nodes.front();
}

AudioStats AudioTestSource::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void AudioTestSource::stop() {
  impl_->stop();
}

}  // namespace zc::testsrc
