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
    ImportTarget host = target;
    host.memory = FrameMemory::Cpu;
    return inner_.import(frame, host);
  }
  void forget(uint64_t buffer_id) override { inner_.forget(buffer_id); }
  bool reads_done(uint64_t buffer_id, bool wait) override { return inner_.reads_done(buffer_id, wait); }
  ConvertedPixels converted_pixels() const override { return inner_.converted_pixels(); }

 private:
  CpuImporter inner_;
  std::string name_;
};

}  // namespace zc::zerocopy
