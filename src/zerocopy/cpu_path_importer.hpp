#pragma once
// The CPU importer under the name the user sees in the import path ("cpu (why the CPU path
// runs)"). It always produces host frames: an encoder fed CUDA frames uploads what it hands it.
#include <string>
#include <utility>

#include "zerocopy/cpu/cpu_importer.hpp"

namespace zc::zerocopy {

class CpuPathImporter final : public Importer {
 public:
  explicit CpuPathImporter(std::string name, CpuImportOptions options = {}) : inner_(options), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::vector<uint64_t> supported_modifiers(PixelFormat format) const override {
    return inner_.supported_modifiers(format);
  }
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) override {
    return inner_.import(frame, host(target));
  }
  Result<DeviceFrame> redraw_cursor(const Cursor& cursor, uint64_t sequence, const ImportTarget& target) override {
    return inner_.redraw_cursor(cursor, sequence, host(target));
  }
  void prepare(const ImportTarget& target) override { inner_.prepare(host(target)); }
  void forget(uint64_t buffer_id) override { inner_.forget(buffer_id); }
  bool reads_done(uint64_t buffer_id, bool wait) override { return inner_.reads_done(buffer_id, wait); }
  ConvertedPixels converted_pixels() const override { return inner_.converted_pixels(); }

 private:
  static ImportTarget host(ImportTarget target) {
    target.memory = FrameMemory::Cpu;
    return target;
  }

  CpuImporter inner_;
  std::string name_;
};

}  // namespace zc::zerocopy
