#pragma once
// Names the calling thread as `top -H`, `ps -L`, perf and debuggers show it, so a user can see
// which part of zerocast spends the CPU. Linux keeps 15 characters; a longer name is cut there.
#include <pthread.h>

#include <cstring>

namespace zc {

inline void name_this_thread(const char* name) {
  char cut[16] = {};
  std::strncpy(cut, name, sizeof cut - 1);
  pthread_setname_np(pthread_self(), cut);
}

// Names the calling thread `name` for its scope, for the threads a library starts there and that
// inherit the name: PipeWire 0.3's context starts its data loop (where RT_PROCESS streams run) with
// no name of its own, so it would carry whatever the creating thread is called.
class ThreadNameScope {
 public:
  explicit ThreadNameScope(const char* name) {
    pthread_getname_np(pthread_self(), saved_, sizeof saved_);
    name_this_thread(name);
  }
  ~ThreadNameScope() { pthread_setname_np(pthread_self(), saved_); }
  ThreadNameScope(const ThreadNameScope&) = delete;
  ThreadNameScope& operator=(const ThreadNameScope&) = delete;

 private:
  char saved_[16] = {};
};

}  // namespace zc
