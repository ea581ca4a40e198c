#include "fixate_producer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

#include "capture/pw/pw_handles.hpp"
#include "capture/video/params.hpp"
#include "capture/video/spa_format.hpp"
#include "core/clock.hpp"

namespace zc::capture::test {

struct FixateProducer::Impl {
  FixateProducer* owner = nullptr;
  Options options;
  pw::ThreadLoopPtr loop;
  pw::ContextPtr context;
  pw::CorePtr core;
  pw::StreamPtr stream;
  pw::Hook hook;
  pw::LoopSource timer;
  ParamSet params;
  spa_video_info_raw format{};
  uint32_t stride = 0;
  bool dmabuf = false;
  uint64_t counter = 0;

  uint32_t build_format(spa_pod_builder& b, const uint64_t* fixed, bool with_modifiers) {
    const uint32_t start = b.state.offset;
    spa_pod_frame f{};
    spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
    spa_pod_builder_add(&b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
                        SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format, SPA_POD_Id(*to_spa(options.format)),
                        0);
    if (fixed) {
      spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY);
      spa_pod_builder_long(&b, static_cast<int64_t>(*fixed));
    } else if (with_modifiers) {
      spa_pod_builder_prop(&b, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
      spa_pod_frame c{};
      spa_pod_builder_push_choice(&b, &c, SPA_CHOICE_Enum, 0);
      spa_pod_builder_long(&b, static_cast<int64_t>(options.modifiers.front()));
      for (uint64_t m : options.modifiers)
        spa_pod_builder_long(&b, static_cast<int64_t>(m));
      spa_pod_builder_pop(&b, &c);
    }
    const spa_rectangle size{options.width, options.height};
    const spa_fraction rate{options.fps, 1};
    spa_pod_builder_add(&b, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size), SPA_FORMAT_VIDEO_framerate,
                        SPA_POD_Fraction(&rate), 0);
    spa_pod_builder_pop(&b, &f);
    return start;
  }

  void build_enum(const uint64_t* fixed) {
    params.build([&](spa_pod_builder& b, std::vector<uint32_t>& offsets) {
      if (fixed) offsets.push_back(build_format(b, fixed, false));
      if (!options.modifiers.empty()) offsets.push_back(build_format(b, nullptr, true));
      offsets.push_back(build_format(b, nullptr, false));
    });
  }

  static void on_param_changed(void* data, uint32_t id, const spa_pod* param) {
    auto* s = static_cast<Impl*>(data);
    if (id != SPA_PARAM_Format || !param) return;
    spa_format_video_raw_parse(param, &s->format);
    const spa_pod_prop* mod = spa_pod_find_prop(param, nullptr, SPA_FORMAT_VIDEO_modifier);
    if (mod && (mod->flags & SPA_POD_PROP_FLAG_DONT_FIXATE)) {
      // Our allocator "prefers" the consumer's first choice (the choice's default).
      uint32_t n = 0, choice = 0;
      const spa_pod* values = spa_pod_get_values(&mod->value, &n, &choice);
      const uint64_t pick = static_cast<uint64_t>(*static_cast<const int64_t*>(SPA_POD_BODY_CONST(values)));
      s->build_enum(&pick);
      pw_stream_update_params(s->stream.get(), s->params.data(), s->params.size());
      return;
    }
    s->dmabuf = mod != nullptr;
    s->owner->dmabuf_ = s->dmabuf;
    if (s->options.count_again_on_format) s->counter = 0;
    s->stride = s->format.size.width * 4;
    const int32_t types = s->dmabuf ? (1 << SPA_DATA_DmaBuf) : (1 << SPA_DATA_MemFd);
    s->params.build([&](spa_pod_builder& b, std::vector<uint32_t>& offsets) {
      offsets.push_back(b.state.offset);
      spa_pod_builder_add_object(
          &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
          SPA_POD_CHOICE_RANGE_Int(4, 2, 8), SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1), SPA_PARAM_BUFFERS_size,
          SPA_POD_Int(static_cast<int32_t>(s->stride * s->format.size.height)), SPA_PARAM_BUFFERS_stride,
          SPA_POD_Int(static_cast<int32_t>(s->stride)), SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(types));
      offsets.push_back(b.state.offset);
      spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
                                 SPA_POD_Id(SPA_META_Header), SPA_PARAM_META_size,
                                 SPA_POD_Int(static_cast<int32_t>(sizeof(spa_meta_header))));
      if (!s->options.metas) return;
      auto meta = [&](spa_meta_type type, uint32_t size) {
        offsets.push_back(b.state.offset);
        spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type, SPA_POD_Id(type),
                                   SPA_PARAM_META_size, SPA_POD_Int(static_cast<int32_t>(size)));
      };
      meta(SPA_META_VideoCrop, sizeof(spa_meta_region));
      meta(SPA_META_VideoDamage, sizeof(spa_meta_region) * 4);
      meta(SPA_META_Cursor, cursor_meta_size(kCursorSize, kCursorSize));
    });
    pw_stream_update_params(s->stream.get(), s->params.data(), s->params.size());
  }

  static void on_add_buffer(void* data, pw_buffer* buffer) {
    auto* s = static_cast<Impl*>(data);
    spa_data& d = buffer->buffer->datas[0];
    // Real fds in both modes: a memfd stands in for a GPU buffer (mappable, like a LINEAR dmabuf).
    const int fd = memfd_create("zc-fixate", MFD_CLOEXEC);
    if (fd < 0) return;
    const uint32_t size = s->stride * s->format.size.height;
    if (ftruncate(fd, size) != 0) {
      close(fd);
      return;
    }
    void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) {
      close(fd);
      return;
    }
    d.type = s->dmabuf ? SPA_DATA_DmaBuf : SPA_DATA_MemFd;
    d.flags = SPA_DATA_FLAG_READWRITE;
    d.fd = fd;
    d.mapoffset = 0;
    d.maxsize = size;
    d.data = mem;
  }

  static void on_remove_buffer(void*, pw_buffer* buffer) {
    spa_data& d = buffer->buffer->datas[0];
    if (d.data) munmap(d.data, d.maxsize);
    if (d.fd >= 0) close(static_cast<int>(d.fd));
    d.data = nullptr;
    d.fd = -1;
  }

  static void on_process(void* data) {
    auto* s = static_cast<Impl*>(data);
    pw_buffer* b = pw_stream_dequeue_buffer(s->stream.get());
    if (!b) return;
    spa_data& d = b->buffer->datas[0];
    if (d.data) {
      auto* p = static_cast<uint8_t*>(d.data);
      for (uint32_t y = 0; y < s->format.size.height; ++y)
        std::memset(p + y * s->stride, static_cast<int>(s->counter & 0xff), s->stride);
      d.chunk->offset = 0;
      d.chunk->size = s->stride * s->format.size.height;
      d.chunk->stride = static_cast<int32_t>(s->stride);
      d.chunk->flags = 0;
      if (auto* h = static_cast<spa_meta_header*>(
              spa_buffer_find_meta_data(b->buffer, SPA_META_Header, sizeof(spa_meta_header)))) {
        h->flags = 0;
        h->pts = monotonic_ns();
        h->seq = s->counter;
        h->dts_offset = 0;
      }
      if (s->options.metas) s->write_metas(*b->buffer);
      ++s->counter;
      ++s->owner->frames_sent_;
    }
    pw_stream_queue_buffer(s->stream.get(), b);
  }

  void write_metas(spa_buffer& buf) const {
    if (auto* crop = static_cast<spa_meta_region*>(
            spa_buffer_find_meta_data(&buf, SPA_META_VideoCrop, sizeof(spa_meta_region)))) {
      crop->region.position = spa_point{10, 10};
      crop->region.size = spa_rectangle{format.size.width - 20, format.size.height - 20};
    }
    if (spa_meta* damage = spa_buffer_find_meta(&buf, SPA_META_VideoDamage)) {
      auto* r = static_cast<spa_meta_region*>(damage->data);
      r[0].region = spa_region{spa_point{8, 4}, spa_rectangle{32, 16}};
      if (damage->size >= 2 * sizeof(spa_meta_region)) r[1].region = spa_region{};  // end of list
    }
    if (spa_meta* m = spa_buffer_find_meta(&buf, SPA_META_Cursor);
        m && m->size >= cursor_meta_size(kCursorSize, kCursorSize)) {
      auto* cursor = static_cast<spa_meta_cursor*>(m->data);
      cursor->id = 1;
      cursor->flags = 0;
      cursor->position = spa_point{50, 60};
      cursor->hotspot = spa_point{2, 3};
      // Bitmaps only when "the cursor changed", as compositors do.
      cursor->bitmap_offset = counter % 10 == 0 ? sizeof(spa_meta_cursor) : 0;
      if (cursor->bitmap_offset) {
        auto* bitmap = reinterpret_cast<spa_meta_bitmap*>(cursor + 1);
        bitmap->format = SPA_VIDEO_FORMAT_ARGB;
        bitmap->size = spa_rectangle{kCursorSize, kCursorSize};
        bitmap->stride = kCursorSize * 4;
        bitmap->offset = sizeof(spa_meta_bitmap);
        std::memset(reinterpret_cast<uint8_t*>(bitmap) + bitmap->offset, 0xC5, kCursorSize * kCursorSize * 4);
      }
    }
  }

  static constexpr uint32_t kCursorSize = 16;

  static void on_timer(void* data, uint64_t) {
    auto* s = static_cast<Impl*>(data);
    pw_stream_trigger_process(s->stream.get());
  }

  static void on_state_changed(void* data, pw_stream_state, pw_stream_state state, const char*) {
    auto* s = static_cast<Impl*>(data);
    bool send = state == PW_STREAM_STATE_STREAMING;
    if (send && ++s->owner->starts_ == 1 && s->options.silent_first_start) send = false;
    timespec value{0, send ? 1 : 0};
    timespec interval{0, send ? static_cast<long>(1000000000 / s->options.fps) : 0};
    pw_loop_update_timer(pw_thread_loop_get_loop(s->loop.get()), s->timer.get(), &value, &interval, false);
  }
};

FixateProducer::FixateProducer(Options options) : impl_(std::make_unique<Impl>()) {
  pw::ensure_init();
  Impl& s = *impl_;
  s.owner = this;
  s.options = std::move(options);
  s.loop.reset(pw_thread_loop_new("zc-fixate", nullptr));
  pw_loop* loop = pw_thread_loop_get_loop(s.loop.get());
  s.context.reset(pw_context_new(loop, nullptr, 0));
  s.core.reset(pw_context_connect(s.context.get(), nullptr, 0));
  if (!s.core) throw std::runtime_error("FixateProducer: cannot connect to PipeWire");
  static const pw_stream_events events = [] {
    pw_stream_events e{};
    e.version = PW_VERSION_STREAM_EVENTS;
    e.state_changed = &Impl::on_state_changed;
    e.param_changed = &Impl::on_param_changed;
    e.add_buffer = &Impl::on_add_buffer;
    e.remove_buffer = &Impl::on_remove_buffer;
    e.process = &Impl::on_process;
    return e;
  }();
  s.stream.reset(pw_stream_new(
      s.core.get(), s.options.name.c_str(),
      pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source", PW_KEY_NODE_NAME, s.options.name.c_str(), nullptr)));
  if (!s.stream) throw std::runtime_error("FixateProducer: cannot create a stream");
  pw_stream_add_listener(s.stream.get(), s.hook.get(), &events, &s);
  s.timer = pw::LoopSource(loop, pw_loop_add_timer(loop, &Impl::on_timer, &s));
  s.build_enum(nullptr);
  const auto flags = static_cast<pw_stream_flags>(PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_ALLOC_BUFFERS);
  if (pw_stream_connect(s.stream.get(), PW_DIRECTION_OUTPUT, PW_ID_ANY, flags, s.params.data(), s.params.size()) < 0) {
    throw std::runtime_error("FixateProducer: cannot connect the stream");
  }
  pw_thread_loop_start(s.loop.get());
}

FixateProducer::~FixateProducer() {
  Impl& s = *impl_;
  pw_thread_loop_stop(s.loop.get());
  s.timer.reset();
  s.hook.reset();
  s.stream.reset();
  s.core.reset();
  s.context.reset();
  s.loop.reset();
}

void FixateProducer::resize(uint32_t width, uint32_t height) {
  Impl& s = *impl_;
  pw::LoopLock lock(s.loop.get());
  s.options.width = width;
  s.options.height = height;
  s.build_enum(nullptr);
  pw_stream_update_params(s.stream.get(), s.params.data(), s.params.size());
}

StreamOptions FixateProducer::stream_options(std::chrono::milliseconds timeout) const {
  const auto node = wait_for_node(impl_->options.name, timeout);
  if (!node) throw std::runtime_error("the producer's node " + impl_->options.name + " did not appear");
  return options_for(*node);
}

std::optional<NodeInfo> wait_for_node(const std::string& name, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto nodes = list_nodes(std::chrono::seconds(1))) {
      for (const auto& n : *nodes) {
        if (n.name == name) return n;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

StreamOptions options_for(const NodeInfo& node) {
  StreamOptions o;
  o.target = Target{node.serial, node.id, node.name};
  return o;
}

}  // namespace zc::capture::test
