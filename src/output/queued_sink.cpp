#include "output/queued_sink.hpp"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "core/log.hpp"

#include "core/thread_name.hpp"

namespace zc::output {

struct QueuedSink::State {
  struct Slot {
    ffmpeg::PacketPtr packet;  // allocated once; holds a reference to the caller's data while queued
    int64_t capture_ns = 0;
    uint32_t generation = 0;
    uint32_t stream = ffmpeg::kVideoStream;
  };

  State(std::unique_ptr<Sink> sink, QueueOptions opts)
      : inner(std::move(sink)), description(inner->describe()), options(std::move(opts)) {
    ring.resize(std::max<size_t>(options.max_packets, 1));
    for (auto& slot : ring)
      slot.packet.reset(av_packet_alloc());
  }

  // Drops everything queued (after a failure, or when closing late).
  void discard_locked() {
    while (count > 0) {
      av_packet_unref(ring[head].packet.get());
      head = (head + 1) % ring.size();
      --count;
      ++dropped;
    }
    queued_bytes = 0;
  }

  const ffmpeg::StreamList* streams_for(uint32_t generation) const {
    for (const auto& streams : generations) {
      if (ffmpeg::generation_of(streams) == generation) return &streams;
    }
    return nullptr;
  }

  void run();

  const std::unique_ptr<Sink> inner;
  const std::string description;
  const QueueOptions options;

  std::mutex mutex;
  std::condition_variable wake;      // worker: something queued, or closing
  std::condition_variable finished;  // close(): the worker is done
  std::vector<Slot> ring;
  size_t head = 0;
  size_t count = 0;
  size_t queued_bytes = 0;
  std::deque<ffmpeg::StreamList> generations;  // recent ones: the worker begin()s the inner with them
  bool waiting_for_keyframe = false;           // video only: audio packets are never held back
  bool closing = false;
  bool done = false;
  std::optional<Error> failure;
  uint64_t dropped = 0;
  Result<void> close_result;
};

void QueuedSink::State::run() {
  name_this_thread("zc-output");
  ffmpeg::EncodedPacket current;
  current.packet.reset(av_packet_alloc());
  bool begun = false;
  uint32_t generation = 0;
  std::unique_lock lock(mutex);
  for (;;) {
    wake.wait(lock, [&] { return count > 0 || closing; });
    if (count == 0) break;  // closing, and everything written
    Slot& slot = ring[head];
    av_packet_move_ref(current.packet.get(), slot.packet.get());
    current.capture_ns = slot.capture_ns;
    current.generation = slot.generation;
    current.stream = slot.stream;
    head = (head + 1) % ring.size();
    --count;
    queued_bytes -= static_cast<size_t>(current.packet->size);
    std::optional<ffmpeg::StreamList> streams;
    if (!begun || current.generation != generation) {
      if (const ffmpeg::StreamList* found = streams_for(current.generation)) streams = *found;
    }
    const bool need_begin = !begun || current.generation != generation;
    lock.unlock();

    Result<void> result;
    bool skipped = false;
    if (need_begin) {
      if (!streams) {
        skipped = true;  // a generation so old its StreamInfo is gone: nothing to mux it with
      } else if ((result = inner->begin(*streams))) {
        begun = true;
        generation = current.generation;
      }
    }
    if (result && !skipped) result = inner->write(current);
    av_packet_unref(current.packet.get());

    lock.lock();
    if (skipped) ++dropped;
    if (!result) {
      failure = result.error();
      discard_locked();
      // The writer sees the failure on its next call and detaches us; wait for close().
      wake.wait(lock, [&] { return closing; });
      break;
    }
  }
  lock.unlock();
  // After a failure the inner sink has dropped its muxer already: this is quick.
  Result<void> result = inner->close();
  lock.lock();
  close_result = failure ? tl::unexpected<Error>(*failure) : result;
  done = true;
  finished.notify_all();
}

QueuedSink::QueuedSink(std::unique_ptr<Sink> inner, QueueOptions options)
    : state_(std::make_shared<State>(std::move(inner), std::move(options))) {
  worker_ = std::thread([state = state_] { state->run(); });
}

QueuedSink::~QueuedSink() {
  if (auto r = close(); !r) zc::log::debug("output: {} closed with: {}", state_->description, r.error().message);
}

std::string QueuedSink::describe() const {
  return state_->description;
}

Result<void> QueuedSink::begin(const ffmpeg::StreamList& streams) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.failure) return tl::unexpected<Error>(*s.failure);
  auto& generations = s.generations;
  auto same = std::find_if(generations.begin(), generations.end(),
                           [&](const auto& g) { return ffmpeg::generation_of(g) == ffmpeg::generation_of(streams); });
  if (same != generations.end()) {
    *same = streams;
  } else {
    generations.push_back(streams);
    if (generations.size() > 8) generations.pop_front();
  }
  // The new generation starts with a keyframe from a fresh encoder: nothing to wait for.
  s.waiting_for_keyframe = false;
  return {};
}

Result<void> QueuedSink::write(const ffmpeg::EncodedPacket& packet) {
  assert(packet.packet && "write() without a packet");
  bool ask_keyframe = false;
  {
    std::lock_guard lock(state_->mutex);
    State& s = *state_;
    if (s.failure) {
      ++s.dropped;
      return tl::unexpected<Error>(*s.failure);
    }
    if (s.closing) return fail(Errc::internal, "output", "write() after close() on " + s.description);
    if (s.waiting_for_keyframe && packet.video() && !packet.keyframe()) {
      ++s.dropped;
      return {};
    }
    const auto size = static_cast<size_t>(packet.packet->size);
    if (s.count == s.ring.size() || (s.count > 0 && s.queued_bytes + size > s.options.max_bytes)) {
      ++s.dropped;
      // A lost audio frame is a gap in the sound only; a lost video packet breaks the pictures
      // that refer to it, up to the next keyframe. Ask only once per gap.
      if (packet.video()) {
        ask_keyframe = !s.waiting_for_keyframe;
        s.waiting_for_keyframe = true;
      }
    } else {
      State::Slot& slot = s.ring[(s.head + s.count) % s.ring.size()];
      if (av_packet_ref(slot.packet.get(), packet.packet.get()) < 0) {
        ++s.dropped;
        return {};
      }
      slot.capture_ns = packet.capture_ns;
      slot.generation = packet.generation;
      slot.stream = packet.stream;
      ++s.count;
      s.queued_bytes += size;
      if (packet.video()) s.waiting_for_keyframe = false;
      s.wake.notify_one();
    }
  }
  if (ask_keyframe && state_->options.on_keyframe_needed) state_->options.on_keyframe_needed();
  return {};
}

Result<void> QueuedSink::close() {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  if (!worker_.joinable()) return s.close_result;
  s.closing = true;
  s.wake.notify_all();
  if (!s.finished.wait_for(lock, s.options.close_timeout, [&] { return s.done; })) {
    zc::log::warn("output: {} did not drain in {} ms, interrupting", s.description, s.options.close_timeout.count());
    lock.unlock();
    s.inner->interrupt();
    lock.lock();
    if (!s.finished.wait_for(lock, s.options.abandon_after, [&] { return s.done; })) {
      // Something FFmpeg cannot interrupt (a DNS lookup, say). The worker owns a reference to
      // the state, so leaving it behind is safe; the caller goes on.
      zc::log::error("output: {} is wedged; leaving its writer thread behind", s.description);
      s.discard_locked();
      s.close_result = fail(Errc::timeout, "output", s.description + " did not close in time");
      lock.unlock();
      worker_.detach();
      return s.close_result;
    }
  }
  lock.unlock();
  worker_.join();
  return s.close_result;
}

SinkStats QueuedSink::stats() const {
  SinkStats out = state_->inner->stats();
  std::lock_guard lock(state_->mutex);
  out.dropped += state_->dropped;
  return out;
}

std::optional<Error> QueuedSink::failure() const {
  std::lock_guard lock(state_->mutex);
  return state_->failure;
}

void QueuedSink::interrupt() {
  state_->inner->interrupt();
}

size_t QueuedSink::queued() const {
  std::lock_guard lock(state_->mutex);
  return state_->count;
}

}  // namespace zc::output
