// PauseClock: paused spans on the capture clock, and the timeline without them that the encoders
// get (picture and sound shifted alike).
#include <catch2/catch.hpp>

#include "session/pause_clock.hpp"

using zc::session::PauseClock;

TEST_CASE("pause clock: one span, open then closed", "[session][pause]") {
  PauseClock c;
  CHECK_FALSE(c.paused());
  CHECK(c.shift(500) == 500);
  REQUIRE(c.pause(1000));
  CHECK_FALSE(c.pause(1100));  // already paused
  CHECK(c.paused());
  CHECK_FALSE(c.paused_at(999));
  CHECK(c.paused_at(1000));
  CHECK(c.paused_at(5'000'000));  // an open span reaches on
  CHECK_FALSE(c.next_unpaused(1500).has_value());
  CHECK(c.shift(999) == 999);
  CHECK(c.shift(1500) == 1000);      // inside: where the span began
  CHECK(c.shift_end(1500) == 1500);  // ... or, for a picture's end, not moved by its own span
  CHECK(c.stretch_at(1500).paused);
  CHECK(c.stretch_at(900).until_ns == 1000);

  REQUIRE(c.resume(4000));
  CHECK_FALSE(c.resume(4100));  // not paused
  CHECK_FALSE(c.paused());
  CHECK(c.paused_at(3999));
  CHECK_FALSE(c.paused_at(4000));
  CHECK(c.next_unpaused(2000) == 4000);
  CHECK(c.next_unpaused(4500) == 4500);
  CHECK(c.shift(4000) == 1000);  // the first moment after joins the last before
  CHECK(c.shift(4500) == 1500);
  CHECK(c.unshift(999) == 999);
  CHECK(c.unshift(1000) == 4000);
  CHECK(c.unshift(1500) == 4500);
  CHECK(c.paused_ns(10'000) == 3000);
  CHECK(c.pauses() == 1);
  const auto after = c.stretch_at(4000);
  CHECK_FALSE(after.paused);
  CHECK(after.until_ns == INT64_MAX);
}

TEST_CASE("pause clock: several spans add up, and shift and unshift agree outside them", "[session][pause]") {
  PauseClock c;
  REQUIRE(c.pause(100));
  REQUIRE(c.resume(300));  // 200
  REQUIRE(c.pause(1000));
  REQUIRE(c.resume(1050));  // 50
  REQUIRE(c.pause(2000));   // open
  CHECK(c.paused_ns(2500) == 750);
  CHECK(c.pauses() == 3);
  for (int64_t t : {0, 99, 300, 301, 999, 1050, 1999}) {
    INFO(t);
    CHECK_FALSE(c.paused_at(t));
    CHECK(c.unshift(c.shift(t)) == t);
  }
  CHECK(c.shift(1999) == 1999 - 250);
  CHECK(c.shift(2500) == 2000 - 250);
  CHECK(c.shift_end(2500) == 2500 - 250);
  CHECK(c.shift_end(1020) == 1020 - 200);
  CHECK(c.shift_end(1999) == c.shift(1999));
  // Shifted times keep their order: what the encoder gets never goes back.
  int64_t last = -1;
  for (int64_t t = 0; t < 3000; t += 7) {
    CHECK(c.shift(t) >= last);
    last = c.shift(t);
  }
  CHECK(c.stretch_at(500).until_ns == 1000);
  CHECK(c.stretch_at(1020).until_ns == 1050);
}

TEST_CASE("pause clock: a resume and a pause at the same moment never overlap", "[session][pause]") {
  PauseClock c;
  REQUIRE(c.pause(100));
  REQUIRE(c.resume(100));  // a span is at least 1 ns
  CHECK(c.paused_ns(1000) == 1);
  REQUIRE(c.pause(50));  // a clock read before the resume: starts at its end
  REQUIRE(c.resume(200));
  CHECK(c.paused_ns(1000) == 1 + 99);
  CHECK(c.shift(300) == 200);
}
