#pragma once
// A pool of reusable resources of one shape (pitched CUDA buffers, CPU planes). acquire() hands
// out a Lease; when the Lease dies the resource goes back to the free list (or is destroyed if
// the pool is gone). No per-frame allocation in steady state: the counters prove it.
//
// A pooled type derives from Pooled<Self>; any pooled object can travel type-erased as a
// `Storage` (std::unique_ptr<Recyclable, Recycle>), e.g. inside a DeviceFrame.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace zc {

class Recyclable {
 public:
  virtual ~Recyclable() = default;
  // Called instead of delete when the last owner lets go.
  virtual void recycle() = 0;
};

struct Recycle {
  void operator()(Recyclable* r) const {
    if (r) r->recycle();
  }
};

template <class R>
using Lease = std::unique_ptr<R, Recycle>;
using Storage = std::unique_ptr<Recyclable, Recycle>;

struct PoolCounters {
  uint64_t created = 0;      // resources made by the factory
  uint64_t acquired = 0;     // leases handed out
  uint64_t reused = 0;       // leases served from the free list
  uint64_t outstanding = 0;  // leases alive now
};

template <class R>
class Pool;

namespace detail {
template <class R>
struct PoolState {
  std::mutex mutex;
  std::vector<std::unique_ptr<R>> free;
  PoolCounters counters;
  size_t max_free = 16;
};
}  // namespace detail

template <class R>
class Pooled : public Recyclable {
 public:
  void recycle() override {
    auto* self = static_cast<R*>(this);
    auto state = home_.lock();
    if (!state) {
      delete self;
      return;
    }
    std::unique_ptr<R> owned(self);
    std::lock_guard lock(state->mutex);
    --state->counters.outstanding;
    if (state->free.size() < state->max_free) state->free.push_back(std::move(owned));
  }

 private:
  friend class Pool<R>;
  std::weak_ptr<detail::PoolState<R>> home_;
};

template <class R>
class Pool {
 public:
  using Factory = std::function<std::unique_ptr<R>()>;

  explicit Pool(Factory factory, size_t max_free = 16)
      : factory_(std::move(factory)), state_(std::make_shared<detail::PoolState<R>>()) {
    state_->max_free = max_free;
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Null lease when the factory fails (returns nullptr).
  Lease<R> acquire() {
    std::unique_ptr<R> res;
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->free.empty()) {
        res = std::move(state_->free.back());
        state_->free.pop_back();
        ++state_->counters.reused;
      }
    }
    if (!res) {
      res = factory_();
      if (!res) return Lease<R>{};
      res->home_ = state_;
      std::lock_guard lock(state_->mutex);
      ++state_->counters.created;
    }
    std::lock_guard lock(state_->mutex);
    ++state_->counters.acquired;
    ++state_->counters.outstanding;
    return Lease<R>(res.release());
  }

  PoolCounters counters() const {
    std::lock_guard lock(state_->mutex);
    return state_->counters;
  }

 private:
  Factory factory_;
  std::shared_ptr<detail::PoolState<R>> state_;
};

}  // namespace zc
