#pragma once
// Which DRM format modifiers an importer may offer. EGL reports, per fourcc, the modifiers it can
// import and whether each is external_only (sampleable only as GL_TEXTURE_EXTERNAL_OES); on
// NVIDIA the tiled block-linear ones are plain 2D textures and LINEAR is external-only.
#include <cstdint>
#include <string>
#include <vector>

#include "core/pixel_format.hpp"
#include "zerocopy/cuda_bridge/gl/gl_context.hpp"

namespace zc::zerocopy::cuda_bridge {

struct ModifierPolicy {
  bool external_only_ok = false;  // the importer samples external-only images via samplerExternalOES
  bool offer_linear = true;       // false: LINEAR goes to another importer (the Vulkan bridge)
};

// EGL's list filtered by the policy, without DRM_FORMAT_MOD_INVALID or duplicates, in EGL's order
// except that LINEAR goes last (tiled layouts are the fast ones to sample).
std::vector<uint64_t> importable_modifiers(const std::vector<DmaBufModifier>& egl_list, const ModifierPolicy& policy);

// Whether EGL marked `modifier` external-only for this format (false when not listed).
bool is_external_only(const std::vector<DmaBufModifier>& egl_list, uint64_t modifier);

// "0x300000000606010 (NVIDIA)", "LINEAR", "INVALID".
std::string describe_modifier(uint64_t modifier);

}  // namespace zc::zerocopy::cuda_bridge
