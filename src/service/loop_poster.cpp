#include "service/loop_poster.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zc::service {

Result<std::unique_ptr<LoopPoster>> LoopPoster::create(sd_event* event) {
  std::unique_ptr<LoopPoster> p(new LoopPoster());
  p->fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (p->fd_ < 0) return fail(Errc::internal, "daemon", std::string("eventfd: ") + std::strerror(errno));
  sd_event_source* source = nullptr;
  if (int r = sd_event_add_io(event, &source, p->fd_, EPOLLIN, &LoopPoster::on_ready, p.get()); r < 0) {
    return fail(Errc::internal, "daemon", std::string("sd_event_add_io: ") + std::strerror(-r));
  }
  p->source_.reset(source);
  return p;
}

LoopPoster::~LoopPoster() {
  source_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void LoopPoster::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  const uint64_t one = 1;
  // EAGAIN only when the counter is saturated: the loop is awake anyway.
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

int LoopPoster::on_ready(sd_event_source*, int fd, uint32_t, void* userdata) {
  auto* self = static_cast<LoopPoster*>(userdata);
  uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(fd, &count, sizeof count);
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(self->mutex_);
    tasks.swap(self->tasks_);
  }
  for (auto& t : tasks)
    t();
  return 0;
}

}  // namespace zc::service
