#pragma once
// Whether this CPU runs AVX2, asked once. The files with AVX2 rows (rgb8_avx2.cpp,
// rgb10_avx2.cpp) are built without -mavx2 and choose their rows with this at run time.
namespace zc::zerocopy {

inline bool cpu_has_avx2() {
#if defined(__x86_64__)
  static const bool available = __builtin_cpu_supports("avx2") != 0;
  return available;
#else
  return false;
#endif
}

}  // namespace zc::zerocopy
