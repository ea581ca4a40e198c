#include "capture/audio/audio_stream.hpp"

#include <cerrno>
#include <cstring>

#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include "capture/audio/audio_stamp.hpp"
#include "capture/graph/app_links.hpp"
#include "capture/graph/link_keeper.hpp"
#include "capture/pw/connection.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace zc::capture {
namespace {

constexpr const char* kStage = "capture:audio";

}  // namespace

struct AudioStream::Impl {
  Impl(AudioStreamOptions o, AudioObserver& obs) : options(std::move(o)), observer(obs) {}
  ~Impl();

  Result<void> connect();
  void report(StreamState state, const std::string& message);
  void handle(pw_buffer* b);

  static const pw_stream_events& events();
  static void on_state_changed(void* data, pw_stream_state old, pw_stream_state state, const char* error);
  static void on_process(void* data);

  AudioStreamOptions options;
  AudioObserver& observer;
  // Teardown order: the stream and its hook before the connection that owns the loop.
  std::unique_ptr<Connection> connection;
  pw::StreamPtr stream;
  pw::Hook hook;
  std::unique_ptr<AppLinker> linker;   // app:NAME; its links go before our stream
  std::unique_ptr<LinkKeeper> keeper;  // a device or sink monitor: its links made again if the session manager's go
  bool streamed = false;
  bool finished = false;
  bool stopping = false;
  AudioStamper stamper{false};  // AudioTarget::played, once connect() knows
  std::atomic<uint32_t> node_id{0};
  std::atomic<uint64_t> buffers{0}, samples{0}, bad_buffers{0};
};

const pw_stream_events& AudioStream::Impl::events() {
  static const pw_stream_events e = [] {
    pw_stream_events ev{};
    ev.version = PW_VERSION_STREAM_EVENTS;
    ev.state_changed = &Impl::on_state_changed;
    ev.process = &Impl::on_process;
    return ev;
  }();
  return e;
}

Result<void> AudioStream::Impl::connect() {
  auto conn = Connection::open("zerocast-audio");
  if (!conn) return tl::unexpected(conn.error());
  connection = std::move(*conn);
  connection->set_core_error_handler([this](int res, const std::string& message) {
    report(res == -EPIPE ? StreamState::disconnected : StreamState::error,
           res == -EPIPE ? "the PipeWire daemon disconnected" : "PipeWire error: " + message);
  });
  auto lock = connection->lock();
  const AudioTarget& t = options.target;
  // app:NAME: no target and no AUTOCONNECT, so the session manager links us to nothing; we link
  // the apps' ports into ours. It still configures our node's ports (WirePlumber does for every
  // stream that does not autoconnect: one input port per channel), and we link once they exist.
  // Not adapter.auto-port-config: ports of ours from the start get linked, and the node started,
  // before WirePlumber's own PortConfig arrives, which then fails (EIO) and leaves its policy
  // waiting on our node: no new stream on the machine was linked until we went (0.4.13).
  const bool app = !t.app.empty();
  pw::PropertiesPtr props(pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture",
                                            PW_KEY_MEDIA_ROLE, "Screen", PW_KEY_NODE_NAME, options.node_name.c_str(),
                                            nullptr));
  if (!app && !t.target_object.empty()) {
    pw_properties_set(props.get(), PW_KEY_TARGET_OBJECT, t.target_object.c_str());
    // A named device that goes away is waited for, not swapped for another one by the session manager.
    pw_properties_set(props.get(), "node.dont-reconnect", "true");
  }
  if (t.capture_sink) pw_properties_set(props.get(), PW_KEY_STREAM_CAPTURE_SINK, "true");
  stamper = AudioStamper(t.played);
  stream.reset(pw_stream_new(connection->core(), options.node_name.c_str(), props.release()));
  if (!stream) return fail(Errc::pipewire, kStage, std::string("cannot create a stream: ") + std::strerror(errno));
  pw_stream_add_listener(stream.get(), hook.get(), &events(), this);

  uint8_t storage[1024];
  spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof storage);
  spa_audio_info_raw info{};
  info.format = SPA_AUDIO_FORMAT_F32;
  info.rate = options.rate;
  info.channels = options.channels;
  if (options.channels == 2) {
    info.position[0] = SPA_AUDIO_CHANNEL_FL;
    info.position[1] = SPA_AUDIO_CHANNEL_FR;
  } else if (options.channels == 1) {
    info.position[0] = SPA_AUDIO_CHANNEL_MONO;
  }
  const spa_pod* params[1] = {spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info)};
  const auto flags = static_cast<pw_stream_flags>((app ? 0 : PW_STREAM_FLAG_AUTOCONNECT) | PW_STREAM_FLAG_MAP_BUFFERS |
                                                  PW_STREAM_FLAG_RT_PROCESS);
  if (int res = pw_stream_connect(stream.get(), PW_DIRECTION_INPUT, PW_ID_ANY, flags, params, 1); res < 0) {
    return fail(Errc::pipewire, kStage, std::string("cannot connect the audio stream: ") + spa_strerror(res));
  }
  if (app) {
    auto l = AppLinker::create(
        *connection, t.app, [this] { return pw_stream_get_node_id(stream.get()); },
        [this](const AppStreamEvent& e) {
          if (!stopping) observer.on_app_stream(e);
        });
    if (!l) return tl::unexpected(l.error());
    linker = std::move(*l);
  } else if (options.relink) {
    auto k = LinkKeeper::create(
        *connection, {.stage = kStage, .what = t.description},
        [this] { return stream ? pw_stream_get_node_id(stream.get()) : 0; }, nullptr);
    if (!k) return tl::unexpected(k.error());
    keeper = std::move(*k);
  }
  return connection->start();
}

AudioStream::Impl::~Impl() {
  if (!connection) return;
  {
    auto lock = connection->lock();
    stopping = true;
    linker.reset();
    keeper.reset();
    if (stream) pw_stream_disconnect(stream.get());
    hook.reset();
    stream.reset();
  }
  connection.reset();
}

void AudioStream::Impl::report(StreamState state, const std::string& message) {
  if (finished || stopping) return;
  if (is_final(state)) finished = true;
  // The observer tells the user (once per outage, not once per retry).
  zc::log::debug("{}: {}: {}", kStage, to_string(state), message);
  observer.on_audio_state(state, message);
}

void AudioStream::Impl::on_state_changed(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  auto* s = static_cast<Impl*>(data);
  const std::string& what = s->options.target.description;
  switch (state) {
    case PW_STREAM_STATE_UNCONNECTED:
      s->report(s->streamed ? StreamState::producer_gone : StreamState::error,
                s->streamed ? what + " is gone" : what + " is not available (the session manager removed our stream)");
      break;
    case PW_STREAM_STATE_CONNECTING:
      s->report(StreamState::connecting, "connecting to " + what);
      break;
    case PW_STREAM_STATE_PAUSED:
      s->node_id = pw_stream_get_node_id(s->stream.get());
      if (s->linker) s->linker->update();  // our node has its id now: its ports can be linked
      if (s->keeper) s->keeper->update();
      s->report(StreamState::paused, "waiting for " + what);
      break;
    case PW_STREAM_STATE_STREAMING:
      s->streamed = true;
      s->report(StreamState::streaming, "capturing " + what);
      break;
    case PW_STREAM_STATE_ERROR:
      s->report(s->streamed ? StreamState::producer_gone : StreamState::error,
                what + ": " + (error ? error : "stream error"));
      break;
  }
}

void AudioStream::Impl::on_process(void* data) {
  auto* s = static_cast<Impl*>(data);
  pw_buffer* b = pw_stream_dequeue_buffer(s->stream.get());
  if (!b) return;
  s->handle(b);
  pw_stream_queue_buffer(s->stream.get(), b);
}

void AudioStream::Impl::handle(pw_buffer* b) {
  const spa_buffer* buf = b->buffer;
  const size_t frame_bytes = sizeof(float) * options.channels;
  if (!buf || buf->n_datas < 1 || !buf->datas[0].data || !buf->datas[0].chunk) {
    ++bad_buffers;
    return;
  }
  const spa_data& d = buf->datas[0];
  const uint32_t offset = d.chunk->offset % (d.maxsize ? d.maxsize : 1);
  const uint32_t size = d.chunk->size;
  if (static_cast<uint64_t>(offset) + size > d.maxsize || d.chunk->stride < 0 ||
      (d.chunk->stride != 0 && static_cast<size_t>(d.chunk->stride) != frame_bytes)) {
    ++bad_buffers;
    return;
  }
  const size_t frames = size / frame_bytes;
  if (frames == 0) return;
  // A driver that does not set the clock (a client stream driving, PipeWire 0.3.65) leaves now at
  // 0: the time of this callback stands in (audio_stamp.hpp).
  pw_time t{};
  AudioCycle cycle;
  cycle.callback_ns = monotonic_ns();
  cycle.graph_clock = pw_stream_get_time_n(stream.get(), &t, sizeof t) == 0 && t.now != 0 && t.rate.denom != 0;
  if (cycle.graph_clock) {
    cycle.now_ns = t.now;
    cycle.delay_ns = t.delay * 1'000'000'000LL * t.rate.num / t.rate.denom;
  }
  const int64_t first_ns = stamper.stamp(cycle, static_cast<int64_t>(frames) * 1'000'000'000LL / options.rate);
  ++buffers;
  samples += frames;
  const auto* base = static_cast<const float*>(SPA_PTROFF(d.data, offset, void));
  observer.on_samples(std::span<const float>(base, frames * options.channels), first_ns, cycle.graph_clock);
}

AudioStream::AudioStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioStream::~AudioStream() = default;

Result<std::unique_ptr<AudioStream>> AudioStream::start(AudioStreamOptions options, AudioObserver& observer) {
  auto impl = std::make_unique<Impl>(std::move(options), observer);
  if (auto ok = impl->connect(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<AudioStream>(new AudioStream(std::move(impl)));
}

AudioStreamStats AudioStream::stats() const {
  return {impl_->buffers.load(), impl_->samples.load(), impl_->bad_buffers.load()};
}

uint32_t AudioStream::node_id() const {
  return impl_->node_id.load();
}

}  // namespace zc::capture
