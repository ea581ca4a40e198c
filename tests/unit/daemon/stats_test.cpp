#include <catch2/catch.hpp>

#include "daemon/stats.hpp"

using zc::daemon::LatencyHistogram;

TEST_CASE("latency quantiles land in the right bucket", "[stats]") {
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i)
    h.add(i * 100'000);  // 0.1 .. 10 ms
  CHECK(h.count() == 100);
  const auto p50 = h.quantile_ns(0.5);
  CHECK(p50 >= 5'000'000);
  CHECK(p50 <= 5'100'000);
  const auto p99 = h.quantile_ns(0.99);
  CHECK(p99 >= 9'900'000);
  CHECK(p99 <= 10'050'000);
}

TEST_CASE("latency beyond the histogram reports the maximum", "[stats]") {
  LatencyHistogram h;
  h.add(1'000'000'000);
  CHECK(h.quantile_ns(0.99) == 1'000'000'000);
}

TEST_CASE("the rate meter computes events per second", "[stats]") {
  zc::daemon::RateMeter m;
  m.update(0, 1'000'000'000);
  CHECK(m.update(60, 2'000'000'000) == Approx(60.0));
  CHECK(m.update(90, 2'500'000'000) == Approx(60.0));
}
