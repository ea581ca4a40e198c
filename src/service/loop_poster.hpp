#pragma once
// Hands work to the sd-event loop's thread from any other thread (sd-bus is not thread-safe):
// tasks are queued under a mutex and an eventfd wakes the loop, which runs them in order.
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/error.hpp"
#include "service/bus_names.hpp"

namespace zc::service {

class LoopPoster {
 public:
  static Result<std::unique_ptr<LoopPoster>> create(sd_event* event);
  ~LoopPoster();
  LoopPoster(const LoopPoster&) = delete;
  LoopPoster& operator=(const LoopPoster&) = delete;

  // Thread-safe; never blocks. Tasks still queued when the poster is destroyed are dropped.
  void post(std::function<void()> task);

 private:
  LoopPoster() = default;
  static int on_ready(sd_event_source* source, int fd, uint32_t revents, void* userdata);

  int fd_ = -1;
  EventSourcePtr source_;
  std::mutex mutex_;
  std::vector<std::function<void()>> tasks_;
};

}  // namespace zc::service
