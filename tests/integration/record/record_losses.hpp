#pragma once
// What a run that counts frames may lose for reasons outside zerocast's control, read off its
// summary, both counted there: "missed" (numbered by the producer, lost before zerocast saw them:
// PipeWire 1.x's link, support/pw_link_loss.hpp) and "encoder behind" (the oldest queued frame
// dropped while the encoder could not keep up: allowed only where every instruction is emulated,
// the vm tests' TCG guest, which sets ZC_TEST_EMULATED). On the host's PipeWire 0.3 neither is
// allowed. The decoded numbers may skip exactly `skipped()`: a frame lost silently still fails.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "record_support.hpp"
#include "support/emulated.hpp"
#include "support/pw_link_loss.hpp"

namespace zc::test {

struct Losses {
  uint64_t missed = 0;
  uint64_t behind = 0;
  [[nodiscard]] uint64_t skipped() const { return missed + behind; }
};

// Where allowed: missed at most frames / divisor (at least 2); encoder behind at most half. The
// emulated guest beside one busy host loop dropped 6 of 30 at 1280x720 ("--scale") and 11 of 40
// around a resize (the encoder reopened): its 2 CPUs then share one host core.
inline size_t behind_allowed(size_t frames) {
  return emulated_machine() ? frames / 2 : 0;
}
inline size_t losses_allowed(size_t frames, size_t divisor) {
  return link_loss_allowed(frames, divisor) + behind_allowed(frames);
}

// Checks `output`'s summary against a run of `frames` whose producer skipped `unsent` numbers on
// purpose (missed on every PipeWire).
inline Losses check_losses(const std::string& output, size_t frames, size_t divisor, uint64_t unsent = 0) {
  const auto counts = summary_counts(output);
  REQUIRE(counts);
  const Losses l{counts->missed, counts->encoder_behind};
  INFO("missed " << l.missed << " (" << unsent << " never sent), encoder behind " << l.behind << " of " << frames
                 << " frames");
  REQUIRE(l.missed >= unsent);
  CHECK(l.missed - unsent <= link_loss_allowed(frames, divisor));
  CHECK(l.behind <= behind_allowed(frames));
  return l;
}

}  // namespace zc::test
