#pragma once
// A fake GPU importer behind the Importer interface: it offers a modifier list, refuses chosen
// modifiers (Errc::rejected), fails from the Nth frame on (Errc::gpu), and otherwise "imports"
// by copying the memfd-backed dmabuf's pixels like the CPU importer does (its bytes are linear
// whatever the modifier says), and reports a chosen GPU time per frame. What it saw is recorded for the test to check.
#include <algorithm>
#include <memory>
#include <mutex>
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
};

class FakeGpuImporter final : public zerocopy::Importer {
 public:
  struct Behaviour {
    std::vector<uint64_t> offer;    // supported_modifiers()
    std::vector<uint64_t> reject;   // refused with Errc::rejected
    uint64_t fail_from = 0;         // 1-based import() call from which every one fails; 0: never
    uint64_t gpu_ns_per_frame = 0;  // GPU time gpu_time() reports per imported frame (a stand-in)
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
    }
    return out;
  }
  void forget(uint64_t buffer_id) override { cpu_.forget(buffer_id); }
  zerocopy::GpuTime gpu_time() const override { return {imported_, imported_ * b_.gpu_ns_per_frame}; }

 private:
  Behaviour b_;
  std::shared_ptr<FakeImportLog> log_;
  zerocopy::CpuImporter cpu_;
  uint64_t imported_ = 0;
};

}  // namespace zc::test
