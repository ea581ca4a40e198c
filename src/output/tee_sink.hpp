#pragma once
// A session's streams fanned out to several sinks. A sink that fails is detached (closed, its error and
// redacted description kept for the status report) while the others go on.
#include <memory>
#include <mutex>
#include <vector>

#include "output/sink.hpp"

namespace zc::output {

class TeeSink final : public Sink {
 public:
  struct Member {
    std::string description;  // redacted
    SinkStats stats;
    std::optional<Error> failure;
    bool attached = true;
  };

  explicit TeeSink(std::vector<std::unique_ptr<Sink>> sinks);
  ~TeeSink() override;

  std::string describe() const override;
  // Errors only once no sink is left attached.
  Result<void> begin(const ffmpeg::StreamList& streams) override;
  Result<void> write(const ffmpeg::EncodedPacket& packet) override;
  Result<void> close() override;
  SinkStats stats() const override;               // the sum over all members
  std::optional<Error> failure() const override;  // set once every member has failed
  void interrupt() override;

  std::vector<Member> members() const;  // thread-safe: for status lines and D-Bus
  size_t attached() const;

 private:
  struct Entry {
    std::unique_ptr<Sink> sink;
    std::optional<Error> failure;
  };
  template <class F>
  Result<void> for_each_attached(F&& f);
  void detach(Entry& entry, Error error);

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  bool closed_ = false;
};

}  // namespace zc::output
