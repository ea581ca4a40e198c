#pragma once
// A fake GPU importer behind the Importer interface: it offers a modifier list, refuses chosen
// modifiers (Errc::rejected), fails from the Nth frame on (Errc::gpu), and otherwise "imports"
// by copying the memfd-backed dmabuf's pixels like the CPU importer does (its bytes are linear
// whatever the modifier says), and reports a chosen GPU time per frame. It can also leave each
// frame's "read" of its buffer in flight for a while (reads_done() says false until then), as the
// EGL bridge with deferred release does. What it saw is recorded for the test to check.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/importer.hpp"

namespace zc::test {

struct FakeImportLog {
  std::mutex mutex;
  std::vector<uint64_t> modifiers;  // per import() call, in order
  uint64_t imported = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  uint64_t kept = 0;                     // reads_done(id, false) said "not yet"
  uint64_t waited = 0;                   // reads_done(id, true) had to sleep
  uint64_t given_back = 0;               // reads_done said true after a read in flight
  uint64_t imported_while_reading = 0;   // import() of a buffer whose read was not over
  uint64_t forgotten_while_reading = 0;  // forget() of such a buffer
};

class FakeGpuImporter final : public zerocopy::Importer {
 public:
  struct Behaviour {
    std::vector<uint64_t> offer;             // supported_modifiers()
    std::vector<uint64_t> reject;            // refused with Errc::rejected
    uint64_t fail_from = 0;                  // 1-based import() call from which every one fails; 0: never
    uint64_t gpu_ns_per_frame = 0;           // GPU time gpu_time() reports per imported frame (a stand-in)
    std::chrono::microseconds read_time{0};  // each import's read of its buffer lasts this long
  };
  FakeGpuImporter(Behaviour b, std::shared_ptr<FakeImportLog> log) : b_(std::move(b)), log_(std::move(log)) {}

  std::string_view name() const override { return "fake-gpu"; }
  std::vector<uint64_t> supported_modifiers(PixelFormat) const override { return b_.offer; }
  Result<DeviceFrame> import(const Frame& frame, const zerocopy::ImportTarget& target) override {
    std::lock_guard lock(log_->mutex);
    log_->modifiers.push_back(frame.modifier);
    if (std::find(b_.reject.begin(), b_.reject.end(), frame.modifier) != b_.reject.end()) {
      ++log_->rejected;
      return fail(Errc::rejected, "fake-gpu", "modifier refused");
    }
    if (b_.fail_from && log_->modifiers.size() >= b_.fail_from) {
      ++log_->failed;
      return fail(Errc::gpu, "fake-gpu", "injected failure");
    }
    Frame linear = frame;
    linear.modifier = kModifierLinear;
    auto out = cpu_.import(linear, target);
    if (out) {
      ++log_->imported;
      ++imported_;
      if (reading_.count(frame.buffer_id)) ++log_->imported_while_reading;
      if (b_.read_time.count() > 0) reading_[frame.buffer_id] = std::chrono::steady_clock::now() + b_.read_time;
    }
    return out;
  }
  void forget(uint64_t buffer_id) override {
    {
      std::lock_guard lock(log_->mutex);
      if (reading_.count(buffer_id)) ++log_->forgotten_while_reading;
    }
    cpu_.forget(buffer_id);
  }
  bool reads_done(uint64_t buffer_id, bool wait) override {
    std::lock_guard lock(log_->mutex);
    auto it = reading_.find(buffer_id);
    if (it == reading_.end()) return true;
    if (std::chrono::steady_clock::now() < it->second) {
      if (!wait) {
        ++log_->kept;
        return false;
      }
      ++log_->waited;
      std::this_thread::sleep_until(it->second);
    }
    reading_.erase(it);
    ++log_->given_back;
    return true;
  }
  zerocopy::GpuTime gpu_time() const override { return {imported_, imported_ * b_.gpu_ns_per_frame}; }

 private:
  Behaviour b_;
  std::shared_ptr<FakeImportLog> log_;
  zerocopy::CpuImporter cpu_;
  uint64_t imported_ = 0;
  std::map<uint64_t, std::chrono::steady_clock::time_point> reading_;  // guarded by log_->mutex
};

}  // namespace zc::test
