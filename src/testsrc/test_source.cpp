#include "testsrc/test_source.hpp"

#include <fcntl.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <spa/buffer/meta.h>
#include <spa/param/param.h>
#include <spa/utils/result.h>

#include "capture/video/colorimetry.hpp"
#include "capture/video/sync_timeline.hpp"
#include "core/log.hpp"
#include "core/parse_number.hpp"
#include "testsrc/metas.hpp"
#include "testsrc/source_impl.hpp"

namespace zc::testsrc {
namespace {

void core_error(void* data, uint32_t id, int /*seq*/, int res, const char* message) {
  auto* impl = static_cast<TestSource::Impl*>(data);
  zc::log::warn("test-source: PipeWire error on object {}: {} ({})", id, message ? message : "", spa_strerror(res));
  if (id == PW_ID_CORE) impl->fail_stream(std::string("connection lost: ") + (message ? message : ""));
}

void registry_global(void* data, uint32_t id, uint32_t /*permissions*/, const char* type, uint32_t /*version*/,
                     const spa_dict* props) {
  auto* impl = static_cast<TestSource::Impl*>(data);
  if (!props || std::strcmp(type, PW_TYPE_INTERFACE_Node) != 0) return;
  const char* name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
  const char* serial = spa_dict_lookup(props, PW_KEY_OBJECT_SERIAL);
  if (!name || !serial || impl->options.node_name != name) return;
  std::lock_guard lock(impl->mutex);
  impl->named_nodes.push_back(NodeIdentity{id, parse_number<uint64_t>(serial).value_or(0)});
  impl->changed.notify_all();
}

void stream_state(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  static_cast<TestSource::Impl*>(data)->on_state(state, error);
}

void stream_param(void* data, uint32_t id, const spa_pod* param) {
  if (id == SPA_PARAM_Format) static_cast<TestSource::Impl*>(data)->on_format(param);
}

void stream_add_buffer(void* data, pw_buffer* b) {
  static_cast<TestSource::Impl*>(data)->on_add_buffer(b);
}
void stream_remove_buffer(void* data, pw_buffer* b) {
  static_cast<TestSource::Impl*>(data)->on_remove_buffer(b);
}
void stream_trigger_done(void* data) {
  // The graph cycle we triggered has finished: every follower has taken its buffer.
  static_cast<TestSource::Impl*>(data)->cycle.done();
}
void timer_fired(void* data, uint64_t expirations) {
  static_cast<TestSource::Impl*>(data)->on_tick(expirations);
}

const pw_core_events kCoreEvents = [] {
  pw_core_events e{};
  e.version = PW_VERSION_CORE_EVENTS;
  e.error = core_error;
  return e;
}();

const pw_registry_events kRegistryEvents = [] {
  pw_registry_events e{};
  e.version = PW_VERSION_REGISTRY_EVENTS;
  e.global = registry_global;
  return e;
}();

const pw_stream_events kStreamEvents = [] {
  pw_stream_events e{};
  e.version = PW_VERSION_STREAM_EVENTS;
  e.state_changed = stream_state;
  e.param_changed = stream_param;
  e.add_buffer = stream_add_buffer;
  e.remove_buffer = stream_remove_buffer;
  e.trigger_done = stream_trigger_done;
  return e;
}();

}  // namespace

Result<void> TestSource::Impl::start() {
  if (options.mode == BufferMode::DmaBuf) {
    // Before PipeWire: a required allocator that is missing fails here, with what is missing.
    auto backend = open_dmabuf_backend(options.dmabuf_allocator, options.render_node_dir);
    if (!backend) return tl::unexpected(backend.error());
    gbm_device = std::move(backend->gbm);
    udmabuf_device = std::move(backend->udmabuf);
    if (gbm_device) {
      zc::log::info("test-source: dmabufs from GBM on {}", gbm_device->node());
    } else if (udmabuf_device) {
      zc::log::info("test-source: dmabufs from {}", drm::kUdmabufDevice);
    } else if (!backend->unavailable.empty()) {
      zc::log::info("test-source: dmabufs from memfds ({})", backend->unavailable);
    }
    std::lock_guard lock(mutex);
    stats.dmabuf_allocator = gbm_device       ? DmabufAllocator::Gbm
                             : udmabuf_device ? DmabufAllocator::Udmabuf
                                              : DmabufAllocator::MemFd;
    stats.gbm_unavailable = backend->unavailable;
    stats.render_node = gbm_device ? gbm_device->node() : std::string();
  }
  if (options.sync == SyncMode::Implicit) {
    auto opened = drm::VgemFencer::open(options.sync_drm_dir);
    if (!opened) return tl::unexpected(opened.error());
    fencer = std::move(*opened);
    zc::log::info("test-source: implicit sync: vgem write fences from {}, pixels {} ms after the queue", fencer->node(),
                  options.late_ms);
  } else if (options.sync == SyncMode::Explicit) {
    if (!capture::library_has_sync_timeline()) {
      return fail(Errc::unsupported, "test-source",
                  std::string("explicit sync needs PipeWire 1.2 or later, this is ") + pw_get_library_version());
    }
    auto opened = zc::drm::SyncobjDevice::open(options.sync_drm_dir);
    if (!opened) return tl::unexpected(opened.error());
    syncobj_device = std::move(*opened);
    zc::log::info("test-source: explicit sync offered: timeline syncobjs on {}, pixels {} ms after the queue",
                  syncobj_device->node(), options.late_ms);
  }
  pw_init(nullptr, nullptr);
  loop.reset(pw_thread_loop_new("zc-test-source", nullptr));
  if (!loop) return fail(Errc::pipewire, "test-source", "cannot create a thread loop");
  pw_loop* l = pw_thread_loop_get_loop(loop.get());
  LoopLock lock(loop.get());
  if (pw_thread_loop_start(loop.get()) < 0) return fail(Errc::pipewire, "test-source", "cannot start the loop thread");
  context = capture::pw::new_context(l, /*lock_buffers=*/false);
  if (!context) return fail(Errc::pipewire, "test-source", "cannot create a PipeWire context");
  core.reset(pw_context_connect(context.get(), nullptr, 0));
  if (!core) {
    return tl::unexpected(no_pipewire("test-source", errno));
  }
  pw_core_add_listener(core.get(), &core_listener, &kCoreEvents, this);
  registry.reset(reinterpret_cast<pw_proxy*>(pw_core_get_registry(core.get(), PW_VERSION_REGISTRY, 0)));
  if (!registry) return fail(Errc::pipewire, "test-source", "cannot get the registry");
  pw_registry_add_listener(reinterpret_cast<pw_registry*>(registry.get()), &registry_listener, &kRegistryEvents, this);

  pw_properties* props =
      pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source", PW_KEY_NODE_NAME, options.node_name.c_str(),
                        PW_KEY_NODE_DESCRIPTION, "zerocast test source", nullptr);
  stream.reset(pw_stream_new(core.get(), options.node_name.c_str(), props));
  if (!stream) return fail(Errc::pipewire, "test-source", "cannot create the stream");
  pw_stream_add_listener(stream.get(), &stream_listener, &kStreamEvents, this);

  PodStorage storage;
  spa_pod_builder b = storage.builder();
  std::vector<const spa_pod*> params = build_announcement(b);
  if (params.empty()) return fail(Errc::internal, "test-source", "format params do not fit");
  // Shm: PipeWire allocates (and maps) the memory; else we do (see BufferMode).
  uint32_t flags = options.mode == BufferMode::Shm ? PW_STREAM_FLAG_MAP_BUFFERS : PW_STREAM_FLAG_ALLOC_BUFFERS;
  if (options.driver) flags |= PW_STREAM_FLAG_DRIVER;
  if (int res = pw_stream_connect(stream.get(), PW_DIRECTION_OUTPUT, PW_ID_ANY, static_cast<pw_stream_flags>(flags),
                                  params.data(), static_cast<uint32_t>(params.size()));
      res < 0) {
    return fail(Errc::pipewire, "test-source", std::string("cannot connect the stream: ") + spa_strerror(res));
  }

  timer = LoopSource(l, pw_loop_add_timer(l, timer_fired, this));
  if (!timer) return fail(Errc::pipewire, "test-source", "cannot create the frame timer");
  timespec value{0, 1};
  const int64_t interval_ns = 1000000000LL / options.fps;
  timespec interval{static_cast<time_t>(interval_ns / 1000000000LL), static_cast<long>(interval_ns % 1000000000LL)};
  pw_loop_update_timer(l, timer.get(), &value, &interval, false);
  zc::log::info("test-source: node '{}' {}x{} {} at {} fps, {} buffers", options.node_name, options.width,
                options.height, zc::to_string(options.format), options.fps, to_string(options.mode));
  return {};
}

void TestSource::Impl::stop() {
  if (!loop) return;
  {
    LoopLock lock(loop.get());
    timer.reset();
    late_timer.reset();
    drop_fences(nullptr);
    stream.reset();
    slots.clear();
    registry.reset();
    core.reset();
  }
  // The thread must be stopped before the context it runs goes away.
  pw_thread_loop_stop(loop.get());
  context.reset();
  loop.reset();
  std::lock_guard lock(mutex);
  stats.streaming = false;
  changed.notify_all();
}

BufferOffer TestSource::Impl::buffer_offer(uint32_t width, uint32_t height) const {
  BufferOffer offer;
  offer.buffers = options.buffers;
  offer.buffers_min = options.buffers_min;
  offer.stride = options.format == PixelFormat::MJPG ? 0 : stride_for(options.format, width, options.stride_align);
  offer.size = buffer_bytes(options.format, width, height, offer.stride);
  switch (options.mode) {
    case BufferMode::Shm:
      offer.data_types = (1u << SPA_DATA_MemFd) | (1u << SPA_DATA_MemPtr);
      break;
    case BufferMode::MemFd:
      offer.data_types = 1u << SPA_DATA_MemFd;
      break;
    case BufferMode::DmaBuf:
      offer.data_types = (1u << SPA_DATA_MemFd) | (1u << SPA_DATA_DmaBuf);
      break;
  }
  offer.damage = options.damage_meta;
  offer.crop = options.crop.has_value();
  offer.cursor_size = options.cursor ? kCursorSize : 0;
  offer.sync_timeline = syncobj_device.has_value();
  return offer;
}

// The formats we can send and, already, the buffers and metas for them: the size is ours, so
// nothing needs to be said once a format is chosen. Answering a Format with new params while
// PipeWire 0.3.65 is setting up the link races its buffer allocation.
std::vector<const spa_pod*> TestSource::Impl::build_announcement(spa_pod_builder& b) const {
  const FormatOffer offer{options.format, want_width, want_height, options.fps,
                          options.hdr == "pq"    ? capture::kSpaTransferSmpte2084
                          : options.hdr == "hlg" ? capture::kSpaTransferAribStdB67
                                                 : 0u};
  const std::span<const uint64_t> mods =
      options.mode == BufferMode::DmaBuf ? std::span<const uint64_t>(options.modifiers) : std::span<const uint64_t>();
  std::vector<const spa_pod*> params = build_enum_formats(b, offer, mods, fixated);
  std::vector<const spa_pod*> buffers = build_buffer_params(b, buffer_offer(want_width, want_height));
  if (params.empty() || buffers.empty()) return {};
  params.insert(params.end(), buffers.begin(), buffers.end());
  return params;
}

void TestSource::Impl::announce_formats() {
  PodStorage storage;
  spa_pod_builder b = storage.builder();
  std::vector<const spa_pod*> params = build_announcement(b);
  awaiting_buffers = true;
  pw_stream_update_params(stream.get(), params.data(), static_cast<uint32_t>(params.size()));
}

void TestSource::Impl::on_format(const spa_pod* param) {
  if (!param) {
    have_format = false;
    return;
  }
  auto choice = parse_format(param);
  if (!choice) {
    pw_stream_set_error(stream.get(), -EINVAL, "%s", choice.error().message.c_str());
    return;
  }
  if (choice->has_modifier && choice->needs_fixation) {
    // The consumer offered modifiers with DONT_FIXATE: we (the allocator) pick one and announce
    // the fixed format; PipeWire then renegotiates the link with it.
    const auto pick = choose_modifier(options.modifiers, choice->modifiers);
    if (!pick) {
      pw_stream_set_error(stream.get(), -EINVAL, "no common modifier");
      return;
    }
    fixated = *pick;
    zc::log::info("test-source: fixating modifier {} out of {} offered", drm::gbm::modifier_hex(*pick),
                  choice->modifiers.size());
    {
      std::lock_guard lock(mutex);
      ++stats.fixations;
    }
    announce_formats();
    return;
  }
  accept_format(*choice);
}

void TestSource::Impl::accept_format(const FormatChoice& choice) {
  current.first_frame = next_frame;
  current.width = choice.width;
  current.height = choice.height;
  current.stride =
      choice.format == PixelFormat::MJPG ? 0 : stride_for(choice.format, choice.width, options.stride_align);
  current.format = choice.format;
  current.memory = choice.has_modifier               ? BufferMode::DmaBuf
                   : options.mode == BufferMode::Shm ? BufferMode::Shm
                                                     : BufferMode::MemFd;
  current.modifier = choice.has_modifier ? choice.modifiers.front() : kModifierInvalid;
  // 32-bit RGB is painted into the buffers; other formats into a BGRx canvas, converted per frame.
  const PixelFormat paint_format = is_packed_rgb(choice.format) ? choice.format : PixelFormat::BGRx;
  if (!painter || painter->width() != choice.width || painter->height() != choice.height ||
      painter->format() != paint_format) {
    painter.emplace(choice.width, choice.height, paint_format);
  }
  last_sent.reset();  // the next frame's damage is the whole picture
  if (!is_packed_rgb(choice.format)) {
    canvas.assign(size_t{choice.width} * 4 * choice.height, 0);
    canvas_paint = PaintState{};
  }
  have_format = true;
  awaiting_buffers = true;
  allocator_logged = false;

  if (choice.width != want_width || choice.height != want_height) {
    // Not what we announced (we only offer one size): describe these buffers after all.
    PodStorage storage;
    spa_pod_builder b = storage.builder();
    std::vector<const spa_pod*> params = build_buffer_params(b, buffer_offer(choice.width, choice.height));
    pw_stream_update_params(stream.get(), params.data(), static_cast<uint32_t>(params.size()));
  }
  const bool dmabuf = current.memory == BufferMode::DmaBuf;
  zc::log::info("test-source: format {}x{} {} {}{} from frame {}", current.width, current.height,
                zc::to_string(current.format), to_string(current.memory),
                dmabuf ? " modifier " + drm::gbm::modifier_hex(current.modifier) : "", next_frame);
  std::lock_guard lock(mutex);
  if (!stats.epochs.empty()) ++stats.renegotiations;
  stats.epochs.push_back(current);
  changed.notify_all();
}

void TestSource::Impl::on_add_buffer(pw_buffer* b) {
  spa_data& d = b->buffer->datas[0];
  auto slot = std::make_unique<Slot>();
  slot->stride = current.stride;
  const size_t size = buffer_bytes(current.format, current.width, current.height, current.stride);
  if (options.mode == BufferMode::Shm) {
    // PipeWire allocated and mapped it (MAP_BUFFERS).
    if (!d.data || d.maxsize < size) {
      fail_stream("PipeWire gave a buffer of " + std::to_string(d.maxsize) + " bytes, need " + std::to_string(size));
      return;
    }
    slot->pixels = static_cast<uint8_t*>(d.data);
  } else {
    const bool dmabuf = (d.type & (1u << SPA_DATA_DmaBuf)) != 0 && current.memory == BufferMode::DmaBuf;
    if (!dmabuf && (d.type & (1u << SPA_DATA_MemFd)) == 0) {
      fail_stream("consumer wants buffer types " + std::to_string(d.type) + ", we only make memfds and dmabufs");
      return;
    }
    Attached attached = Attached::use_memfd;
    if (dmabuf && gbm_device) {
      attached = attach_gbm(*slot, d);
    } else if (dmabuf && udmabuf_device) {
      attached = attach_udmabuf(*slot, d) ? Attached::real_dmabuf : Attached::failed;
    }
    if (attached == Attached::failed) return;
    if (attached == Attached::use_memfd && !attach_memfd(*slot, d, dmabuf)) return;
    if (dmabuf && syncobj_device && !attach_sync_timeline(*slot, b->buffer)) return;
    log_allocator(*slot);
  }
  b->user_data = slot.get();
  slot->buffer = b;
  slots.push_back(std::move(slot));
  zc::log::debug("test-source: buffer added ({} now, next frame {})", slots.size(), next_frame);
  awaiting_buffers = false;
}

// A real dmabuf for the fixated modifier. A (format, modifier) GBM refuses fails the stream when
// GBM is required; with Auto it gets memfds from then on (one warning).
TestSource::Impl::Attached TestSource::Impl::attach_gbm(Slot& slot, spa_data& d) {
  const std::pair<uint32_t, uint64_t> key{drm_fourcc(current.format), current.modifier};
  if (std::find(gbm_refused.begin(), gbm_refused.end(), key) != gbm_refused.end()) return Attached::use_memfd;
  auto bo = drm::allocate_gbm_buffer(*gbm_device, current.width, current.height, current.format, current.modifier);
  if (!bo) {
    if (options.dmabuf_allocator == DmabufAllocator::Gbm) {
      fail_stream(bo.error().message);
      return Attached::failed;
    }
    zc::log::warn("test-source: {}; sending memfds for it instead", bo.error().message);
    gbm_refused.push_back(key);
    std::lock_guard lock(mutex);
    ++stats.gbm_refusals;
    return Attached::use_memfd;
  }
  slot.stride = bo->stride();
  slot.offset = bo->offset();
  d.type = SPA_DATA_DmaBuf;
  d.flags = SPA_DATA_FLAG_READWRITE;
  d.fd = bo->fd();
  d.mapoffset = 0;
  d.maxsize = static_cast<uint32_t>(std::min<uint64_t>(bo->size(), UINT32_MAX));
  d.data = nullptr;  // mapped through GBM for each paint, not kept mapped
  slot.bo = std::move(*bo);
  std::lock_guard lock(mutex);
  ++stats.gbm_buffers;
  if (!stats.epochs.empty()) {
    stats.epochs.back().gbm = true;
    stats.epochs.back().stride = slot.stride;
  }
  return Attached::real_dmabuf;
}

// A real dmabuf from /dev/udmabuf; its bytes are linear, so only LINEAR may have been fixated.
bool TestSource::Impl::attach_udmabuf(Slot& slot, spa_data& d) {
  if (current.modifier != kModifierLinear) {
    fail_stream("udmabufs are LINEAR, not modifier " + drm::gbm::modifier_hex(current.modifier));
    return false;
  }
  auto buf = drm::allocate_udmabuf(udmabuf_device.get(), static_cast<size_t>(current.stride) * current.height);
  if (!buf) {
    fail_stream(buf.error().message);
    return false;
  }
  d.type = SPA_DATA_DmaBuf;
  d.flags = SPA_DATA_FLAG_READWRITE;  // not MAPPABLE: consumers map it themselves (or import it)
  d.fd = buf->dmabuf.get();
  d.mapoffset = 0;
  d.maxsize = static_cast<uint32_t>(buf->map.size());
  d.data = nullptr;
  slot.fd = std::move(buf->memfd);
  slot.map = std::move(buf->map);
  slot.pixels = slot.map.data();
  slot.dmabuf = std::move(buf->dmabuf);
  std::lock_guard lock(mutex);
  ++stats.udmabuf_buffers;
  if (!stats.epochs.empty()) stats.epochs.back().udmabuf = true;
  return true;
}

bool TestSource::Impl::attach_memfd(Slot& slot, spa_data& d, bool dmabuf) {
  const size_t size = buffer_bytes(current.format, current.width, current.height, current.stride);
  slot.fd = UniqueFd(memfd_create("zc-test-source", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!slot.fd || ftruncate(slot.fd.get(), static_cast<off_t>(size)) < 0) {
    fail_stream(std::string("cannot create buffer memory: ") + std::strerror(errno));
    return false;
  }
  // Consumers may rely on the size not changing under them.
  fcntl(slot.fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  slot.map = Mapping(slot.fd.get(), size, PROT_READ | PROT_WRITE);
  if (!slot.map.valid()) {
    fail_stream(std::string("cannot map buffer memory: ") + std::strerror(errno));
    return false;
  }
  d.type = dmabuf ? SPA_DATA_DmaBuf : SPA_DATA_MemFd;
  d.flags = SPA_DATA_FLAG_READWRITE;
  d.fd = slot.fd.get();
  d.mapoffset = 0;
  d.maxsize = static_cast<uint32_t>(size);
  d.data = slot.map.data();
  slot.pixels = slot.map.data();
  std::lock_guard lock(mutex);
  ++stats.memfd_buffers;
  return true;
}

// Once per format: which allocator its buffers come from.
void TestSource::Impl::log_allocator(const Slot& slot) {
  if (allocator_logged) return;
  allocator_logged = true;
  if (slot.bo) {
    zc::log::info("test-source: {}x{} {} modifier {} buffers from GBM on {} (stride {})", current.width, current.height,
                  zc::to_string(current.format), drm::gbm::modifier_hex(current.modifier), gbm_device->node(),
                  slot.stride);
  } else if (slot.dmabuf) {
    zc::log::info("test-source: {}x{} {} LINEAR buffers from {} (stride {})", current.width, current.height,
                  zc::to_string(current.format), drm::kUdmabufDevice, slot.stride);
  } else {
    zc::log::info("test-source: {}x{} {} buffers from memfds ({})", current.width, current.height,
                  zc::to_string(current.format),
                  current.memory == BufferMode::DmaBuf ? "dmabuf, modifier " + drm::gbm::modifier_hex(current.modifier)
                                                       : std::string("shared memory"));
  }
}

void TestSource::Impl::on_remove_buffer(pw_buffer* b) {
  auto* slot = static_cast<Slot*>(b->user_data);
  b->user_data = nullptr;
  if (slot) drop_fences(slot);
  std::erase(held, b);
  std::erase_if(slots, [slot](const std::unique_ptr<Slot>& s) { return s.get() == slot; });
  zc::log::debug("test-source: buffer removed ({} left, next frame {})", slots.size(), next_frame);
}

void TestSource::Impl::on_state(pw_stream_state state, const char* error) {
  zc::log::info("test-source: stream {}{}{}", pw_stream_state_as_string(state), error ? ": " : "", error ? error : "");
  const bool was_streaming = streaming;
  streaming = state == PW_STREAM_STATE_STREAMING;
  if (was_streaming && state == PW_STREAM_STATE_PAUSED) release_departed();
  std::lock_guard lock(mutex);
  stats.streaming = streaming;
  // The first error is the cause (a GBM allocation naming its modifier); PipeWire may follow it
  // with its own ("Buffer allocation failed"), which must not replace it.
  if (state == PW_STREAM_STATE_ERROR && stats.error.empty()) stats.error = error ? error : "stream error";
  if (node_id == SPA_ID_INVALID && stream) node_id = pw_stream_get_node_id(stream.get());
  changed.notify_all();
}

void TestSource::Impl::release_departed() {
  if (!stream) return;
  // Frames queued and not taken go back to the free list: a later consumer starts on a new one.
  pw_stream_flush(stream.get(), false);
  // Only the count a consumer raised is lowered: a buffer of `held` carries our own dequeue's, which
  // its queue takes off. Queueing a buffer we never dequeued (this source did until 2026-11) takes
  // one off a count nobody raised; twice wraps it to 0xfffffffe, and PipeWire's `count + 1 > 1`
  // refuses that buffer for good.
  uint64_t taken = 0;
  for (const auto& slot : slots) {
    if (!slot->buffer || std::find(held.begin(), held.end(), slot->buffer) != held.end()) continue;
    auto* busy = static_cast<spa_meta_busy*>(
        spa_buffer_find_meta_data(slot->buffer->buffer, SPA_META_Busy, sizeof(spa_meta_busy)));
    if (busy != nullptr && std::atomic_ref(busy->count).exchange(0) != 0) ++taken;
  }
  if (taken == 0) return;
  zc::log::info("test-source: gave back {} buffer{} a departed consumer held", taken, taken == 1 ? "" : "s");
  std::lock_guard lock(mutex);
  stats.reclaimed_buffers += taken;
}

void TestSource::Impl::fail_stream(const std::string& message) {
  zc::log::error("test-source: {}", message);
  if (stream) pw_stream_set_error(stream.get(), -EIO, "%s", message.c_str());
  std::lock_guard lock(mutex);
  if (stats.error.empty()) stats.error = message;
  changed.notify_all();
}

TestSource::TestSource(Options options) : options_(std::move(options)) {}

TestSource::~TestSource() {
  stop();
}

Result<void> TestSource::start() {
  if (impl_) return fail(Errc::invalid_argument, "test-source", "already started");
  if (auto valid = validate(options_); !valid) return valid;
  impl_ = std::make_unique<Impl>(options_);
  if (auto started = impl_->start(); !started) {
    impl_->stop();
    impl_.reset();
    return started;
  }
  return {};
}

Result<NodeIdentity> TestSource::wait_for_node(std::chrono::milliseconds timeout) {
  if (!impl_) return fail(Errc::invalid_argument, "test-source", "not started");
  std::unique_lock lock(impl_->mutex);
  NodeIdentity found;
  const bool ok = impl_->changed.wait_for(lock, timeout, [&] {
    if (impl_->node_id == SPA_ID_INVALID) return false;
    for (const auto& n : impl_->named_nodes) {
      if (n.id == impl_->node_id) {
        found = n;
        return true;
      }
    }
    return false;
  });
  if (!ok) return fail(Errc::timeout, "test-source", "the node did not appear in time");
  return found;
}

Result<void> TestSource::wait_for_frames(uint64_t frames, std::chrono::milliseconds timeout) {
  if (!impl_) return fail(Errc::invalid_argument, "test-source", "not started");
  std::unique_lock lock(impl_->mutex);
  const bool ok = impl_->changed.wait_for(
      lock, timeout, [&] { return impl_->stats.queued >= frames || impl_->stats.gone || !impl_->stats.error.empty(); });
  if (impl_->stats.queued >= frames) return {};
  if (!ok) return fail(Errc::timeout, "test-source", "only " + std::to_string(impl_->stats.queued) + " frames");
  return fail(Errc::pipewire, "test-source",
              impl_->stats.gone ? "the stream is gone" : "the stream failed: " + impl_->stats.error);
}

Stats TestSource::stats() const {
  if (!impl_) return {};
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void TestSource::stop() {
  if (impl_) impl_->stop();
}

std::optional<bool> TestSource::release_signalled(uint64_t frame) const {
  if (!impl_ || !impl_->syncobj_device) return std::nullopt;
  std::lock_guard lock(impl_->mutex);
  for (const auto& r : impl_->sent_releases) {
    if (r.frame != frame) continue;
    auto ok = impl_->syncobj_device->wait(r.handle, r.point, 0);
    if (ok) return true;
    if (ok.error().code == Errc::timeout) return false;
    return std::nullopt;
  }
  return std::nullopt;
}

void TestSource::marks_between(int64_t from_ns, int64_t to_ns, std::vector<int64_t>& out) const {
  std::lock_guard lock(impl_->marks_mutex);
  for (int64_t m : impl_->marks) {
    if (m >= from_ns && m < to_ns) out.push_back(m);
  }
}

}  // namespace zc::testsrc
