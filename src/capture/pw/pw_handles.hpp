#pragma once
// RAII owners for PipeWire's C handles, and the thread-loop lock guard (WebRTC style), for every
// PipeWire client of ours: capture, the test source, the tests' producers and consumers.
// pw_thread_loop_destroy stops the loop's thread first. Destroy order matters: a hook goes before the object it listens
// to, the objects before the loop; the owners below are declared in that order by their users.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>

#include <pipewire/pipewire.h>

namespace zc::capture::pw {

// pw_init, once per process (PipeWire allows more calls, but they only count references).
void ensure_init();

struct ThreadLoopDeleter {
  void operator()(pw_thread_loop* l) const { pw_thread_loop_destroy(l); }
};
struct ContextDeleter {
  void operator()(pw_context* c) const { pw_context_destroy(c); }
};
struct CoreDeleter {
  void operator()(pw_core* c) const { pw_core_disconnect(c); }
};
struct StreamDeleter {
  void operator()(pw_stream* s) const { pw_stream_destroy(s); }
};
struct ProxyDeleter {
  void operator()(pw_proxy* p) const { pw_proxy_destroy(p); }
};
struct RegistryDeleter {
  void operator()(pw_registry* r) const { pw_proxy_destroy(reinterpret_cast<pw_proxy*>(r)); }
};
struct PropertiesDeleter {
  void operator()(pw_properties* p) const { pw_properties_free(p); }
};

using ThreadLoopPtr = std::unique_ptr<pw_thread_loop, ThreadLoopDeleter>;
using ContextPtr = std::unique_ptr<pw_context, ContextDeleter>;
using CorePtr = std::unique_ptr<pw_core, CoreDeleter>;
using StreamPtr = std::unique_ptr<pw_stream, StreamDeleter>;
using ProxyPtr = std::unique_ptr<pw_proxy, ProxyDeleter>;
using RegistryPtr = std::unique_ptr<pw_registry, RegistryDeleter>;
using PropertiesPtr = std::unique_ptr<pw_properties, PropertiesDeleter>;

// pw_context_new on `loop`, with the data loop it starts (where RT_PROCESS streams run) named
// "zc-pw-data": PipeWire 0.3 starts it unnamed, so it would carry the creating thread's name.
// Null on failure (errno says why). Without `lock_buffers` PipeWire does not mlock the buffers it
// maps for this context's streams (its default, `mem.allow-mlock`, suits small audio buffers
// read on a real-time thread; a video frame is megabytes, read once per frame).
ContextPtr new_context(pw_loop* loop, bool lock_buffers = true);

// For pw_loop_update_timer: a zero value would disarm the timer, so the shortest is 1 ns.
inline timespec timer_value(std::chrono::nanoseconds d) {
  const auto ns = std::max<int64_t>(d.count(), 1);
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

// A listener registration; removed when it dies (or earlier with reset()).
class Hook {
 public:
  Hook() = default;
  Hook(const Hook&) = delete;
  Hook& operator=(const Hook&) = delete;
  ~Hook() { reset(); }

  spa_hook* get() { return &hook_; }
  void reset() {
    if (spa_list_is_initialized(&hook_.link)) spa_hook_remove(&hook_);
    hook_ = spa_hook{};
  }

 private:
  spa_hook hook_{};
};

// Holds the thread loop's (recursive) lock for a scope. Callbacks already run with it held.
class LoopLock {
 public:
  explicit LoopLock(pw_thread_loop* loop) : loop_(loop) { pw_thread_loop_lock(loop_); }
  ~LoopLock() { pw_thread_loop_unlock(loop_); }
  LoopLock(const LoopLock&) = delete;
  LoopLock& operator=(const LoopLock&) = delete;

 private:
  pw_thread_loop* loop_;
};

// An event or timer source on a loop. Destroy it with the loop lock held (or the loop stopped).
class LoopSource {
 public:
  LoopSource() = default;
  LoopSource(pw_loop* loop, spa_source* source) : loop_(loop), source_(source) {}
  LoopSource(const LoopSource&) = delete;
  LoopSource& operator=(const LoopSource&) = delete;
  LoopSource(LoopSource&& o) noexcept : loop_(o.loop_), source_(o.source_) { o.source_ = nullptr; }
  LoopSource& operator=(LoopSource&& o) noexcept {
    if (this != &o) {
      reset();
      loop_ = o.loop_;
      source_ = o.source_;
      o.source_ = nullptr;
    }
    return *this;
  }
  ~LoopSource() { reset(); }

  spa_source* get() const { return source_; }
  pw_loop* loop() const { return loop_; }
  explicit operator bool() const { return source_ != nullptr; }
  void reset() {
    if (source_) pw_loop_destroy_source(loop_, source_);
    source_ = nullptr;
  }

 private:
  pw_loop* loop_ = nullptr;
  spa_source* source_ = nullptr;
};

}  // namespace zc::capture::pw
