#include "capture/video/offer.hpp"

#include <algorithm>

namespace zc::capture {

const std::vector<PixelFormat>& default_formats() {
  // PipeWire picks the first of the consumer's EnumFormats that the producer also offers (it
  // enumerates ours and filters the producer's by each): screen formats first, so compositors keep
  // sending what they sent before capture took more; then 10-bit RGB, 24-bit RGB, the YUV formats
  // of players and cameras, and MJPEG last (decoding costs more than any raw conversion).
  static const std::vector<PixelFormat> formats{
      PixelFormat::BGRx,       PixelFormat::BGRA,       PixelFormat::RGBx,       PixelFormat::RGBA,
      PixelFormat::xRGB,       PixelFormat::xBGR,       PixelFormat::ARGB,       PixelFormat::ABGR,
      PixelFormat::xRGB_210LE, PixelFormat::xBGR_210LE, PixelFormat::RGBx_102LE, PixelFormat::BGRx_102LE,
      PixelFormat::ARGB_210LE, PixelFormat::ABGR_210LE, PixelFormat::RGBA_102LE, PixelFormat::BGRA_102LE,
      PixelFormat::RGB,        PixelFormat::BGR,        PixelFormat::NV12,       PixelFormat::I420,
      PixelFormat::YV12,       PixelFormat::YUY2,       PixelFormat::UYVY,       PixelFormat::MJPG};
  return formats;
}

std::vector<PixelFormat> ten_bit_first(std::vector<PixelFormat> formats) {
  std::stable_partition(formats.begin(), formats.end(), [](PixelFormat f) { return bit_depth(f) > 8; });
  return formats;
}

Offer make_offer(const std::vector<PixelFormat>& formats, ModifierSource* source) {
  Offer offer;
  offer.formats.reserve(formats.size());
  for (PixelFormat f : formats) {
    FormatOffer fo{f, {}};
    if (source) fo.modifiers = source->modifiers(f);
    offer.formats.push_back(std::move(fo));
  }
  return offer;
}

bool ModifierBook::record_failed(PixelFormat format, uint64_t modifier) {
  std::lock_guard lock(mutex_);
  const auto pair = std::make_pair(format, modifier);
  if (std::find(failed_.begin(), failed_.end(), pair) != failed_.end()) return false;
  failed_.push_back(pair);
  return true;
}

bool ModifierBook::failed(PixelFormat format, uint64_t modifier) const {
  std::lock_guard lock(mutex_);
  return std::find(failed_.begin(), failed_.end(), std::make_pair(format, modifier)) != failed_.end();
}

size_t ModifierBook::failed_count() const {
  std::lock_guard lock(mutex_);
  return failed_.size();
}

Offer ModifierBook::filter(Offer offer) const {
  std::lock_guard lock(mutex_);
  for (auto& fo : offer.formats) {
    std::erase_if(fo.modifiers, [&](uint64_t m) {
      return std::find(failed_.begin(), failed_.end(), std::make_pair(fo.format, m)) != failed_.end();
    });
  }
  return offer;
}

}  // namespace zc::capture
