#include "output/tee_sink.hpp"

#include "core/log.hpp"

namespace zc::output {

TeeSink::TeeSink(std::vector<std::unique_ptr<Sink>> sinks) {
  entries_.reserve(sinks.size());
  for (auto& s : sinks)
    entries_.push_back({std::move(s), std::nullopt});
}

TeeSink::~TeeSink() {
  close();
}

std::string TeeSink::describe() const {
  std::lock_guard lock(mutex_);
  std::string out = "tee(";
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i) out += ", ";
    out += entries_[i].sink->describe();
  }
  return out + ")";
}

void TeeSink::detach(Entry& entry, Error error) {
  zc::log::warn("output: detaching {}: {}", entry.sink->describe(), error.describe());
  // A failed sink's close() is quick (its muxer is gone); its error is the one we keep.
  (void)entry.sink->close();
  entry.failure = std::move(error);
}

template <class F>
Result<void> TeeSink::for_each_attached(F&& f) {
  std::lock_guard lock(mutex_);
  size_t alive = 0;
  std::optional<Error> last;
  for (auto& e : entries_) {
    if (!e.failure) {
      auto r = f(*e.sink);
      if (r) {
        ++alive;
        continue;
      }
      detach(e, r.error());
    }
    last = e.failure;
  }
  if (alive > 0 || !last) return {};
  return fail(last->code, "output", "every output failed; last: " + last->describe());
}

Result<void> TeeSink::begin(const ffmpeg::StreamList& streams) {
  return for_each_attached([&](Sink& s) { return s.begin(streams); });
}

Result<void> TeeSink::write(const ffmpeg::EncodedPacket& packet) {
  return for_each_attached([&](Sink& s) { return s.write(packet); });
}

Result<void> TeeSink::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return {};
  closed_ = true;
  Result<void> result;
  for (auto& e : entries_) {
    if (e.failure) continue;
    if (auto r = e.sink->close(); !r) {
      e.failure = r.error();
      if (result) result = r;
    }
  }
  return result;
}

SinkStats TeeSink::stats() const {
  std::lock_guard lock(mutex_);
  SinkStats total;
  for (const auto& e : entries_)
    total += e.sink->stats();
  return total;
}

std::optional<Error> TeeSink::failure() const {
  std::lock_guard lock(mutex_);
  std::optional<Error> last;
  for (const auto& e : entries_) {
    if (!e.failure) return std::nullopt;
    last = e.failure;
  }
  return last;
}

void TeeSink::interrupt() {
  // Not under the mutex: interrupt() exists to unblock a write that holds it.
  for (auto& e : entries_)
    e.sink->interrupt();
}

std::vector<TeeSink::Member> TeeSink::members() const {
  std::lock_guard lock(mutex_);
  std::vector<Member> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back({e.sink->describe(), e.sink->stats(), e.failure, !e.failure});
  return out;
}

size_t TeeSink::attached() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& e : entries_)
    n += e.failure ? 0 : 1;
  return n;
}

}  // namespace zc::output
