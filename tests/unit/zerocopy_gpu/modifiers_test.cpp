#include <catch2/catch.hpp>

#include "zerocopy/cuda_bridge/modifiers.hpp"

using namespace zc;
using namespace zc::zerocopy::cuda_bridge;

namespace {
// What NVIDIA's EGL reports for XRGB8888 (block-linear tiled, LINEAR external-only), shortened.
const std::vector<DmaBufModifier> kNvidia = {
    {0x300000000606010, false}, {0x300000000606011, false}, {kModifierLinear, true}, {0x300000000606015, false}};
}  // namespace

TEST_CASE("tiled modifiers only, unless external-only images can be sampled") {
  CHECK(importable_modifiers(kNvidia, {false, true}) ==
        std::vector<uint64_t>{0x300000000606010, 0x300000000606011, 0x300000000606015});
  // With samplerExternalOES, LINEAR comes too, and last.
  CHECK(importable_modifiers(kNvidia, {true, true}) ==
        std::vector<uint64_t>{0x300000000606010, 0x300000000606011, 0x300000000606015, kModifierLinear});
  // LINEAR left to the Vulkan bridge.
  CHECK(importable_modifiers(kNvidia, {true, false}).size() == 3);
}

TEST_CASE("INVALID and duplicates are dropped, order is kept") {
  const std::vector<DmaBufModifier> list = {
      {kModifierInvalid, false}, {0x5, false}, {kModifierLinear, false}, {0x3, false}, {0x5, false}};
  CHECK(importable_modifiers(list, {}) == std::vector<uint64_t>{0x5, 0x3, kModifierLinear});
  CHECK(importable_modifiers({}, {true, true}).empty());
}

TEST_CASE("external-only lookup and names") {
  CHECK(is_external_only(kNvidia, kModifierLinear));
  CHECK_FALSE(is_external_only(kNvidia, 0x300000000606010));
  CHECK_FALSE(is_external_only(kNvidia, 0x42));
  CHECK(describe_modifier(kModifierLinear) == "LINEAR");
  CHECK(describe_modifier(0x300000000606010) == "0x300000000606010 (NVIDIA)");
  CHECK(describe_modifier(kModifierInvalid) == "INVALID");
}
