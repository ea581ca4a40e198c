#pragma once
// RAII owners for the C handles the test source holds: PipeWire objects, file descriptors and
// memory mappings. Header-only; internal to zc_test_source (tests use them too).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <utility>

#include <pipewire/pipewire.h>

#include "core/unique_fd.hpp"

namespace zc::testsrc {

struct ThreadLoopDeleter {
  void operator()(pw_thread_loop* l) const {
    pw_thread_loop_stop(l);
    pw_thread_loop_destroy(l);
  }
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

using ThreadLoopPtr = std::unique_ptr<pw_thread_loop, ThreadLoopDeleter>;
using ContextPtr = std::unique_ptr<pw_context, ContextDeleter>;
using CorePtr = std::unique_ptr<pw_core, CoreDeleter>;
using StreamPtr = std::unique_ptr<pw_stream, StreamDeleter>;
using ProxyPtr = std::unique_ptr<pw_proxy, ProxyDeleter>;

// Holds the thread loop's lock for a scope (the lock is recursive, so callbacks may take it too).
class LoopLock {
 public:
  explicit LoopLock(pw_thread_loop* loop) : loop_(loop) { pw_thread_loop_lock(loop_); }
  ~LoopLock() { pw_thread_loop_unlock(loop_); }
  LoopLock(const LoopLock&) = delete;
  LoopLock& operator=(const LoopLock&) = delete;

 private:
  pw_thread_loop* loop_;
};

// A source (timer, event) added to a pw_loop; destroy it with the loop's lock held.
class LoopSource {
 public:
  LoopSource() = default;
  LoopSource(pw_loop* loop, spa_source* source) : loop_(loop), source_(source) {}
  LoopSource(LoopSource&& o) noexcept : loop_(o.loop_), source_(std::exchange(o.source_, nullptr)) {}
  LoopSource& operator=(LoopSource&& o) noexcept {
    if (this != &o) {
      reset();
      loop_ = o.loop_;
      source_ = std::exchange(o.source_, nullptr);
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

using zc::UniqueFd;

class Mapping {
 public:
  Mapping() = default;
  // Maps `size` bytes of `fd` from `offset`; check valid().
  Mapping(int fd, size_t size, int prot, off_t offset = 0) : size_(size) {
    void* p = ::mmap(nullptr, size, prot, MAP_SHARED, fd, offset);
    data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  Mapping(Mapping&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~Mapping() { reset(); }
  bool valid() const { return data_ != nullptr; }
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void reset() {
    if (data_) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace zc::testsrc
