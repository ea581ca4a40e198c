#pragma once
// PipeWire 1.x (1.4 measured, in the vm tests' guest) loses frames in the link on a loaded
// machine whatever the consumer does, a driving producer that waits for its cycles and is never
// short of a buffer included; 0.3.65 loses none where these tests run. The README's PipeWire 1.4
// section has the figures. Tests that count frames allow `fraction` of them lost on 1.x (at least
// `floor`), none on 0.3, where every loss is still a bug of ours.
#include <pipewire/pipewire.h>

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace zc::test {

inline bool pipewire_loses_in_link() {
  return !std::string_view(pw_get_library_version()).starts_with("0.");
}

// Frames of `frames` that may go missing in the link: 0 on PipeWire 0.3, else frames / divisor
// (at least `floor`).
inline size_t link_loss_allowed(size_t frames, size_t divisor, size_t floor = 2) {
  return pipewire_loses_in_link() ? std::max(floor, frames / divisor) : 0;
}

}  // namespace zc::test
