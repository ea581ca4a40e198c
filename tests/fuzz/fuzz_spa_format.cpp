// Format pods (SPA_PARAM_Format) as param_changed hands them over: capture's parse_format
// (capture/video/params.cpp) and the test source's (testsrc/params.cpp), then the Buffers and Meta
// answer capture builds for a format it took. PipeWire checks only that the pod's size fits the
// message, so the input is any pod whose header says no more than the input holds.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <spa/pod/pod.h>

#include "capture/video/params.hpp"
#include "testsrc/params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(spa_pod) + 1) return 0;
  // The first byte picks the Buffers answer's options; the rest is the pod, 8-byte aligned as
  // PipeWire keeps pods.
  const uint8_t options = data[0];
  std::vector<uint64_t> storage((size - 1 + 7) / 8);
  std::copy(data + 1, data + size, reinterpret_cast<uint8_t*>(storage.data()));
  const auto* pod = reinterpret_cast<const spa_pod*>(storage.data());
  if (SPA_POD_SIZE(pod) > size - 1) return 0;

  if (auto format = zc::capture::parse_format(pod)) {
    // What buffer validation relies on (fuzz_buffer.cpp takes formats of these sizes).
    const uint32_t most = zc::capture::kMaxFormatDimension;
    if (format->size.width == 0 || format->size.height == 0 || format->size.width > most ||
        format->size.height > most) {
      std::abort();
    }
    zc::capture::ParamSet params;
    zc::capture::build_buffer_params(*format, params, (options & 1) != 0, options >> 1);
  }
  (void)zc::testsrc::parse_format(pod);
  return 0;
}
