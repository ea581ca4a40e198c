// Linked into the Vulkan pass tests only. Mesa's lavapipe (CI's Vulkan device) leaks small
// allocations from its JIT-compiled shader code; LeakSanitizer sees them only as "<unknown module>"
// frames, which no suppression pattern can name. So leak checking is off for this one executable;
// AddressSanitizer's other checks stay on. Our own Vulkan objects are RAII owners (vk_context.hpp).
extern "C" const char* __lsan_default_options() {
  return "detect_leaks=0";
}
