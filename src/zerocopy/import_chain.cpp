#include "zerocopy/import_chain.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace zc::zerocopy {

ImportChain::ImportChain(std::unique_ptr<zerocopy::Importer> primary, std::unique_ptr<zerocopy::Importer> cpu)
    : primary_(std::move(primary)), cpu_(std::move(cpu)), primary_enabled_(primary_ != nullptr) {}

std::vector<uint64_t> ImportChain::modifiers(PixelFormat format) const {
  // The GPU passes, and the CPU importer's LINEAR dmabufs, take 32-bit RGB only: every other
  // format is offered as shared memory.
  if (!is_packed_rgb(format)) return {};
  if (!primary_enabled()) return cpu_->supported_modifiers(format);
  return primary_->supported_modifiers(format);
}

Result<DeviceFrame> ImportChain::import(const Frame& frame, const zerocopy::ImportTarget& target,
                                        const RejectFn& on_reject) {
  // GPU importers take dmabufs; shared memory always goes the CPU way.
  if (frame.memory == MemoryKind::DmaBuf && primary_enabled()) {
    auto imported = primary_->import(frame, target);
    std::unique_lock lock(mutex_);
    if (imported) {
      consecutive_failures_ = 0;
      last_ = Last::primary;
      return imported;
    }
    // The buffer's implicit fence never signalled: no importer may read it. The frame is dropped
    // (the caller counts it); it says nothing about the importer, and the CPU path would only
    // wait for the same fence again.
    if (imported.error().code == Errc::timeout) return imported;
    ++primary_failures_;
    const Error& e = imported.error();
    // A rejection is about one (format, modifier), not the importer: renegotiation takes that pair
    // away, once. Buffers of it still in flight until then are rejected too, and must neither ask
    // again nor count towards giving the importer up (that would skip the next modifier).
    const bool rejected = e.code == Errc::rejected;
    bool renegotiate = false;
    if (rejected) {
      const std::pair<PixelFormat, uint64_t> pair{frame.format, frame.modifier};
      if (std::find(rejected_.begin(), rejected_.end(), pair) == rejected_.end()) {
        rejected_.push_back(pair);
        renegotiate = true;
      }
    } else {
      ++consecutive_failures_;
    }
    const std::string what = e.describe();
    if (std::find(logged_.begin(), logged_.end(), what) == logged_.end() && logged_.size() < 32) {
      logged_.push_back(what);
      zc::log::warn("import: {} failed on {} modifier {:#x}: {}; this frame goes the CPU way", primary_->name(),
                    zc::to_string(frame.format), frame.modifier, what);
    }
    if (consecutive_failures_ >= kDisableAfter && primary_enabled_) {
      primary_enabled_ = false;
      disabled_reason_ = what;
      renegotiate = true;
      zc::log::warn("import: {} disabled for this stream after {} failures in a row; continuing on the CPU path",
                    primary_->name(), consecutive_failures_);
    }
    lock.unlock();
    if (renegotiate && on_reject) on_reject(frame.format, frame.modifier);
    auto fallback = cpu_->import(frame, target);
    if (fallback) {
      lock.lock();
      ++fallbacks_;
      last_ = Last::cpu_fallback;
    }
    return fallback;
  }
  auto imported = cpu_->import(frame, target);
  if (imported) {
    std::lock_guard lock(mutex_);
    // The GPU passes take 32-bit RGB only: capture offers every other format as shared memory.
    last_ = is_packed_rgb(frame.format) ? Last::cpu_shared_memory : Last::cpu_format;
    last_format_ = frame.format;
  }
  return imported;
}

bool ImportChain::reads_done(uint64_t buffer_id, bool wait) {
  // The primary is asked even when disabled: a read it left in flight before is still its own.
  return (!primary_ || primary_->reads_done(buffer_id, wait)) && cpu_->reads_done(buffer_id, wait);
}

void ImportChain::prepare(const zerocopy::ImportTarget& target, bool dmabuf) {
  if (!dmabuf || !primary_enabled()) cpu_->prepare(target);
}

Result<DeviceFrame> ImportChain::redraw_cursor(const Cursor& cursor, uint64_t sequence,
                                               const zerocopy::ImportTarget& target) {
  Last last = Last::none;
  {
    std::lock_guard lock(mutex_);
    last = last_;
  }
  if (last == Last::none) return fail(Errc::unsupported, "import", "no picture yet to draw a pointer move on");
  return (last == Last::primary ? *primary_ : *cpu_).redraw_cursor(cursor, sequence, target);
}

void ImportChain::forget(uint64_t buffer_id) {
  if (primary_) primary_->forget(buffer_id);
  cpu_->forget(buffer_id);
}

std::string ImportChain::path() const {
  std::lock_guard lock(mutex_);
  std::string cpu(cpu_->name());
  if (!primary_) return cpu;
  std::string gpu(primary_->name());
  if (!primary_enabled_) return cpu + " (" + gpu + " disabled: " + disabled_reason_ + ")";
  switch (last_) {
    case Last::none:
      return gpu + " (no frame yet)";
    case Last::primary:
      return gpu;
    case Last::cpu_shared_memory:
      return cpu + " (the producer sends shared memory)";
    case Last::cpu_format:
      return cpu + " (format " + std::string(zc::to_string(last_format_)) + " is not imported on the GPU)";
    case Last::cpu_fallback:
      return cpu + " (" + gpu + " failed on the last frame)";
  }
  return cpu;
}

bool ImportChain::primary_enabled() const {
  std::lock_guard lock(mutex_);
  return primary_enabled_;
}

uint64_t ImportChain::primary_failures() const {
  std::lock_guard lock(mutex_);
  return primary_failures_;
}

uint64_t ImportChain::fallbacks() const {
  std::lock_guard lock(mutex_);
  return fallbacks_;
}

}  // namespace zc::zerocopy
