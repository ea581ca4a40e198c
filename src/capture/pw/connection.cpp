#include "capture/pw/connection.hpp"

#include <cerrno>
#include <cstring>
#include <mutex>

#include <unistd.h>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace zc::capture {

namespace pw {
void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] { pw_init(nullptr, nullptr); });
}

ContextPtr new_context(pw_loop* loop, bool lock_buffers) {
  const ThreadNameScope data_loop("zc-pw-data");
  pw_properties* props = lock_buffers ? nullptr : pw_properties_new("mem.allow-mlock", "false", nullptr);
  return ContextPtr(pw_context_new(loop, props, 0));
}
}  // namespace pw

const pw_core_events& Connection::events() {
  static const pw_core_events events = [] {
    pw_core_events e{};
    e.version = PW_VERSION_CORE_EVENTS;
    e.done = &Connection::on_done;
    e.error = &Connection::on_error;
    return e;
  }();
  return events;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& name, UniqueFd fd, bool lock_buffers) {
  pw::ensure_init();
  std::unique_ptr<Connection> c(new Connection());
  c->loop_.reset(pw_thread_loop_new(name.c_str(), nullptr));
  if (!c->loop_) return fail(Errc::pipewire, "capture", "cannot create a PipeWire thread loop");
  c->context_ = pw::new_context(c->loop(), lock_buffers);
  if (!c->context_) {
    return fail(Errc::pipewire, "capture", std::string("cannot create a PipeWire context: ") + std::strerror(errno));
  }
  const bool own_fd = static_cast<bool>(fd);
  pw_core* core = own_fd ? pw_context_connect_fd(c->context_.get(), fd.release(), nullptr, 0)
                         : pw_context_connect(c->context_.get(), nullptr, 0);
  if (!core) {
    const int err = errno;
    return fail(Errc::pipewire, "capture",
                std::string("cannot connect to the PipeWire daemon: ") + std::strerror(err) +
                    (own_fd ? "" : " (is pipewire running for this user? XDG_RUNTIME_DIR must point at its socket)"));
  }
  c->core_.reset(core);
  pw_core_add_listener(core, c->core_hook_.get(), &events(), c.get());
  return c;
}

Result<void> Connection::start() {
  if (pw_thread_loop_start(loop_.get()) < 0) return fail(Errc::pipewire, "capture", "cannot start the PipeWire thread");
  running_ = true;
  return {};
}

Connection::~Connection() {
  if (running_) pw_thread_loop_stop(loop_.get());
  core_hook_.reset();
  core_.reset();
  context_.reset();
  loop_.reset();
}

void Connection::on_done(void* data, uint32_t id, int seq) {
  auto* self = static_cast<Connection*>(data);
  if (id == PW_ID_CORE && seq == self->pending_seq_) {
    self->done_ = true;
    pw_thread_loop_signal(self->loop_.get(), false);
  }
}

void Connection::on_error(void* data, uint32_t id, int seq, int res, const char* message) {
  auto* self = static_cast<Connection*>(data);
  zc::log::debug("capture: PipeWire error on object {} (seq {}): {} ({})", id, seq, message ? message : "",
                 std::strerror(-res));
  if (id != PW_ID_CORE) return;  // errors on our own proxies reach their owners directly
  // "unknown resource N": we destroyed (or called) a proxy whose object the server had removed
  // already, its remove_id still on its way to us. A race, not a broken connection: a link that
  // fails is destroyed within one round trip on PipeWire 1.4: a proxy bound to it on its global
  // event and destroyed on the global_remove right behind it sent such a destroy (LinkStates,
  // AppLinker; it ended the stream). They retire such proxies now (pw::BoundProxy); any other
  // owner that meets the race still only costs a count here.
  if (res == -ENOENT) {
    ++self->gone_object_errors_;
    return;
  }
  self->broken_ = true;
  pw_thread_loop_signal(self->loop_.get(), false);
  if (self->on_core_error_) self->on_core_error_(res, message ? message : "");
}

Result<void> Connection::roundtrip(std::chrono::milliseconds timeout) {
  done_ = false;
  pending_seq_ = pw_core_sync(core_.get(), PW_ID_CORE, 0);
  timespec deadline{};
  pw_thread_loop_get_time(loop_.get(), &deadline, static_cast<int64_t>(timeout.count()) * SPA_NSEC_PER_MSEC);
  while (!done_ && !broken_) {
    if (pw_thread_loop_timed_wait_full(loop_.get(), &deadline) != 0) {
      return fail(Errc::timeout, "capture",
                  "the PipeWire daemon did not answer within " + std::to_string(timeout.count()) + " ms");
    }
  }
  if (broken_) return fail(Errc::pipewire, "capture", "the PipeWire connection failed");
  return {};
}

}  // namespace zc::capture
