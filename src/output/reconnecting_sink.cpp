#include "output/reconnecting_sink.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace zc::output {

ReconnectingSink::ReconnectingSink(std::string description, SinkFactory factory, ReconnectOptions options)
    : description_(std::move(description)),
      factory_(std::move(factory)),
      options_(std::move(options)),
      backoff_(options_.initial_backoff) {}

ReconnectingSink::~ReconnectingSink() {
  (void)close();
}

std::unique_ptr<Sink> ReconnectingSink::take_inner() {
  std::lock_guard lock(mutex_);
  if (inner_) past_ += inner_->stats();
  return std::move(inner_);
}

void ReconnectingSink::lose(const Error& error, int64_t now_ns) {
  if (auto old = take_inner()) (void)old->close();  // quick: a failed sink has dropped its muxer
  const bool first = unreachable_since_ns_ == 0;
  if (first) unreachable_since_ns_ = now_ns;
  bool was_connected = false;
  {
    std::lock_guard lock(mutex_);
    ++status_.failures;
    was_connected = status_.connected;
    status_.connected = false;
    status_.last_error = error;
  }
  // Said once per loss; the attempts after it at info level (-v), FFmpeg's own lines for them at debug.
  const auto level = first ? zc::log::Level::warn : zc::log::Level::info;
  zc::log::at(level, "output: {} {}: {}; retrying in {} ms{}", description_,
              was_connected ? "lost"
              : first       ? "unreachable"
                            : "still unreachable",
              error.describe(), backoff_.count(),
              first && options_.give_up_after.count() > 0
                  ? fmt::format(" (giving up after {:g} s without a peer)",
                                static_cast<double>(options_.give_up_after.count()) / 1000.0)
                  : "");
  next_attempt_ns_ = now_ns + std::chrono::nanoseconds(backoff_).count();
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  asked_keyframe_ = false;
}

bool ReconnectingSink::try_connect(int64_t now_ns) {
  // A retry's refusal is reported by lose(), once; the sink's and FFmpeg's lines would repeat it.
  std::optional<zc::log::QuietThread> quiet;
  if (unreachable_since_ns_ != 0) quiet.emplace();
  auto made = factory_();
  if (!made) {
    lose(made.error(), now_ns);
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    inner_ = std::move(*made);
  }
  fresh_ = true;
  if (streams_) {
    if (auto ok = inner_->begin(*streams_); !ok) {
      lose(ok.error(), now_ns);
      return false;
    }
  }
  return true;
}

Result<void> ReconnectingSink::begin(const ffmpeg::StreamList& streams) {
  if (closed_) return fail(Errc::internal, "output", "begin() after close() on " + description_);
  streams_ = streams;
  if (!inner_) {
    // The first connection is made at once; later ones wait for their backoff (in write()).
    if (next_attempt_ns_ == 0) (void)try_connect(monotonic_ns());
    return {};
  }
  if (auto ok = inner_->begin(streams); !ok) lose(ok.error(), monotonic_ns());
  return {};
}

Result<void> ReconnectingSink::write(const ffmpeg::EncodedPacket& packet) {
  if (closed_) return fail(Errc::internal, "output", "write() after close() on " + description_);
  bool interrupted = false;
  {
    std::lock_guard lock(mutex_);
    interrupted = interrupted_;
  }
  const int64_t now = monotonic_ns();
  if (!inner_ && !interrupted && gave_up(now)) {
    std::string why;
    {
      std::lock_guard lock(mutex_);
      if (status_.last_error) why = " (" + status_.last_error->message + ")";
    }
    return fail(Errc::io, "output",
                fmt::format("{}: no peer for {:g} s, gave up{}", description_,
                            static_cast<double>(options_.give_up_after.count()) / 1000.0, why));
  }
  if (!inner_) {
    const bool due = !interrupted && streams_ && now >= next_attempt_ns_;
    if (due && packet.video() && !packet.keyframe()) {
      // A new peer can only start at a video keyframe: ask for one now rather than wait a GOP.
      if (!asked_keyframe_ && options_.on_keyframe_needed) options_.on_keyframe_needed();
      asked_keyframe_ = true;
    }
    if (!due || !packet.video_keyframe() || !try_connect(now)) {
      std::lock_guard lock(mutex_);
      ++dropped_;
      return {};
    }
  }
  Result<void> written;
  {
    // A new peer's first write opens it: a retry's refusal is reported by lose(), once.
    std::optional<zc::log::QuietThread> quiet;
    if (fresh_ && unreachable_since_ns_ != 0) quiet.emplace();
    written = inner_->write(packet);
  }
  if (!written) {
    lose(written.error(), now);
    return {};
  }
  if (fresh_ && inner_->stats().packets > 0) {
    // The new peer took a packet: it is connected, the backoff starts over.
    fresh_ = false;
    backoff_ = options_.initial_backoff;
    unreachable_since_ns_ = 0;
    std::lock_guard lock(mutex_);
    if (status_.failures > 0) {
      ++status_.reconnects;
      zc::log::info("output: {} reconnected (after {} failures)", description_, status_.failures);
    }
    status_.connected = true;
  }
  return {};
}

bool ReconnectingSink::gave_up(int64_t now_ns) const {
  return options_.give_up_after.count() > 0 && unreachable_since_ns_ != 0 &&
         now_ns - unreachable_since_ns_ >= std::chrono::nanoseconds(options_.give_up_after).count();
}

Result<void> ReconnectingSink::close() {
  if (closed_) return {};
  closed_ = true;
  auto inner = take_inner();
  if (!inner) return {};
  return inner->close();
}

SinkStats ReconnectingSink::stats() const {
  std::lock_guard lock(mutex_);
  SinkStats s = past_;
  if (inner_) s += inner_->stats();
  s.dropped += dropped_;
  return s;
}

void ReconnectingSink::interrupt() {
  std::lock_guard lock(mutex_);
  interrupted_ = true;
  if (inner_) inner_->interrupt();
}

ReconnectStatus ReconnectingSink::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

}  // namespace zc::output
