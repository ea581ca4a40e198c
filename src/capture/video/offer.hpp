#pragma once
// What capture offers a producer: pixel formats, each with the DMA-BUF modifiers an importer has
// proven it can import, plus size and frame-rate ranges. The modifier book remembers the
// (format, modifier) pairs an importer rejected, so the next offer leaves them out.
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "core/pixel_format.hpp"

namespace zc::capture {

struct Size {
  uint32_t width = 0;
  uint32_t height = 0;
  bool operator==(const Size&) const = default;
};

struct Fraction {
  uint32_t num = 0;
  uint32_t denom = 1;
  bool operator==(const Fraction&) const = default;
};

struct FormatOffer {
  PixelFormat format = PixelFormat::BGRx;
  std::vector<uint64_t> modifiers;  // empty: shared memory only
};

struct Offer {
  std::vector<FormatOffer> formats;
  Size size_default{1920, 1080};
  Size size_min{1, 1};
  Size size_max{8192, 8192};
  Fraction rate_default{60, 1};
  Fraction rate_min{0, 1};  // 0/1: variable rate (damage-driven producers)
  Fraction rate_max{1000, 1};
};

// The formats capture asks for, in order of preference: the 32-bit RGB orders first, BGRx first of
// them (what compositors send and the GPU path imports), then the rest (offer.cpp says why).
const std::vector<PixelFormat>& default_formats();

// `formats` with the 10-bit ones moved to the front (order otherwise kept): --bit-depth 10.
std::vector<PixelFormat> ten_bit_first(std::vector<PixelFormat> formats);

// Provided by the pipeline (backed by the importer): the modifiers it can import for a format.
// Called on the PipeWire thread whenever params are (re)built.
class ModifierSource {
 public:
  virtual ~ModifierSource() = default;
  virtual std::vector<uint64_t> modifiers(PixelFormat format) = 0;
};

// Builds an offer for `formats` with the modifiers `source` reports (none when source is null).
Offer make_offer(const std::vector<PixelFormat>& formats, ModifierSource* source);

// Failed (format, modifier) pairs. Thread-safe: importers report from any thread.
class ModifierBook {
 public:
  // True if the pair was new.
  bool record_failed(PixelFormat format, uint64_t modifier);
  bool failed(PixelFormat format, uint64_t modifier) const;
  size_t failed_count() const;
  // `offer` without the failed pairs (a format whose modifiers all failed keeps shared memory).
  Offer filter(Offer offer) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<PixelFormat, uint64_t>> failed_;
};

}  // namespace zc::capture
