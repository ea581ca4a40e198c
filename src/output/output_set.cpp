#include "output/output_set.hpp"

#include <cstring>
#include <unordered_map>

#include "core/log.hpp"
#include "output/format_sink.hpp"
#include "output/open_sink.hpp"
#include "output/queued_sink.hpp"

namespace zc::output {

bool same_stream_parameters(const AVCodecParameters& a, const AVCodecParameters& b) {
  return a.codec_id == b.codec_id && a.width == b.width && a.height == b.height && a.format == b.format &&
         a.sample_rate == b.sample_rate && a.ch_layout.nb_channels == b.ch_layout.nb_channels &&
         a.extradata_size == b.extradata_size &&
         (a.extradata_size == 0 || std::memcmp(a.extradata, b.extradata, static_cast<size_t>(a.extradata_size)) == 0);
}

bool same_streams(const ffmpeg::StreamList& a, const ffmpeg::StreamList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].params || !b[i].params || a[i].kind != b[i].kind || !same_stream_parameters(*a[i].params, *b[i].params)) {
      return false;
    }
  }
  return true;
}

// What a pipeline writes to: the outputs' tee with generations made continuous across pipelines.
class OutputSet::Handle final : public output::Sink {
 public:
  explicit Handle(OutputSet& set) : set_(set) { work_.packet.reset(av_packet_alloc()); }

  std::string describe() const override { return set_.tee_->describe(); }
  Result<void> begin(const ffmpeg::StreamList& streams) override {
    const auto generation = set_.generation_for(streams);
    if (!generation) return fail(Errc::internal, "output", "begin() after the outputs were closed");
    local_to_set_[ffmpeg::generation_of(streams)] = *generation;
    ffmpeg::StreamList mapped = streams;
    for (auto& s : mapped)
      s.generation = *generation;
    return set_.tee_->begin(mapped);
  }
  Result<void> write(const ffmpeg::EncodedPacket& packet) override {
    auto it = local_to_set_.find(packet.generation);
    if (it == local_to_set_.end()) return {};
    if (av_packet_ref(work_.packet.get(), packet.packet.get()) < 0) return {};
    work_.capture_ns = packet.capture_ns;
    work_.generation = it->second;
    work_.stream = packet.stream;
    auto result = set_.tee_->write(work_);
    av_packet_unref(work_.packet.get());
    return result;
  }
  // The outputs outlive this pipeline: the capture closes them.
  Result<void> close() override { return {}; }
  output::SinkStats stats() const override { return set_.tee_->stats(); }
  std::optional<Error> failure() const override { return set_.tee_->failure(); }
  void interrupt() override {}

 private:
  OutputSet& set_;
  ffmpeg::EncodedPacket work_;  // reused: a reference to the pipeline's packet with the set's generation
  std::unordered_map<uint32_t, uint32_t> local_to_set_;
};

Result<std::unique_ptr<OutputSet>> OutputSet::open(OutputSetOptions options) {
  std::unique_ptr<OutputSet> set(new OutputSet());
  std::vector<std::unique_ptr<output::Sink>> sinks;
  for (const auto& spec : options.specs) {
    auto target = output::parse_target(spec);
    if (!target) return tl::unexpected(target.error());
    if (options.audio_codec) {
      if (auto ok = output::check_compatible(*options.audio_codec, *target); !ok) return tl::unexpected(ok.error());
    }
    if (!target->network()) {
      auto sink = output::open_sink(spec, options.codec);
      if (!sink) return tl::unexpected(sink.error());
      set->reconnecting_.push_back(nullptr);
      sinks.push_back(std::move(*sink));
      continue;
    }
    log::add_url_secrets(spec);
    if (auto ok = output::check_compatible(options.codec, *target); !ok) return tl::unexpected(ok.error());
    const std::string description = target->redacted;
    output::SinkFactory factory = [target = *target]() -> Result<std::unique_ptr<output::Sink>> {
      return std::unique_ptr<output::Sink>(std::make_unique<output::FormatSink>(target));
    };
    auto reconnecting = std::make_unique<output::ReconnectingSink>(description, std::move(factory), options.reconnect);
    set->reconnecting_.push_back(reconnecting.get());
    output::QueueOptions queue;
    queue.on_keyframe_needed = options.reconnect.on_keyframe_needed;
    sinks.push_back(std::make_unique<output::QueuedSink>(std::move(reconnecting), queue));
  }
  if (options.replay) {
    auto ring = std::make_unique<output::ReplayRing>(*options.replay);
    set->replay_ = ring.get();
    sinks.push_back(std::move(ring));
  }
  if (sinks.empty()) return fail(Errc::invalid_argument, "output", "no output and no replay buffer");
  set->tee_ = std::make_unique<output::TeeSink>(std::move(sinks));
  return set;
}

OutputSet::~OutputSet() {
  (void)close();
}

std::unique_ptr<output::Sink> OutputSet::attach() {
  return std::make_unique<Handle>(*this);
}

std::optional<uint32_t> OutputSet::generation_for(const ffmpeg::StreamList& streams) {
  std::lock_guard lock(mutex_);
  if (closed_) return std::nullopt;
  if (begun_ && same_streams(last_streams_, streams)) return generation_;
  if (begun_) ++generation_;
  begun_ = true;
  last_streams_ = streams;
  return generation_;
}

std::vector<OutputStatus> OutputSet::status() const {
  const auto members = tee_->members();
  std::vector<OutputStatus> out;
  for (size_t i = 0; i < reconnecting_.size() && i < members.size(); ++i) {
    const auto& m = members[i];
    OutputStatus s;
    s.description = m.description;
    s.name = m.description;
    s.packets = m.stats.packets;
    if (reconnecting_[i]) {
      const auto rs = reconnecting_[i]->status();
      s.network = true;
      s.connected = rs.connected && !m.failure;
      s.failures = rs.failures;
      s.reconnects = rs.reconnects;
      if (rs.last_error) s.last_error = rs.last_error->message;
      if (!rs.connected && rs.last_error && !m.failure)
        s.description += " (reconnecting: " + rs.last_error->message + ")";
    }
    if (m.failure) {
      s.description += " (failed: " + m.failure->message + ")";
      s.failed = true;
      s.last_error = m.failure->message;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> OutputSet::take_new_failures() {
  const auto members = tee_->members();
  std::lock_guard lock(mutex_);
  std::vector<std::string> fresh;
  for (const auto& m : members) {
    if (!m.failure) continue;
    const std::string line = m.description + ": " + m.failure->describe();
    bool seen = false;
    for (const auto& r : reported_)
      seen = seen || r == line;
    if (seen) continue;
    reported_.push_back(line);
    fresh.push_back(log::scrub(line));
  }
  return fresh;
}

uint64_t OutputSet::reconnects() const {
  uint64_t n = 0;
  for (const auto* s : reconnecting_)
    n += s ? s->status().reconnects : 0;
  return n;
}

output::SinkStats OutputSet::stats() const {
  return tee_->stats();
}

Result<void> OutputSet::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return {};
    closed_ = true;
  }
  return tee_ ? tee_->close() : Result<void>{};  // no tee: open() refused an output
}

}  // namespace zc::output
