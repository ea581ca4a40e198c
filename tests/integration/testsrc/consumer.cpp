#include "consumer.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/param/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/utils/result.h>

#include "capture/pw/handover.hpp"
#include "core/clock.hpp"
#include "drm/dmabuf_map.hpp"
#include "testsrc/cycle_gate.hpp"
#include "testsrc/params.hpp"
#include "testsrc/pattern.hpp"

namespace zc::testsrc::test {

struct Consumer::Impl {
  explicit Impl(ConsumerOptions o) : options(std::move(o)) {}

  std::vector<const spa_pod*> build_formats(spa_pod_builder& b) const;
  void on_format(const spa_pod* param);
  void on_process();
  void on_ready();
  void handle(pw_buffer* b);
  void on_tick();
  void send_formats();

  ConsumerOptions options;
  ThreadLoopPtr loop;
  ContextPtr context;
  CorePtr core;
  StreamPtr stream;
  LoopSource timer;
  LoopSource reneg;
  // RT_PROCESS, as capture does (capture/pw/handover.hpp): the data thread only dequeues into
  // `handover` and signals `ready`; the loop thread reads the buffers.
  capture::BufferHandover handover;
  LoopSource ready;
  spa_hook stream_listener{};

  // Loop thread only.
  FormatSeen current;
  uint32_t last_good_stride = 0;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<ReceivedFrame> frames;
  std::vector<FormatSeen> formats;
  std::vector<pw_stream_state> states;
  std::string error;
  uint32_t recoveries = 0;
  bool recovery_pending = false;  // loop thread
  CycleGate cycle;                // driving: our last triggered cycle, until trigger_done
  // Dmabufs we mapped (null: the mapping failed), until PipeWire removes the buffer.
  std::map<pw_buffer*, std::unique_ptr<zc::drm::DmaBufMapping>> mappings;
};

namespace {

const spa_pod* consumer_format(spa_pod_builder& b, PixelFormat format, const std::vector<uint64_t>& modifiers) {
  spa_pod_frame object{};
  spa_pod_builder_push_object(&b, &object, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), 0);
  spa_pod_builder_add(&b, SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), 0);
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_format, SPA_POD_Id(to_spa_video_format(format)), 0);
  if (!modifiers.empty()) {
    spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
    spa_pod_frame choice{};
    spa_pod_builder_push_choice(&b, &choice, SPA_CHOICE_Enum, 0);
    spa_pod_builder_long(&b, static_cast<int64_t>(modifiers[0]));
    for (uint64_t m : modifiers)
      spa_pod_builder_long(&b, static_cast<int64_t>(m));
    spa_pod_builder_pop(&b, &choice);
  }
  const spa_rectangle def{1920, 1080};
  const spa_rectangle min{1, 1};
  const spa_rectangle max{8192, 8192};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&def, &min, &max), 0);
  const spa_fraction rate_def{30, 1};
  const spa_fraction rate_min{0, 1};
  const spa_fraction rate_max{1000, 1};
  spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&rate_def, &rate_min, &rate_max),
                      0);
  return static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &object));
}

void on_state(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  auto* impl = static_cast<Consumer::Impl*>(data);
  impl->cycle.done();  // a cycle cut short by a pause never reports done
  std::lock_guard lock(impl->mutex);
  impl->states.push_back(state);
  if (state == PW_STREAM_STATE_ERROR && error) impl->error = error;
  impl->changed.notify_all();
}

void on_param(void* data, uint32_t id, const spa_pod* param) {
  if (id == SPA_PARAM_Format && param) static_cast<Consumer::Impl*>(data)->on_format(param);
}

void on_remove_buffer(void* data, pw_buffer* b) {
  auto* impl = static_cast<Consumer::Impl*>(data);
  impl->handover.forget(b);
  impl->mappings.erase(b);
}

void on_process(void* data) {
  static_cast<Consumer::Impl*>(data)->on_process();
}
void on_ready(void* data, uint64_t) {
  static_cast<Consumer::Impl*>(data)->on_ready();
}
void on_timer(void* data, uint64_t) {
  static_cast<Consumer::Impl*>(data)->on_tick();
}
void on_trigger_done(void* data) {
  static_cast<Consumer::Impl*>(data)->cycle.done();
}
void on_reneg(void* data, uint64_t) {
  auto* impl = static_cast<Consumer::Impl*>(data);
  impl->recovery_pending = false;
  impl->send_formats();
}

const pw_stream_events kEvents = [] {
  pw_stream_events e{};
  e.version = PW_VERSION_STREAM_EVENTS;
  e.state_changed = on_state;
  e.param_changed = on_param;
  e.remove_buffer = on_remove_buffer;
  e.process = on_process;
  e.trigger_done = on_trigger_done;
  return e;
}();

}  // namespace

std::vector<const spa_pod*> Consumer::Impl::build_formats(spa_pod_builder& b) const {
  std::vector<const spa_pod*> params;
  for (PixelFormat f : options.formats) {
    if (!options.modifiers.empty()) params.push_back(consumer_format(b, f, options.modifiers));
    if (options.offer_shm) params.push_back(consumer_format(b, f, {}));
  }
  return params;
}

void Consumer::Impl::send_formats() {
  PodStorage storage;
  spa_pod_builder b = storage.builder();
  std::vector<const spa_pod*> params = build_formats(b);
  pw_stream_update_params(stream.get(), params.data(), static_cast<uint32_t>(params.size()));
}

void Consumer::Impl::on_format(const spa_pod* param) {
  cycle.done();
  auto parsed = parse_format(param);
  if (!parsed) {
    pw_stream_set_error(stream.get(), -EINVAL, "unparsable format");
    return;
  }
  FormatSeen seen{parsed->width,        parsed->height,         parsed->format,
                  parsed->has_modifier, parsed->needs_fixation, parsed->modifiers};
  {
    std::lock_guard lock(mutex);
    formats.push_back(seen);
    changed.notify_all();
  }
  // Not fixated yet: the producer will pick the modifier and the link renegotiates. The buffer
  // params go out anyway, so they are in place whichever format the buffers end up with.
  if (!parsed->needs_fixation) current = seen;
  last_good_stride = 0;
  PodStorage storage;
  spa_pod_builder b = storage.builder();
  std::vector<const spa_pod*> params;
  const int types = (1 << SPA_DATA_MemFd) | (1 << SPA_DATA_MemPtr) | (1 << SPA_DATA_DmaBuf);
  params.push_back(static_cast<const spa_pod*>(
      spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
                                 SPA_POD_CHOICE_RANGE_Int(static_cast<int>(options.buffers), 2, 16),
                                 SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(types))));
  if (options.request_metas) {
    auto meta = [&](uint32_t type, uint32_t size) {
      params.push_back(static_cast<const spa_pod*>(
          spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
                                     SPA_POD_Id(type), SPA_PARAM_META_size, SPA_POD_Int(size))));
    };
    meta(SPA_META_Header, sizeof(spa_meta_header));
    meta(SPA_META_VideoDamage, sizeof(spa_meta_region) * kMaxDamageRegions);
    meta(SPA_META_VideoCrop, sizeof(spa_meta_region));
    // Any bitmap up to 256x256, as real consumers ask (a fixed size would only match its twin).
    params.push_back(static_cast<const spa_pod*>(spa_pod_builder_add_object(
        &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Cursor),
        SPA_PARAM_META_size,
        SPA_POD_CHOICE_RANGE_Int(static_cast<int>(cursor_meta_size(64)), static_cast<int>(cursor_meta_size(1)),
                                 static_cast<int>(cursor_meta_size(256))))));
  }
  pw_stream_update_params(stream.get(), params.data(), static_cast<uint32_t>(params.size()));
}

void Consumer::Impl::on_process() {
  if (handover.dequeue_all(stream.get())) pw_loop_signal_event(pw_thread_loop_get_loop(loop.get()), ready.get());
}

void Consumer::Impl::on_ready() {
  if (!stream) return;
  while (pw_buffer* b = handover.next())
    handle(b);
}

void Consumer::Impl::handle(pw_buffer* b) {
  spa_buffer* buf = b->buffer;
  const spa_data& d = buf->datas[0];
  ReceivedFrame f;
  f.arrival_ns = monotonic_ns();
  if (auto* h =
          static_cast<spa_meta_header*>(spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(spa_meta_header)))) {
    f.has_header = true;
    f.seq = h->seq;
    f.pts = h->pts;
    f.header_flags = h->flags;
  }
  f.data_type = d.type;
  f.broken = d.type != SPA_DATA_MemPtr && d.type != SPA_DATA_MemFd && d.type != SPA_DATA_DmaBuf;
  if (f.broken && options.recover_broken_buffers && !recovery_pending) {
    recovery_pending = true;
    pw_loop_signal_event(pw_thread_loop_get_loop(loop.get()), reneg.get());
    std::lock_guard lock(mutex);
    ++recoveries;
  }
  f.fd = static_cast<int>(d.fd);
  f.maxsize = d.maxsize;
  f.chunk_offset = d.chunk->offset;
  f.chunk_size = d.chunk->size;
  f.chunk_stride = d.chunk->stride;
  f.chunk_flags = d.chunk->flags;
  f.width = current.width;
  f.height = current.height;
  f.format = current.format;
  f.has_modifier = current.has_modifier;
  f.modifier = current.modifiers.empty() ? 0 : current.modifiers.front();
  if (spa_meta* m = spa_buffer_find_meta(buf, SPA_META_VideoDamage)) {
    spa_meta_region* r = nullptr;
    spa_meta_for_each(r, m) {
      if (!spa_meta_region_is_valid(r)) break;
      ++f.damage_regions;
    }
  }
  if (auto* crop =
          static_cast<spa_meta_region*>(spa_buffer_find_meta_data(buf, SPA_META_VideoCrop, sizeof(spa_meta_region)))) {
    f.crop_width = crop->region.size.width;
  }
  if (auto* c =
          static_cast<spa_meta_cursor*>(spa_buffer_find_meta_data(buf, SPA_META_Cursor, sizeof(spa_meta_cursor)))) {
    f.cursor_valid = spa_meta_cursor_is_valid(c);
    f.cursor_bitmap = c->bitmap_offset >= sizeof(spa_meta_cursor);
  }
  // Pixels: MemFd/MemPtr are mapped by PipeWire (MAP_BUFFERS); dmabufs we map ourselves. A
  // dmabuf's image starts at the chunk's offset (a GBM buffer's plane offset).
  const uint8_t* pixels = static_cast<const uint8_t*>(d.data);
  uint32_t image_offset = 0;
  zc::drm::DmaBufMapping* mapping = nullptr;
  if (d.type == SPA_DATA_DmaBuf && d.fd >= 0) {
    auto it = mappings.find(b);
    if (it == mappings.end()) {
      auto created = zc::drm::DmaBufMapping::create(static_cast<int>(d.fd), d.maxsize + d.mapoffset);
      it = mappings.emplace(b, created ? std::move(*created) : nullptr).first;
    }
    mapping = it->second.get();
    pixels = mapping ? mapping->data() + d.mapoffset : nullptr;
    image_offset = f.chunk_offset;
  }
  if (f.chunk_stride >= static_cast<int32_t>(current.width * 4))
    last_good_stride = static_cast<uint32_t>(f.chunk_stride);
  if (pixels && last_good_stride > 0 &&
      image_offset + static_cast<uint64_t>(last_good_stride) * current.height <= d.maxsize) {
    // A real dmabuf (GBM) is read between the kernel's CPU-access brackets (memfds: none).
    std::optional<zc::drm::DmaBufReadAccess> access;
    if (mapping) access.emplace(*mapping);
    const uint8_t* image = pixels + image_offset;
    f.number = read_number_rgb(
        Image{const_cast<uint8_t*>(image), last_good_stride, current.width, current.height, current.format});
    const uint8_t* p = image + static_cast<size_t>(current.height - 1) * last_good_stride +
                       static_cast<size_t>(current.width * 11 / 16) * 4;
    f.red_bar = unpack_pixel(current.format, p);
  }
  pw_stream_queue_buffer(stream.get(), b);
  std::lock_guard lock(mutex);
  frames.push_back(f);
  changed.notify_all();
}

void Consumer::Impl::on_tick() {
  if (!stream || !pw_stream_is_driving(stream.get())) return;
  const int64_t now = monotonic_ns();
  if (cycle.check(now) == CycleGate::State::busy) return;  // see CycleGate
  cycle.started(now);
  pw_stream_trigger_process(stream.get());
}

Consumer::Consumer(ConsumerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Consumer::~Consumer() {
  stop();
}

void Consumer::start() {
  pw_init(nullptr, nullptr);
  Impl& m = *impl_;
  m.loop.reset(pw_thread_loop_new("zc-test-consumer", nullptr));
  pw_loop* l = pw_thread_loop_get_loop(m.loop.get());
  LoopLock lock(m.loop.get());
  if (pw_thread_loop_start(m.loop.get()) < 0) throw std::runtime_error("consumer: cannot start loop");
  m.context.reset(pw_context_new(l, nullptr, 0));
  m.core.reset(pw_context_connect(m.context.get(), nullptr, 0));
  if (!m.core) throw std::runtime_error("consumer: cannot connect to PipeWire");
  const std::string target = std::to_string(m.options.target_serial);
  pw_properties* props =
      pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture", PW_KEY_MEDIA_ROLE, "Screen",
                        PW_KEY_TARGET_OBJECT, target.c_str(), PW_KEY_NODE_DONT_RECONNECT, "true", nullptr);
  if (m.options.driver) pw_properties_set(props, PW_KEY_PRIORITY_DRIVER, "200000");
  m.stream.reset(pw_stream_new(m.core.get(), "zc-test-consumer", props));
  pw_stream_add_listener(m.stream.get(), &m.stream_listener, &kEvents, &m);
  PodStorage storage;
  spa_pod_builder b = storage.builder();
  std::vector<const spa_pod*> params = m.build_formats(b);
  m.ready = LoopSource(l, pw_loop_add_event(l, on_ready, &m));
  uint32_t flags = PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_DONT_RECONNECT |
                   PW_STREAM_FLAG_RT_PROCESS;
  if (m.options.driver) flags |= PW_STREAM_FLAG_DRIVER;
  if (int res = pw_stream_connect(m.stream.get(), PW_DIRECTION_INPUT, PW_ID_ANY, static_cast<pw_stream_flags>(flags),
                                  params.data(), static_cast<uint32_t>(params.size()));
      res < 0) {
    throw std::runtime_error(std::string("consumer: connect failed: ") + spa_strerror(res));
  }
  m.reneg = LoopSource(l, pw_loop_add_event(l, on_reneg, &m));
  if (m.options.driver) {
    m.timer = LoopSource(l, pw_loop_add_timer(l, on_timer, &m));
    timespec value{0, 1};
    timespec interval{0, static_cast<long>(1000000000L / m.options.driver_rate)};
    pw_loop_update_timer(l, m.timer.get(), &value, &interval, false);
  }
}

void Consumer::stop() {
  Impl& m = *impl_;
  if (!m.loop) return;
  {
    LoopLock lock(m.loop.get());
    m.timer.reset();
    m.reneg.reset();
    // Disconnect first: it takes the node off the data thread, so no on_process runs after it.
    // (reset() alone sets the pointer to null before pw_stream_destroy, and an on_process still
    // running then dequeued from a null stream: a SEGV seen once under ASan in the guest.)
    if (m.stream) pw_stream_disconnect(m.stream.get());
    m.stream.reset();
    m.ready.reset();
    m.core.reset();
  }
  pw_thread_loop_stop(m.loop.get());
  m.context.reset();
  m.loop.reset();
}

void Consumer::renegotiate(std::vector<uint64_t> modifiers, bool offer_shm) {
  Impl& m = *impl_;
  LoopLock lock(m.loop.get());
  m.options.modifiers = std::move(modifiers);
  m.options.offer_shm = offer_shm;
  m.send_formats();
}

std::vector<ReceivedFrame> Consumer::frames() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->frames;
}

std::vector<FormatSeen> Consumer::formats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->formats;
}

std::vector<pw_stream_state> Consumer::states() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->states;
}

std::string Consumer::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

uint32_t Consumer::recoveries() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->recoveries;
}

bool Consumer::driving() const {
  LoopLock lock(impl_->loop.get());
  return impl_->stream && pw_stream_is_driving(impl_->stream.get());
}

bool Consumer::wait_until(const std::function<bool(const std::vector<ReceivedFrame>&)>& done,
                          std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return done(impl_->frames); });
}

bool Consumer::wait_frames(size_t count, std::chrono::milliseconds timeout) {
  return wait_until([count](const std::vector<ReceivedFrame>& f) { return f.size() >= count; }, timeout);
}

bool Consumer::wait_left_streaming(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    const auto& s = impl_->states;
    const auto streamed = std::find(s.begin(), s.end(), PW_STREAM_STATE_STREAMING);
    return streamed != s.end() && s.back() != PW_STREAM_STATE_STREAMING;
  });
}

bool Consumer::wait_state(pw_stream_state state, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    for (auto s : impl_->states) {
      if (s == state) return true;
    }
    return false;
  });
}

std::vector<ReceivedFrame> steady(const std::vector<ReceivedFrame>& frames) {
  size_t first = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].broken) first = i + 1;
  }
  return {frames.begin() + static_cast<std::ptrdiff_t>(first), frames.end()};
}

}  // namespace zc::testsrc::test
