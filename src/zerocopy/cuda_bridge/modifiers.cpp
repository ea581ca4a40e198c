#include "zerocopy/cuda_bridge/modifiers.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/pixel_format.hpp"

namespace zc::zerocopy::cuda_bridge {

std::vector<uint64_t> importable_modifiers(const std::vector<DmaBufModifier>& egl_list, const ModifierPolicy& policy) {
  std::vector<uint64_t> out;
  bool linear = false;
  for (const auto& m : egl_list) {
    if (m.modifier == kModifierInvalid) continue;
    if (m.external_only && !policy.external_only_ok) continue;
    if (m.modifier == kModifierLinear) {
      linear = policy.offer_linear;
      continue;
    }
    if (std::find(out.begin(), out.end(), m.modifier) == out.end()) out.push_back(m.modifier);
  }
  if (linear) out.push_back(kModifierLinear);
  return out;
}

bool is_external_only(const std::vector<DmaBufModifier>& egl_list, uint64_t modifier) {
  for (const auto& m : egl_list)
    if (m.modifier == modifier) return m.external_only;
  return false;
}

std::string describe_modifier(uint64_t modifier) {
  if (modifier == kModifierLinear) return "LINEAR";
  if (modifier == kModifierInvalid) return "INVALID";
  static constexpr const char* kVendors[] = {"none",    "Intel",    "AMD", "NVIDIA",    "Samsung", "Qualcomm",
                                             "Vivante", "Broadcom", "ARM", "Allwinner", "Amlogic"};
  const auto vendor = static_cast<size_t>(modifier >> 56);
  return vendor < std::size(kVendors) ? fmt::format("{:#x} ({})", modifier, kVendors[vendor])
                                      : fmt::format("{:#x}", modifier);
}

}  // namespace zc::zerocopy::cuda_bridge
