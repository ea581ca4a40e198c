#include <catch2/catch.hpp>

#include <vector>

#include "capture/video/timestamper.hpp"

using zc::capture::Timestamper;

TEST_CASE("timestamper: no header pts means arrival time") {
  Timestamper ts;
  CHECK(ts.stamp(std::nullopt, 5'000'000'000) == 5'000'000'000);
  CHECK(ts.stamp(0, 5'016'000'000) == 5'016'000'000);
  CHECK(ts.stamp(-1, 5'033'000'000) == 5'033'000'000);  // video-src-fixate stamps -1
  CHECK(ts.remaps() == 0);
}

TEST_CASE("timestamper: a monotonic header pts is used as is, not the arrival time") {
  Timestamper ts;
  // Buffers arrive late and bunched; the producer's spacing is what counts.
  CHECK(ts.stamp(10'000'000'000, 10'004'000'000) == 10'000'000'000);
  CHECK(ts.stamp(10'016'666'667, 10'030'000'000) == 10'016'666'667);
  CHECK(ts.stamp(10'033'333'333, 10'031'000'000) == 10'033'333'333);
  CHECK(ts.remaps() == 0);
}

TEST_CASE("timestamper: a foreign clock is mapped by the offset learned on the first frame") {
  Timestamper ts;
  const int64_t arrival0 = 50'000'000'000;
  // A producer counting from zero-ish (stream time): 3 s off from CLOCK_MONOTONIC.
  CHECK(ts.stamp(1'000, arrival0) == arrival0);
  // Arrival jitter does not leak in: the producer's 16.6 ms spacing survives.
  CHECK(ts.stamp(1'000 + 16'666'667, arrival0 + 25'000'000) == arrival0 + 16'666'667);
  CHECK(ts.stamp(1'000 + 33'333'333, arrival0 + 34'000'000) == arrival0 + 33'333'333);
  CHECK(ts.remaps() == 1);
}

TEST_CASE("timestamper: a producer clock jump is re-mapped once") {
  Timestamper ts;
  CHECK(ts.stamp(20'000'000'000, 50'000'000'000) == 50'000'000'000);
  CHECK(ts.stamp(20'016'000'000, 50'017'000'000) == 50'016'000'000);
  // The producer restarted its clock: 10 s back. Re-learn instead of going backwards.
  CHECK(ts.stamp(10'000'000'000, 50'040'000'000) == 50'040'000'000);
  CHECK(ts.stamp(10'016'000'000, 50'060'000'000) == 50'056'000'000);
  CHECK(ts.remaps() == 2);
}

TEST_CASE("timestamper: output is strictly increasing") {
  Timestamper ts;
  std::vector<int64_t> out;
  out.push_back(ts.stamp(std::nullopt, 1'000'000'000));
  out.push_back(ts.stamp(std::nullopt, 1'000'000'000));  // same arrival
  out.push_back(ts.stamp(std::nullopt, 999'000'000));    // earlier (cannot happen, must not break)
  out.push_back(ts.stamp(2'000'000'000, 2'000'000'000));
  out.push_back(ts.stamp(2'000'000'000, 2'001'000'000));  // repeated pts
  for (size_t i = 1; i < out.size(); ++i)
    CHECK(out[i] > out[i - 1]);
  CHECK(out[1] == 1'000'000'001);
}
