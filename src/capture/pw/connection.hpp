#pragma once
// One connection to a PipeWire daemon: a thread loop, a context and a core, torn down in the
// right order. Stream and the registry queries build on it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "capture/pw/pw_handles.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace zc::capture {

class Connection {
 public:
  // Called on the loop thread for errors on the core object itself (id PW_ID_CORE); res is a
  // negative errno (-EPIPE: the daemon went away). Not for -ENOENT, "unknown resource N": a proxy
  // destroyed just after the server removed its object (counted in gone_object_errors()).
  using CoreErrorHandler = std::function<void(int res, const std::string& message)>;

  // Connects over `fd` when there is one (the portal's OpenPipeWireRemote; PipeWire owns it from
  // then on), else to the default daemon of this environment. The loop is not running yet.
  // `lock_buffers`: see pw::new_context (video streams pass false).
  static Result<std::unique_ptr<Connection>> open(const std::string& name, UniqueFd fd = {}, bool lock_buffers = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Set before start().
  void set_core_error_handler(CoreErrorHandler handler) { on_core_error_ = std::move(handler); }
  Result<void> start();

  pw_thread_loop* thread_loop() const { return loop_.get(); }
  pw_loop* loop() const { return pw_thread_loop_get_loop(loop_.get()); }
  pw_core* core() const { return core_.get(); }
  pw::LoopLock lock() const { return pw::LoopLock(loop_.get()); }

  // Waits until the daemon has processed everything sent so far (and we have received its
  // answers). Call with the loop running and the lock held (it is released while waiting).
  Result<void> roundtrip(std::chrono::milliseconds timeout);

  // Loop thread (or with the lock held): the "unknown resource" errors taken as the race they are.
  uint32_t gone_object_errors() const { return gone_object_errors_; }

 private:
  Connection() = default;
  static const pw_core_events& events();
  static void on_done(void* data, uint32_t id, int seq);
  static void on_error(void* data, uint32_t id, int seq, int res, const char* message);

  pw::ThreadLoopPtr loop_;
  pw::ContextPtr context_;
  pw::CorePtr core_;
  pw::Hook core_hook_;
  CoreErrorHandler on_core_error_;
  int pending_seq_ = -1;
  bool done_ = false;
  bool broken_ = false;
  bool running_ = false;
  uint32_t gone_object_errors_ = 0;
};

}  // namespace zc::capture
